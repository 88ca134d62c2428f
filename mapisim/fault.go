package mapisim

import (
	"net/http"
	"time"
)

// Faults configure fault injection. Probabilities are in [0,1]; all draws
// come from Options.Seed.
type Faults struct {
	Endpoints []EndpointFault
	Callbacks CallbackFaults
}

// EndpointFault applies to the requests of one route.
type EndpointFault struct {
	// Route is a route pattern exactly as the simulator registers it, e.g.
	// "POST /v2/payments", "GET /v2/payments/{id}",
	// "POST /v2/payments/{id}/capture", or "*" for every route.
	Route string
	// Error5xx is the probability of answering 503 with a MAPI error body (docs/mapi.md §Errors) without
	// executing the request.
	Error5xx float64
	// Timeout is the probability of never answering: the request is held
	// until the client gives up (or 30 s), then the connection is closed.
	Timeout float64
	// Latency is added before every request of the route.
	Latency time.Duration
	// TimeoutAfterExecute makes a Timeout fault execute the request first
	// and then lose the answer ("the capture happened, the client never
	// heard").
	TimeoutAfterExecute bool
}

// CallbackFaults apply to callback deliveries. Each draw is a function of
// the seed, the payment id and the callback's number on that payment, so a
// run with the same seed and the same payments gives the same faults.
type CallbackFaults struct {
	Drop      float64       // the callback is never sent (logged as dropped)
	Duplicate float64       // after a delivered callback the same body is sent again
	Delay     float64       // the first attempt waits a random time up to MaxDelay
	Reorder   float64       // the callback is held back and sent after the next one of the payment
	MaxDelay  time.Duration // default 30 s
}

// timeoutHold is the longest a timeout fault holds a request.
const timeoutHold = 30 * time.Second

// withFaults applies the endpoint faults configured for route.
func (s *Sim) withFaults(route string, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f, ok := s.endpointFault(route)
		if !ok {
			next.ServeHTTP(w, r)
			return
		}
		if f.Latency > 0 {
			t := time.NewTimer(f.Latency)
			select {
			case <-t.C:
			case <-r.Context().Done():
				t.Stop()
				panic(http.ErrAbortHandler)
			}
		}
		switch roll := s.float64(); {
		case roll < f.Error5xx:
			s.writeError(w, errorf(http.StatusServiceUnavailable, "Service temporarily unavailable (simulated fault)"))
		case roll < f.Error5xx+f.Timeout:
			if f.TimeoutAfterExecute {
				next.ServeHTTP(discardWriter{http.Header{}}, r)
			}
			s.holdAndAbort(r)
		default:
			next.ServeHTTP(w, r)
		}
	})
}

// endpointFault merges the faults that match route: the first exact match
// wins over "*".
func (s *Sim) endpointFault(route string) (EndpointFault, bool) {
	fs := s.faults.Load()
	var star *EndpointFault
	for i := range fs.Endpoints {
		e := &fs.Endpoints[i]
		if e.Route == route {
			return *e, true
		}
		if e.Route == "*" && star == nil {
			star = e
		}
	}
	if star != nil {
		return *star, true
	}
	return EndpointFault{}, false
}

// holdAndAbort waits for the client to give up (or 30 s) and closes the
// connection without an answer.
func (s *Sim) holdAndAbort(r *http.Request) {
	t := time.NewTimer(timeoutHold)
	defer t.Stop()
	select {
	case <-t.C:
	case <-r.Context().Done():
	case <-s.ctx.Done():
	}
	panic(http.ErrAbortHandler)
}

// discardWriter is a ResponseWriter whose answer is lost.
type discardWriter struct{ h http.Header }

func (d discardWriter) Header() http.Header         { return d.h }
func (d discardWriter) Write(b []byte) (int, error) { return len(b), nil }
func (d discardWriter) WriteHeader(int)             {}
