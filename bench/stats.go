package bench

import (
	"slices"
	"sync"
	"time"
)

// Latency is a latency distribution in milliseconds.
type Latency struct {
	Count int     `json:"count"`
	P50   float64 `json:"p50_ms"`
	P95   float64 `json:"p95_ms"`
	P99   float64 `json:"p99_ms"`
	Max   float64 `json:"max_ms"`
}

// recorder collects durations from many goroutines. It keeps every sample
// (a 10 s run at a few hundred journeys/s is a few thousand per series),
// so the percentiles are exact rather than bucketed.
type recorder struct {
	mu sync.Mutex
	d  []time.Duration
}

func (r *recorder) add(d time.Duration) {
	r.mu.Lock()
	r.d = append(r.d, d)
	r.mu.Unlock()
}

// latency summarises the samples recorded so far.
func (r *recorder) latency() Latency {
	r.mu.Lock()
	d := slices.Clone(r.d)
	r.mu.Unlock()
	return summarise(d)
}

// summarise sorts d and returns its nearest-rank percentiles.
func summarise(d []time.Duration) Latency {
	if len(d) == 0 {
		return Latency{}
	}
	slices.Sort(d)
	return Latency{Count: len(d), P50: ms(rank(d, 50)), P95: ms(rank(d, 95)), P99: ms(rank(d, 99)), Max: ms(d[len(d)-1])}
}

// rank is the nearest-rank p-th percentile of the sorted d.
func rank(d []time.Duration, p int) time.Duration {
	i := (len(d)*p + 99) / 100 // ceil(n·p/100), 1-based
	return d[max(i, 1)-1]
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
