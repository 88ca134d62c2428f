package storetest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/kassa-dev/kassa"
)

// callback returns an inbox entry for payment p with dedup key k.
func callback(p, k string) *kassa.Callback {
	return &kassa.Callback{Kind: kassa.CallbackAuthorization, PaymentID: p, DedupKey: k,
		Body: []byte(fmt.Sprintf(`{"paymentId":%q,"status":"AUTHORIZED"}`, p))}
}

func testCallbacks(t *testing.T, s Inbox) {
	o := create(t, s, order(1, shipping))
	first := callback("p1", "p1/AUTHORIZED")
	first.OrderID = o.ID
	ran := 0
	hook := func(ctx context.Context, tx kassa.Tx) error { ran++; return nil }
	dup, err := s.RecordCallback(ctx, first, hook)
	must(t, err)
	if dup || first.ID == 0 || first.State != kassa.CallbackReceived || !within(first.ReceivedAt) || ran != 1 {
		t.Fatalf("first callback: dup %v, id %d, state %q, received %v, hook runs %d",
			dup, first.ID, first.State, first.ReceivedAt, ran)
	}
	again := callback("p1", "p1/AUTHORIZED")
	dup, err = s.RecordCallback(ctx, again, hook)
	must(t, err)
	if !dup || again.ID == 0 || again.ID == first.ID || again.State != kassa.CallbackDuplicate || ran != 1 {
		t.Fatalf("repeated callback: dup %v, id %d, state %q, hook runs %d; want a stored duplicate, hook not run",
			dup, again.ID, again.State, ran)
	}
	for i := range 2 { // no dedup key: never a duplicate
		dup, err = s.RecordCallback(ctx, callback("p2", ""), hook)
		must(t, err)
		if dup {
			t.Fatalf("callback %d without a dedup key counted as a duplicate", i)
		}
	}
	got, err := s.Callback(ctx, first.ID)
	must(t, err)
	if d := diff(first, got); d != "" {
		t.Fatalf("Callback round trip (-want +got):\n%s", d)
	}
	first.State, first.Attempts, first.Error = kassa.CallbackProcessed, 2, "read failed once"
	first.ProcessedAt = at
	must(t, s.UpdateCallback(ctx, first, nil))
	got, err = s.Callback(ctx, first.ID)
	must(t, err)
	if d := diff(first, got); d != "" {
		t.Fatalf("UpdateCallback round trip (-want +got):\n%s", d)
	}
	// The hook runs in the update's transaction: its error undoes the update.
	ran = 0
	requeued := *first
	requeued.State, requeued.Error = kassa.CallbackReceived, ""
	must(t, s.UpdateCallback(ctx, &requeued, hook))
	if ran != 1 {
		t.Fatalf("UpdateCallback ran its hook %d times, want 1", ran)
	}
	failed := requeued
	failed.State = kassa.CallbackFailed
	fail := func(ctx context.Context, tx kassa.Tx) error { return errHook }
	if err := s.UpdateCallback(ctx, &failed, fail); !errors.Is(err, errHook) {
		t.Fatalf("UpdateCallback error = %v, want the hook's error", err)
	}
	got, err = s.Callback(ctx, first.ID)
	must(t, err)
	if d := diff(&requeued, got); d != "" {
		t.Fatalf("UpdateCallback with a failing hook wrote (-want +got):\n%s", d)
	}
	must(t, s.UpdateCallback(ctx, first, nil))
	dup, err = s.RecordCallback(ctx, callback("p1", "p1/AUTHORIZED"), hook)
	must(t, err)
	if !dup {
		t.Fatal("dedup key of a processed callback no longer counts")
	}
	_, err = s.Callback(ctx, 4711)
	wantCode(t, err, kassa.ENOTFOUND)
	wantCode(t, s.UpdateCallback(ctx, &kassa.Callback{ID: 4711, State: kassa.CallbackFailed}, nil), kassa.ENOTFOUND)
}

