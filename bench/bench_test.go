package bench

import (
	"context"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestSummarise(t *testing.T) {
	var d []time.Duration
	for i := 100; i >= 1; i-- { // 1..100 ms, unsorted
		d = append(d, time.Duration(i)*time.Millisecond)
	}
	want := Latency{Count: 100, P50: 50, P95: 95, P99: 99, Max: 100}
	if diff := cmp.Diff(want, summarise(d)); diff != "" {
		t.Errorf("summarise (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(Latency{Count: 1, P50: 7, P95: 7, P99: 7, Max: 7}, summarise([]time.Duration{7 * time.Millisecond})); diff != "" {
		t.Errorf("one sample (-want +got):\n%s", diff)
	}
	if got := summarise(nil); got != (Latency{}) {
		t.Errorf("no samples: %+v", got)
	}
}

func TestClassify(t *testing.T) {
	for _, tt := range []struct{ method, target, want string }{
		{"POST", "/api/orders", epCreate},
		{"GET", "/api/orders", ""},
		{"GET", "/checkout/orders/12/return?key=k", epReturn},
		{"GET", "/checkout/orders/12/fail?key=k", ""},
		{"POST", "/callbacks/resurs/authorization?t=12.s", epCallback},
		{"POST", "/callbacks/resurs/management?t=12.s", epCallback},
		{"GET", "/api/orders/12?key=k", ""},
		{"GET", "/", ""},
	} {
		if got := classify(httptest.NewRequest(tt.method, tt.target, nil)); got != tt.want {
			t.Errorf("%s %s = %q, want %q", tt.method, tt.target, got, tt.want)
		}
	}
}

func TestTokenOrder(t *testing.T) {
	for _, tt := range []struct {
		token string
		id    int64
		ok    bool
	}{{"12.secret", 12, true}, {"12", 0, false}, {"x.secret", 0, false}, {"", 0, false}} {
		id, ok := tokenOrder(tt.token)
		if id != tt.id || ok != tt.ok {
			t.Errorf("tokenOrder(%q) = %d, %v; want %d, %v", tt.token, id, ok, tt.id, tt.ok)
		}
	}
}

// A journey may start waiting before or after its callback is processed;
// either way it is woken exactly once, with the time of processing.
func TestWatcherWait(t *testing.T) {
	w := newWatcher()
	at := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	w.processed(1, at) // before the wait
	got, err := w.wait(context.Background(), 1)
	if err != nil || !got.Equal(at) {
		t.Fatalf("wait(1) = %v, %v; want %v", got, err, at)
	}
	done := make(chan time.Time)
	go func() {
		got, err := w.wait(context.Background(), 2)
		if err != nil {
			t.Error(err)
		}
		done <- got
	}()
	for { // until the goroutine waits
		w.mu.Lock()
		_, waiting := w.waiting[2]
		w.mu.Unlock()
		if waiting {
			break
		}
		time.Sleep(time.Millisecond)
	}
	w.processed(2, at)
	w.processed(2, at.Add(time.Second)) // a second callback of order 2: kept, not delivered twice
	if got := <-done; !got.Equal(at) {
		t.Fatalf("wait(2) = %v, want %v", got, at)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := w.wait(ctx, 3); err == nil {
		t.Error("wait with a cancelled context: no error")
	}
}

func TestWindow(t *testing.T) {
	var w window
	now := time.Now()
	if w.contains(now) {
		t.Error("a window not yet open contains now")
	}
	w.start.Store(now.UnixNano())
	if !w.contains(now.Add(time.Second)) || w.contains(now.Add(-time.Second)) {
		t.Error("open window: wrong containment")
	}
	w.end.Store(now.Add(time.Minute).UnixNano())
	if w.contains(now.Add(2 * time.Minute)) {
		t.Error("closed window contains a later time")
	}
}
