package chaos

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"sort"
	"sync"
	"time"

	"github.com/kassa-dev/kassa/internal/httpstat"
	"github.com/kassa-dev/kassa/mapi"
	"github.com/kassa-dev/kassa/mapisim"
)

// bank is the simulator served on 127.0.0.1 with a counter of the faults
// it injected.
type bank struct {
	sim    *mapisim.Sim
	srv    *http.Server
	url    string
	client *mapi.Client

	mu     sync.Mutex
	faults map[string]int // "route 503" / "route timeout" → count
}

// startBank starts the simulator on a free loopback port.
func startBank(seed int64, speed float64, f mapisim.Faults) (*bank, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("chaos: listen for the simulator: %w", err)
	}
	b := &bank{url: "http://" + ln.Addr().String(), faults: map[string]int{}}
	b.sim = mapisim.New(mapisim.Options{BaseURL: b.url, Clock: mapisim.ScaledClock(speed), Seed: seed, Faults: f})
	b.srv = &http.Server{Handler: b.counting(b.sim), ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = b.srv.Serve(ln) }()
	b.client = mapi.New(mapi.Config{BaseURL: b.url, ClientID: mapisim.DefaultClientID,
		ClientSecret: mapisim.DefaultClientSecret, Timeout: 20 * time.Second})
	return b, nil
}

// counting wraps the simulator and counts the 503s it answers and the
// requests it aborts (timeouts), per path kind.
func (b *bank) counting(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := &httpstat.Writer{ResponseWriter: w}
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					b.count(routeOf(r) + " timeout")
				}
				panic(v)
			}
		}()
		next.ServeHTTP(rec, r)
		if rec.Status == http.StatusServiceUnavailable {
			b.count(routeOf(r) + " 503")
		}
	})
}

func (b *bank) count(k string) {
	b.mu.Lock()
	b.faults[k]++
	b.mu.Unlock()
}

// faultCounts returns the injected faults, sorted by name.
func (b *bank) faultCounts() []kv {
	b.mu.Lock()
	defer b.mu.Unlock()
	out := make([]kv, 0, len(b.faults))
	for k, v := range b.faults {
		out = append(out, kv{k, v})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].k < out[j].k })
	return out
}

type kv struct {
	k string
	v int
}

// routeOf names a simulator request by its route, without ids.
func routeOf(r *http.Request) string {
	p := r.URL.Path
	switch {
	case r.Method == http.MethodPost && p == "/v2/payments":
		return "create"
	case r.Method == http.MethodPost && p == "/v2/payments/search":
		return "search"
	case r.Method == http.MethodPost && hasSuffix(p, "/capture"):
		return "capture"
	case r.Method == http.MethodPost && hasSuffix(p, "/refund"):
		return "refund"
	case r.Method == http.MethodGet && hasSuffix(p, "/tasks/status"):
		return "task-status"
	case r.Method == http.MethodGet && len(p) > len("/v2/payments/") && p[:len("/v2/payments/")] == "/v2/payments/":
		return "get"
	}
	return r.Method + " " + p
}

func hasSuffix(s, suf string) bool { return len(s) >= len(suf) && s[len(s)-len(suf):] == suf }

// truth reads the bank's state: all payments, their callback logs and,
// where the order status depends on it, the task status.
func (b *bank) truth(ctx context.Context) (BankState, error) {
	st := BankState{Payments: b.sim.Payments(), TaskCompleted: map[string]bool{},
		Deliveries: map[string][]mapisim.Delivery{}}
	for _, p := range st.Payments {
		st.Deliveries[p.ID] = b.sim.Deliveries(p.ID)
		if !NeedsTaskStatus(p) {
			continue
		}
		ts, err := b.client.TaskStatus(ctx, p.ID)
		if err != nil {
			return st, fmt.Errorf("chaos: task status of %s: %w", p.ID, err)
		}
		st.TaskCompleted[p.ID] = ts.Completed
	}
	return st, nil
}

func (b *bank) close() {
	b.sim.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if err := b.srv.Shutdown(ctx); err != nil && !errors.Is(err, context.DeadlineExceeded) {
		_ = b.srv.Close()
	}
	_ = b.srv.Close()
}
