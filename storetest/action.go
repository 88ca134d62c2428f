package storetest

import (
	"context"
	"errors"
	"sync"
	"testing"

	"github.com/kassa-dev/kassa"
)

// action returns a new pending capture of o's lines.
func action(o *kassa.Order, kind kassa.ActionKind, seq int) *kassa.Action {
	return &kassa.Action{OrderID: o.ID, Kind: kind, TransactionID: kassa.TransactionID(o.Number, kind, seq),
		Lines: o.Lines, Amount: o.Total, Source: kassa.SourceAdmin, Creator: "admin"}
}

// mustAction stores a and fails t on error.
func mustAction(t *testing.T, s kassa.Actions, a *kassa.Action) *kassa.Action {
	t.Helper()
	must(t, s.CreateAction(ctx, a, nil))
	return a
}

func testCreateAction(t *testing.T, s Actions) {
	put(t, s, product("A", 5))
	o := create(t, s, order(1, line(1, "A", 2), shipping))
	a := action(o, kassa.ActionCapture, 1)
	want := *a
	var seen int64
	hook := func(ctx context.Context, tx kassa.Tx) error {
		seen = a.ID
		return nil
	}
	must(t, s.CreateAction(ctx, a, hook))
	if a.ID == 0 || seen != a.ID || a.State != kassa.ActionPending || !within(a.CreatedAt) || !a.UpdatedAt.Equal(a.CreatedAt) {
		t.Fatalf("created action: id %d (hook saw %d), state %q, created %v, updated %v; want an id the hook sees, pending, now",
			a.ID, seen, a.State, a.CreatedAt, a.UpdatedAt)
	}
	want.ID, want.State, want.CreatedAt, want.UpdatedAt = a.ID, kassa.ActionPending, a.CreatedAt, a.UpdatedAt
	if d := diff(&want, a); d != "" {
		t.Fatalf("CreateAction changed more than it fills in (-want +got):\n%s", d)
	}
	got, err := s.Action(ctx, a.ID)
	must(t, err)
	if d := diff(a, got); d != "" {
		t.Fatalf("Action round trip (-want +got):\n%s", d)
	}
	byTx, err := s.ActionByTransactionID(ctx, a.TransactionID)
	must(t, err)
	if d := diff(a, byTx); d != "" {
		t.Fatalf("ActionByTransactionID (-want +got):\n%s", d)
	}
}

func testCreateActionRefused(t *testing.T, s Actions) {
	put(t, s, product("A", 5))
	o := create(t, s, order(1, line(1, "A", 2)))
	mustAction(t, s, action(o, kassa.ActionCapture, 1))
	ran := false
	hook := func(ctx context.Context, tx kassa.Tx) error { ran = true; return nil }
	dup := action(o, kassa.ActionCapture, 1)
	wantCode(t, s.CreateAction(ctx, dup, hook), kassa.ECONFLICT)
	if ran || dup.ID != 0 {
		t.Fatalf("duplicate transactionId: hook ran %v, id %d; want neither", ran, dup.ID)
	}
	ghost := action(o, kassa.ActionRefund, 1)
	ghost.OrderID = o.ID + 100
	wantCode(t, s.CreateAction(ctx, ghost, nil), kassa.ENOTFOUND)
	for name, mutate := range map[string]func(*kassa.Action){
		"kind":           func(a *kassa.Action) { a.Kind = "void" },
		"state":          func(a *kassa.Action) { a.State = "done" },
		"transaction id": func(a *kassa.Action) { a.TransactionID = " " },
	} {
		a := action(o, kassa.ActionCancel, 7)
		mutate(a)
		if err := s.CreateAction(ctx, a, nil); kassa.ErrorCode(err) != kassa.EINVALID {
			t.Fatalf("%s: error %v, want code %s", name, err, kassa.EINVALID)
		}
	}
	fail := func(ctx context.Context, tx kassa.Tx) error { return errHook }
	if err := s.CreateAction(ctx, action(o, kassa.ActionCancel, 1), fail); !errors.Is(err, errHook) {
		t.Fatalf("CreateAction error = %v, want the hook's error", err)
	}
	if _, n, err := s.Actions(ctx, kassa.ActionFilter{}); err != nil || n != 1 {
		t.Fatalf("after refused creates: %d actions, %v; want only the first", n, err)
	}
	wantCode(t, func() error { _, err := s.ActionByTransactionID(ctx, "nope"); return err }(), kassa.ENOTFOUND)
}

func testUpdateAction(t *testing.T, s Actions) {
	put(t, s, product("A", 5))
	o := create(t, s, order(1, line(1, "A", 2)))
	a := mustAction(t, s, action(o, kassa.ActionRefund, 1))
	a.State, a.Attempts, a.MAPIActionID = kassa.ActionRefused, 2, "act-1"
	a.Error = kassa.ActionError{Code: "400", Message: "Cannot refund 200.00", TraceID: "trace-1"}
	a.Lines, a.Amount = a.Lines[:0], 10000
	must(t, s.UpdateAction(ctx, a))
	got, err := s.Action(ctx, a.ID)
	must(t, err)
	if d := diff(a, got); d != "" {
		t.Fatalf("UpdateAction round trip (-want +got):\n%s", d)
	}
	a.State = "weird"
	wantCode(t, s.UpdateAction(ctx, a), kassa.EINVALID)
	ghost := *got
	ghost.ID += 100
	wantCode(t, s.UpdateAction(ctx, &ghost), kassa.ENOTFOUND)
	wantCode(t, func() error { _, err := s.Action(ctx, ghost.ID); return err }(), kassa.ENOTFOUND)
}

