package checkout_test

import (
	"fmt"
	"path/filepath"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kassa-dev/kassa"
	"github.com/kassa-dev/kassa/mapisim"
)

func BenchmarkTransition(b *testing.B) {
	snaps := []kassa.PaymentSnapshot{
		{Status: kassa.PaymentTaskRedirectionRequired},
		{Status: kassa.PaymentFrozen},
		{Status: kassa.PaymentAccepted, Authorized: 24800, Total: 24800},
		{Status: kassa.PaymentAccepted, Captured: 24800, Total: 24800},
		{Status: kassa.PaymentRejected, RejectedCategory: kassa.RejectedCreditDenied},
		{Status: kassa.PaymentRejected, TaskCompleted: true},
	}
	var applied int
	for i := 0; b.Loop(); i++ {
		s := kassa.Statuses[i%len(kassa.Statuses)]
		if kassa.Transition(s, snaps[i%len(snaps)]).Applied {
			applied++
		}
	}
	if applied == 0 {
		b.Fatal("no transition applied")
	}
}

func BenchmarkQuote(b *testing.B) {
	e := newEnv(b, envOptions{dsn: filepath.Join(b.TempDir(), "kassa.db"), noStart: true})
	lines := []kassa.LineRequest{{SKU: "TEE", Quantity: 2}, {SKU: "BOOK", Quantity: 1}, {SKU: "MUG", Quantity: 1}}
	for b.Loop() {
		if _, _, err := e.eng.Quote(e.ctx, lines); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkReceiveCallback measures the callback acknowledgement: token
// check, parse, inbox insert and job insert in one transaction, on a file
// database. Workers do not run, so only the ack is measured.
func BenchmarkReceiveCallback(b *testing.B) {
	e := newEnv(b, envOptions{dsn: filepath.Join(b.TempDir(), "kassa.db"), noStart: true})
	o, _ := e.place(govAccepted)
	tok := fmt.Sprintf("%d.%s", o.ID, o.CallbackToken)
	var (
		n   atomic.Int64
		mu  sync.Mutex
		all []time.Duration
	)
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		var mine []time.Duration
		for pb.Next() {
			created := t0.Add(time.Duration(n.Add(1)) * time.Millisecond).Format("2006-01-02T15:04:05.000Z")
			body := fmt.Appendf(nil, `{"paymentId":%q,"status":"AUTHORIZED","created":%q}`, o.PaymentID, created)
			start := time.Now()
			if err := e.eng.ReceiveCallback(e.ctx, kassa.CallbackAuthorization, tok, body); err != nil {
				b.Fatal(err)
			}
			mine = append(mine, time.Since(start))
		}
		mu.Lock()
		all = append(all, mine...)
		mu.Unlock()
	})
	slices.Sort(all)
	b.ReportMetric(float64(all[len(all)*99/100].Microseconds())/1000, "p99-ms")
}

// BenchmarkJourney runs whole journeys: place the order (payment created at
// the simulator over loopback HTTP), sign, callback delivered over HTTP,
// stored, processed by a callback worker with a payment read, then the
// customer's return. An op ends when the order is processing.
func BenchmarkJourney(b *testing.B) {
	e := newEnv(b, envOptions{dsn: filepath.Join(b.TempDir(), "kassa.db")})
	b.SetParallelism(8) // customers in flight per CPU
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			o, _, err := e.eng.PlaceOrder(e.ctx, orderRequest(govAccepted), kassa.SourceCheckout)
			if err != nil {
				b.Fatal(err)
			}
			if _, err := e.sim.Sign(o.PaymentID, mapisim.Approve); err != nil {
				b.Fatal(err)
			}
			got, err := e.eng.Return(e.ctx, o.ID, o.Key)
			if err != nil || got.Status != kassa.StatusProcessing {
				b.Fatalf("Return = %v, %v", got, err)
			}
		}
	})
	b.StopTimer()
	e.settle()
}