func testCallbacksList(t *testing.T, s Inbox) {
	o := create(t, s, order(1, shipping))
	var all []*kassa.Callback // newest first
	for i := range 5 {
		cb := callback(fmt.Sprint("p", i%2), fmt.Sprint("k", i%3))
		if i%2 == 0 {
			cb.OrderID = o.ID
		} else {
			cb.State = kassa.CallbackQuarantined
		}
		_, err := s.RecordCallback(ctx, cb, nil)
		must(t, err)
		all = append([]*kassa.Callback{cb}, all...)
	}
	// i: 0 k0 order, 1 k1 quarantined, 2 k2 order, 3 k0 dup, 4 k1 order dup
	for _, tt := range []struct {
		name string
		f    kassa.CallbackFilter
		want []*kassa.Callback
		n    int
	}{
		{"all", kassa.CallbackFilter{}, all, 5},
		{"paged", kassa.CallbackFilter{Limit: 2, Offset: 1}, all[1:3], 5},
		{"duplicates", kassa.CallbackFilter{State: kassa.CallbackDuplicate}, all[:2], 2},
		{"quarantined", kassa.CallbackFilter{State: kassa.CallbackQuarantined}, all[3:4], 1},
		{"order", kassa.CallbackFilter{OrderID: o.ID}, []*kassa.Callback{all[0], all[2], all[4]}, 3},
		{"order and state", kassa.CallbackFilter{OrderID: o.ID, State: kassa.CallbackReceived}, []*kassa.Callback{all[2], all[4]}, 2},
		{"after", kassa.CallbackFilter{Limit: 2, After: all[1].ID}, all[2:4], 5},
		{"before", kassa.CallbackFilter{Limit: 2, Before: all[3].ID}, all[1:3], 5},
		{"order after", kassa.CallbackFilter{OrderID: o.ID, After: all[0].ID}, []*kassa.Callback{all[2], all[4]}, 3},
	} {
		got, n, err := s.Callbacks(ctx, tt.f)
		must(t, err)
		if d := diff(tt.want, got); d != "" || n != tt.n {
			t.Fatalf("%s: total %d, want %d; (-want +got):\n%s", tt.name, n, tt.n, d)
		}
	}
}

func testCallbackConcurrent(t *testing.T, s Inbox) {
	const n = 20
	var wg sync.WaitGroup
	var mu sync.Mutex
	originals, hooks := 0, 0
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			dup, err := s.RecordCallback(ctx, callback("p", "p/ACCEPTED"), func(ctx context.Context, tx kassa.Tx) error {
				mu.Lock()
				hooks++
				mu.Unlock()
				return nil
			})
			if err != nil {
				t.Error(err)
				return
			}
			mu.Lock()
			if !dup {
				originals++
			}
			mu.Unlock()
		}()
	}
	wg.Wait()
	if originals != 1 || hooks != 1 {
		t.Fatalf("%d originals and %d hook runs among %d concurrent callbacks, want 1 and 1", originals, hooks, n)
	}
	_, stored, err := s.Callbacks(ctx, kassa.CallbackFilter{})
	must(t, err)
	_, dups, err := s.Callbacks(ctx, kassa.CallbackFilter{State: kassa.CallbackDuplicate})
	must(t, err)
	if stored != n || dups != n-1 {
		t.Fatalf("%d stored, %d duplicates; want %d and %d", stored, dups, n, n-1)
	}
}

func testConcurrentCreate(t *testing.T, s Orders) {
	const stockA, stockB, buyers = 10, 7, 30
	put(t, s, product("A", stockA), product("B", stockB))
	var wg sync.WaitGroup
	var mu sync.Mutex
	sold := map[string]int64{}
	for i := range buyers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			lines := []kassa.Line{line(1, "A", int64(1+i%3))}
			if i%2 == 0 {
				lines = append(lines, line(2, "B", 1))
			}
			err := s.CreateOrder(ctx, order(i, lines...), kassa.Event{At: time.Now()}, nil)
			switch kassa.ErrorCode(err) {
			case "":
				mu.Lock()
				for _, l := range lines {
					sold[l.SKU] += l.Quantity
				}
				mu.Unlock()
			case kassa.ECONFLICT:
			default:
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	a, b := stock(t, s, "A"), stock(t, s, "B")
	if a < 0 || b < 0 || a+sold["A"] != stockA || b+sold["B"] != stockB {
		t.Fatalf("stock A %d + sold %d, B %d + sold %d; want %d and %d (conserved, never negative)",
			a, sold["A"], b, sold["B"], stockA, stockB)
	}
	if sold["A"] == 0 {
		t.Fatal("no order succeeded")
	}
	list, n, err := s.Orders(ctx, kassa.OrderFilter{Limit: buyers})
	must(t, err)
	var inOrders int64
	for _, o := range list {
		for _, l := range o.Lines {
			if l.SKU == "A" {
				inOrders += l.Quantity
			}
		}
	}
	if inOrders != sold["A"] || n != len(list) {
		t.Fatalf("orders hold %d of A, %d sold; %d orders listed of %d", inOrders, sold["A"], len(list), n)
	}
}