func testActionsList(t *testing.T, s Actions) {
	put(t, s, product("A", 50))
	o1 := create(t, s, order(1, line(1, "A", 1)))
	o2 := create(t, s, order(2, line(1, "A", 1)))
	var all []*kassa.Action // oldest first
	for i, o := range []*kassa.Order{o1, o2, o1, o2, o1} {
		a := mustAction(t, s, action(o, kassa.ActionCapture, i+1))
		if i%2 == 1 {
			a.State = kassa.ActionFailed
			must(t, s.UpdateAction(ctx, a))
		}
		all = append(all, a)
	}
	for _, tt := range []struct {
		name string
		f    kassa.ActionFilter
		want []*kassa.Action
		n    int
	}{
		{"all, newest first", kassa.ActionFilter{}, []*kassa.Action{all[4], all[3], all[2], all[1], all[0]}, 5},
		{"one order, oldest first", kassa.ActionFilter{OrderID: o1.ID}, []*kassa.Action{all[0], all[2], all[4]}, 3},
		{"failed", kassa.ActionFilter{State: kassa.ActionFailed}, []*kassa.Action{all[3], all[1]}, 2},
		{"failed paged", kassa.ActionFilter{State: kassa.ActionFailed, Limit: 1, Offset: 1}, []*kassa.Action{all[1]}, 2},
		{"order and state", kassa.ActionFilter{OrderID: o1.ID, State: kassa.ActionFailed}, nil, 0},
		{"page", kassa.ActionFilter{Limit: 2, Offset: 1}, []*kassa.Action{all[3], all[2]}, 5},
	} {
		got, n, err := s.Actions(ctx, tt.f)
		must(t, err)
		if d := diff(tt.want, got); d != "" || n != tt.n {
			t.Fatalf("%s: total %d, want %d; actions (-want +got):\n%s", tt.name, n, tt.n, d)
		}
	}
}

func testReplaceOrderLines(t *testing.T, s Orders) {
	put(t, s, product("A", 5), product("B", 5))
	o := create(t, s, order(1, line(1, "A", 2), line(2, "B", 1), shipping))
	upd := *o
	upd.Lines = []kassa.Line{line(1, "A", 1), line(2, "B", 3), shipping}
	upd.Total, upd.VATTotal = 0, 0
	for _, l := range upd.Lines {
		upd.Total += l.Total
		upd.VATTotal += l.VATAmount
	}
	upd.Authorized = upd.Total
	ev := &kassa.Event{Source: kassa.SourceAdmin, From: o.Status, To: o.Status, Note: "modified"}
	must(t, s.ReplaceOrderLines(ctx, &upd, ev, nil))
	if upd.Version != 2 || ev.ID == 0 {
		t.Fatalf("version %d, event id %d; want 2 and an id", upd.Version, ev.ID)
	}
	got := get(t, s, o.ID)
	if d := diff(&upd, got); d != "" {
		t.Fatalf("ReplaceOrderLines round trip (-want +got):\n%s", d)
	}
	if a, b := stock(t, s, "A"), stock(t, s, "B"); a != 4 || b != 2 {
		t.Fatalf("stock A %d, B %d after the change; want 4 and 2", a, b)
	}

	short := *got
	short.Lines = []kassa.Line{line(1, "B", 6)}
	wantCode(t, s.ReplaceOrderLines(ctx, &short, nil, nil), kassa.ECONFLICT)
	stale := *o // version 1
	stale.Lines = []kassa.Line{line(1, "A", 1)}
	wantCode(t, s.ReplaceOrderLines(ctx, &stale, nil, nil), kassa.ECONFLICT)
	bad := *got
	bad.Lines = []kassa.Line{line(1, "A", 0)}
	wantCode(t, s.ReplaceOrderLines(ctx, &bad, nil, nil), kassa.EINVALID)
	if d := diff(got, get(t, s, o.ID)); d != "" {
		t.Fatalf("refused replacements wrote (-want +got):\n%s", d)
	}
	if a, b := stock(t, s, "A"), stock(t, s, "B"); a != 4 || b != 2 {
		t.Fatalf("stock A %d, B %d after refused changes; want 4 and 2", a, b)
	}

	cancelled := *got
	cancelled.Status = kassa.StatusCancelled
	cancelled.Lines = []kassa.Line{line(1, "A", 2)}
	must(t, s.ReplaceOrderLines(ctx, &cancelled, nil, nil))
	if a, b := stock(t, s, "A"), stock(t, s, "B"); a != 5 || b != 5 || !cancelled.StockReleased {
		t.Fatalf("stock A %d, B %d, released %v after cancelling; want 5, 5, true", a, b, cancelled.StockReleased)
	}
}

func testCreateActionConcurrent(t *testing.T, s Actions) {
	put(t, s, product("A", 5))
	o := create(t, s, order(1, line(1, "A", 1)))
	const n = 8
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		wg.Go(func() { errs[i] = s.CreateAction(ctx, action(o, kassa.ActionCapture, 1), nil) })
	}
	wg.Wait()
	ok := 0
	for _, err := range errs {
		switch kassa.ErrorCode(err) {
		case "":
			ok++
		case kassa.ECONFLICT:
		default:
			t.Fatalf("concurrent CreateAction: %v", err)
		}
	}
	if _, total, err := s.Actions(ctx, kassa.ActionFilter{OrderID: o.ID}); err != nil || ok != 1 || total != 1 {
		t.Fatalf("%d creates succeeded, %d stored (%v); want exactly one of each", ok, total, err)
	}
}
