package storetest

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kassa-dev/kassa"
)

func testCreateOrder(t *testing.T, s Orders) {
	put(t, s, product("A", 5), product("B", 2))
	o := order(1, line(1, "A", 2), line(2, "B", 1), line(3, "A", 1), shipping)
	o.NextSyncAt = at.Add(time.Minute)
	o.SyncAttempts = 2
	want := *o
	create(t, s, o)
	if o.ID == 0 || o.Number == "" || o.Version != 1 {
		t.Fatalf("created order: id %d, number %q, version %d; want an id, a number, version 1", o.ID, o.Number, o.Version)
	}
	if !within(o.CreatedAt) || !o.UpdatedAt.Equal(o.CreatedAt) {
		t.Fatalf("created %v, updated %v: want both now", o.CreatedAt, o.UpdatedAt)
	}
	want.ID, want.Number, want.Version, want.CreatedAt, want.UpdatedAt = o.ID, o.Number, 1, o.CreatedAt, o.UpdatedAt
	if d := diff(&want, o); d != "" {
		t.Fatalf("CreateOrder changed more than it fills in (-want +got):\n%s", d)
	}
	if d := diff(&want, get(t, s, o.ID)); d != "" {
		t.Fatalf("Order round trip (-want +got):\n%s", d)
	}
	if a, b := stock(t, s, "A"), stock(t, s, "B"); a != 2 || b != 1 {
		t.Fatalf("stock A %d, B %d after the order; want 2 and 1", a, b)
	}
	evs, err := s.Events(ctx, o.ID)
	must(t, err)
	wantEv := []kassa.Event{{ID: evs[0].ID, OrderID: o.ID, At: at, Source: kassa.SourceCheckout,
		To: kassa.StatusPending, Applied: true, Note: "order placed"}}
	if d := diff(wantEv, evs); d != "" {
		t.Fatalf("creation event (-want +got):\n%s", d)
	}
}

func testCreateOrderShortStock(t *testing.T, s Orders) {
	put(t, s, product("A", 5), product("B", 1))
	ran := false
	o := order(1, line(1, "A", 2), line(2, "B", 1), line(3, "B", 1))
	err := s.CreateOrder(ctx, o, kassa.Event{Source: kassa.SourceCheckout}, func(ctx context.Context, tx kassa.Tx) error {
		ran = true
		return nil
	})
	wantCode(t, err, kassa.ECONFLICT)
	contains(t, err, "B")
	assertNothingWritten(t, s, o, ran, map[string]int64{"A": 5, "B": 1})
}

func testCreateOrderUnknownSKU(t *testing.T, s Orders) {
	put(t, s, product("A", 5))
	ran := false
	o := order(1, line(1, "A", 2), line(2, "ZZZ", 1))
	err := s.CreateOrder(ctx, o, kassa.Event{Source: kassa.SourceCheckout}, func(ctx context.Context, tx kassa.Tx) error {
		ran = true
		return nil
	})
	wantCode(t, err, kassa.ENOTFOUND)
	contains(t, err, "ZZZ")
	assertNothingWritten(t, s, o, ran, map[string]int64{"A": 5})
}

func testCreateOrderInvalid(t *testing.T, s Orders) {
	put(t, s, product("A", 5))
	for name, o := range map[string]*kassa.Order{
		"zero quantity":     order(1, line(1, "A", 0)),
		"negative quantity": order(1, line(1, "A", -2)),
		"unknown status":    func() *kassa.Order { o := order(1, line(1, "A", 1)); o.Status = "paid"; return o }(),
	} {
		err := s.CreateOrder(ctx, o, kassa.Event{}, nil)
		if kassa.ErrorCode(err) != kassa.EINVALID {
			t.Fatalf("%s: error %v, want code %s", name, err, kassa.EINVALID)
		}
		assertNothingWritten(t, s, o, false, map[string]int64{"A": 5})
	}
}

// assertNothingWritten checks that a refused CreateOrder left no trace.
func assertNothingWritten(t *testing.T, s Orders, o *kassa.Order, hookRan bool, stocks map[string]int64) {
	t.Helper()
	if hookRan {
		t.Fatal("the TxFunc ran although the order was refused")
	}
	if o.ID != 0 || o.Number != "" || o.Version != 0 {
		t.Fatalf("refused order was filled in: id %d, number %q, version %d", o.ID, o.Number, o.Version)
	}
	if n := countOrders(t, s); n != 0 {
		t.Fatalf("%d orders after a refused CreateOrder, want 0", n)
	}
	for sku, want := range stocks {
		if got := stock(t, s, sku); got != want {
			t.Fatalf("stock of %s = %d after a refused CreateOrder, want %d", sku, got, want)
		}
	}
	evs, err := s.Events(ctx, 1)
	must(t, err)
	if len(evs) != 0 {
		t.Fatalf("%d events after a refused CreateOrder, want 0", len(evs))
	}
}

func testOrderNumbers(t *testing.T, s Orders) {
	seen := map[string]bool{}
	ids := map[int64]bool{}
	for i := range 5 {
		o := create(t, s, order(i, shipping))
		if o.Number == "" || seen[o.Number] || ids[o.ID] {
			t.Fatalf("order %d: number %q / id %d is empty or repeated", i, o.Number, o.ID)
		}
		seen[o.Number], ids[o.ID] = true, true
	}
}

func testOrderNotFound(t *testing.T, s Orders) {
	_, err := s.Order(ctx, 4711)
	wantCode(t, err, kassa.ENOTFOUND)
	_, err = s.OrderByPaymentID(ctx, "no-such-payment")
	wantCode(t, err, kassa.ENOTFOUND)
	_, err = s.OrderByPaymentID(ctx, "")
	wantCode(t, err, kassa.ENOTFOUND)
}

func testOrderRef(t *testing.T, s Orders) {
	create(t, s, order(1, shipping))
	o := create(t, s, order(2, shipping)) // its token is "token-2"
	ref, err := s.OrderRef(ctx, o.ID)
	must(t, err)
	if want := (kassa.OrderRef{ID: o.ID, CallbackToken: "token-2"}); ref != want {
		t.Fatalf("OrderRef before the payment = %+v, want %+v", ref, want)
	}
	o.PaymentID = "pay-2"
	must(t, s.UpdateOrder(ctx, o, nil, nil))
	ref, err = s.OrderRef(ctx, o.ID)
	must(t, err)
	if want := (kassa.OrderRef{ID: o.ID, CallbackToken: "token-2", PaymentID: "pay-2"}); ref != want {
		t.Fatalf("OrderRef = %+v, want %+v", ref, want)
	}
	_, err = s.OrderRef(ctx, 4711)
	wantCode(t, err, kassa.ENOTFOUND)
}

func testOrderByPaymentID(t *testing.T, s Orders) {
	create(t, s, order(1, shipping))
	o := create(t, s, order(2, shipping))
	o.PaymentID = "pay-2"
	must(t, s.UpdateOrder(ctx, o, nil, nil))
	got, err := s.OrderByPaymentID(ctx, "pay-2")
	must(t, err)
	if d := diff(o, got); d != "" {
		t.Fatalf("OrderByPaymentID (-want +got):\n%s", d)
	}
}

func testUpdateOrder(t *testing.T, s Orders) {
	put(t, s, product("A", 5))
	o := create(t, s, order(1, line(1, "A", 2)))
	o.Status, o.PaymentID, o.PaymentStatus = kassa.StatusProcessing, "pay-1", kassa.PaymentAccepted
	o.StatusReason, o.Authorized, o.Captured, o.Refunded, o.Canceled = "ok", 20000, 5000, 1000, 500
	o.NextSyncAt, o.SyncAttempts = at, 3
	ran := false
	ev := &kassa.Event{Source: kassa.SourceReturn, From: kassa.StatusPending, To: kassa.StatusProcessing,
		Applied: true, PaymentStatus: kassa.PaymentAccepted, Note: "accepted"}
	must(t, s.UpdateOrder(ctx, o, ev, func(ctx context.Context, tx kassa.Tx) error { ran = true; return nil }))
	if !ran || o.Version != 2 || !within(o.UpdatedAt) {
		t.Fatalf("after update: hook ran %v, version %d, updated %v; want true, 2, now", ran, o.Version, o.UpdatedAt)
	}
	if d := diff(o, get(t, s, o.ID)); d != "" {
		t.Fatalf("update round trip (-want +got):\n%s", d)
	}
	if got := stock(t, s, "A"); got != 3 {
		t.Fatalf("stock = %d after a non-releasing update, want 3", got)
	}
	evs, err := s.Events(ctx, o.ID)
	must(t, err)
	if len(evs) != 2 || evs[1].Note != "accepted" || evs[1].OrderID != o.ID || !within(evs[1].At) {
		t.Fatalf("events after update = %+v; want the creation event, then %q stamped now", evs, "accepted")
	}
	o.NextSyncAt = time.Time{}
	must(t, s.UpdateOrder(ctx, o, nil, nil))
	if got := get(t, s, o.ID); !got.NextSyncAt.IsZero() || got.Version != 3 {
		t.Fatalf("NextSyncAt %v, version %d; want cleared, 3", got.NextSyncAt, got.Version)
	}
	wantCode(t, s.UpdateOrder(ctx, &kassa.Order{ID: 4711, Version: 1, Status: kassa.StatusPending}, nil, nil), kassa.ENOTFOUND)
}

func testUpdateOrderStale(t *testing.T, s Orders) {
	put(t, s, product("A", 5))
	o := create(t, s, order(1, line(1, "A", 2)))
	stale := *o
	o.Status = kassa.StatusOnHold
	must(t, s.UpdateOrder(ctx, o, nil, nil))
	stale.Status = kassa.StatusCancelled
	ran := false
	err := s.UpdateOrder(ctx, &stale, &kassa.Event{Note: "stale"}, func(ctx context.Context, tx kassa.Tx) error { ran = true; return nil })
	wantCode(t, err, kassa.ECONFLICT)
	if ran || stale.Version != 1 || stale.StockReleased {
		t.Fatalf("stale update: hook ran %v, version %d, released %v; want false, 1, false", ran, stale.Version, stale.StockReleased)
	}
	if d := diff(o, get(t, s, o.ID)); d != "" {
		t.Fatalf("a stale update wrote (-want +got):\n%s", d)
	}
	if got := stock(t, s, "A"); got != 3 {
		t.Fatalf("stock = %d after a stale cancel, want 3", got)
	}
	evs, err := s.Events(ctx, o.ID)
	must(t, err)
	if len(evs) != 1 {
		t.Fatalf("%d events after a stale update, want 1", len(evs))
	}
}

func testReleaseOnce(t *testing.T, s Orders) {
	put(t, s, product("A", 5), product("B", 5))
	o := create(t, s, order(1, line(1, "A", 2), line(2, "B", 1), line(3, "A", 1), shipping))
	other := create(t, s, order(2, line(1, "A", 1)))
	o.Status = kassa.StatusCancelled
	must(t, s.UpdateOrder(ctx, o, nil, nil))
	if !o.StockReleased {
		t.Fatal("StockReleased not set by the releasing update")
	}
	if a, b := stock(t, s, "A"), stock(t, s, "B"); a != 4 || b != 5 {
		t.Fatalf("stock A %d, B %d after cancel; want 4 and 5", a, b)
	}
	o.StatusReason = "edited"
	must(t, s.UpdateOrder(ctx, o, nil, nil))
	o.Status = kassa.StatusFailed
	must(t, s.UpdateOrder(ctx, o, nil, nil))
	if a, b := stock(t, s, "A"), stock(t, s, "B"); a != 4 || b != 5 {
		t.Fatalf("stock A %d, B %d after more updates; released twice", a, b)
	}
	if got := get(t, s, o.ID); !got.StockReleased {
		t.Fatal("stored StockReleased is false")
	}
	if got := get(t, s, other.ID); got.StockReleased {
		t.Fatal("another order's StockReleased changed")
	}
}

func testUpdateConcurrent(t *testing.T, s Orders) {
	put(t, s, product("A", 10))
	o := create(t, s, order(1, line(1, "A", 4)))
	const n = 8
	errs := make(chan error, n)
	for i := range n {
		cp := *o
		cp.Status = []kassa.Status{kassa.StatusCancelled, kassa.StatusFailed}[i%2]
		go func() { errs <- s.UpdateOrder(ctx, &cp, nil, nil) }()
	}
	ok := 0
	for range n {
		switch err := <-errs; kassa.ErrorCode(err) {
		case "":
			ok++
		case kassa.ECONFLICT:
		default:
			t.Errorf("concurrent update: %v", err)
		}
	}
	if ok != 1 {
		t.Fatalf("%d of %d concurrent updates of version 1 succeeded, want 1", ok, n)
	}
	if got := stock(t, s, "A"); got != 10 {
		t.Fatalf("stock = %d after concurrent cancels, want 10", got)
	}
	if got := get(t, s, o.ID).Version; got != 2 {
		t.Fatalf("version = %d, want 2", got)
	}
}

func testEvents(t *testing.T, s Orders) {
	o := create(t, s, order(1, shipping))
	want, err := s.Events(ctx, o.ID)
	must(t, err)
	for i, src := range []kassa.Source{kassa.SourceCallback, kassa.SourceSweeper, kassa.SourceAdmin} {
		ev := kassa.Event{OrderID: o.ID, At: at.Add(time.Duration(-i) * time.Second), Source: src,
			From: kassa.StatusPending, To: kassa.StatusProcessing, PaymentStatus: kassa.PaymentAccepted,
			Note: string(src)}
		must(t, s.AddEvent(ctx, ev, nil))
		want = append(want, ev)
	}
	got, err := s.Events(ctx, o.ID)
	must(t, err)
	for i := range got {
		if i > 0 && got[i].ID <= got[i-1].ID {
			t.Fatalf("event ids not increasing: %d after %d", got[i].ID, got[i-1].ID)
		}
		want[i].ID = got[i].ID
	}
	if d := diff(want, got); d != "" {
		t.Fatalf("Events, in the order recorded (-want +got):\n%s", d)
	}
	none, err := s.Events(ctx, o.ID+1)
	must(t, err)
	if len(none) != 0 {
		t.Fatalf("%d events for an order without any", len(none))
	}
}

func testDueOrders(t *testing.T, s Orders) {
	now := at
	mk := func(n int, status kassa.Status, next time.Time) *kassa.Order {
		o := order(n, shipping)
		o.Status, o.NextSyncAt = status, next
		return create(t, s, o)
	}
	late := mk(1, kassa.StatusPending, now.Add(-time.Minute))
	mk(2, kassa.StatusPending, now.Add(time.Millisecond)) // not yet
	mk(3, kassa.StatusPending, time.Time{})               // never
	mk(4, kassa.StatusProcessing, now.Add(-time.Hour))    // decided
	exact := mk(5, kassa.StatusOnHold, now)
	early := mk(6, kassa.StatusOnHold, now.Add(-time.Hour))
	mk(7, kassa.StatusCancelled, now.Add(-time.Hour))
	got, err := s.DueOrders(ctx, now, 10)
	must(t, err)
	if d := diff([]*kassa.Order{early, late, exact}, got); d != "" {
		t.Fatalf("DueOrders (-want +got):\n%s", d)
	}
	got, err = s.DueOrders(ctx, now, 2)
	must(t, err)
	if len(got) != 2 || got[0].ID != early.ID || got[1].ID != late.ID {
		t.Fatalf("DueOrders limit 2 = %v, want orders %d and %d", ids(got), early.ID, late.ID)
	}
}

// ids returns the ids of os.
func ids(os []*kassa.Order) []int64 {
	var r []int64
	for _, o := range os {
		r = append(r, o.ID)
	}
	return r
}

func testTxFuncRollback(t *testing.T, s Inbox) {
	put(t, s, product("A", 5))
	o := order(1, line(1, "A", 2))
	fail := func(ctx context.Context, tx kassa.Tx) error { return errHook }
	err := s.CreateOrder(ctx, o, kassa.Event{Source: kassa.SourceCheckout}, fail)
	if !errors.Is(err, errHook) {
		t.Fatalf("CreateOrder error = %v, want the hook's error", err)
	}
	assertNothingWritten(t, s, o, false, map[string]int64{"A": 5})

	o = create(t, s, order(2, line(1, "A", 2)))
	upd := *o
	upd.Status = kassa.StatusCancelled
	if err := s.UpdateOrder(ctx, &upd, &kassa.Event{Note: "x"}, fail); !errors.Is(err, errHook) {
		t.Fatalf("UpdateOrder error = %v, want the hook's error", err)
	}
	if upd.Version != 1 || upd.StockReleased {
		t.Fatalf("rolled-back update changed the order: version %d, released %v", upd.Version, upd.StockReleased)
	}
	if d := diff(o, get(t, s, o.ID)); d != "" {
		t.Fatalf("rolled-back update wrote (-want +got):\n%s", d)
	}
	if got := stock(t, s, "A"); got != 3 {
		t.Fatalf("stock = %d after a rolled-back cancel, want 3", got)
	}

	cb := &kassa.Callback{Kind: kassa.CallbackAuthorization, PaymentID: "p", DedupKey: "k", Body: []byte("{}")}
	if _, err := s.RecordCallback(ctx, cb, fail); !errors.Is(err, errHook) {
		t.Fatalf("RecordCallback error = %v, want the hook's error", err)
	}
	_, n, err := s.Callbacks(ctx, kassa.CallbackFilter{})
	must(t, err)
	if n != 0 {
		t.Fatalf("%d callbacks stored after a failed hook, want 0", n)
	}
	dup, err := s.RecordCallback(ctx, cb, nil)
	must(t, err)
	if dup {
		t.Fatal("the dedup key of a rolled-back callback counts as seen")
	}
}

func testTxFuncSeesWrites(t *testing.T, s Inbox) {
	// The hook settles the entry its RecordCallback just inserted: it
	// finds the row only inside the store's transaction.
	cb := &kassa.Callback{Kind: kassa.CallbackManagement, DedupKey: "a", Body: []byte("{}")}
	var settled kassa.Callback
	_, err := s.RecordCallback(ctx, cb, func(ctx context.Context, tx kassa.Tx) error {
		settled = *cb
		settled.State, settled.ProcessedAt = kassa.CallbackProcessed, at
		return tx.UpdateCallback(ctx, &settled)
	})
	must(t, err)
	settled.ReceivedAt = cb.ReceivedAt
	wantStored(t, s, "an entry settled in its RecordCallback's TxFunc", &settled)
}

// awkwardLines returns n lines whose descriptions and SKUs need escaping
// in any text format (quotes, backslashes, control characters, emoji,
// 200 characters), with negative amounts, an amount that float64 cannot
// hold, and positions that do not follow the order of the lines.
func awkwardLines(n int, sku string) []kassa.Line {
	texts := []string{
		`He said "hej" and left`,
		`C:\kassa\order\ \\ \"`,
		"two\nlines\r\nand\ta tab",
		"control \x01\x08\x0c\x1b\x1f\x7f",
		"emoji 😀🇸🇪 åäö ÅÄÖ ½ € \u2028\u2029 \ufeff",
		`{"json": [1, "x"]} </script> 'single' \u0000`,
		strings.Repeat("Lång beskrivning \"med\" \\citat\\ och radbrytning\n. ", 5)[:200],
		"",
	}
	lines := make([]kassa.Line, 0, n)
	for i := range n {
		l := kassa.Line{Position: n - i, Type: kassa.LineFee, Description: texts[i%len(texts)],
			Quantity: int64(i + 1), UnitPrice: kassa.Money(100 * i), VATRate: 2500}
		switch i % 5 {
		case 1:
			l.Type, l.SKU, l.UnitPrice = kassa.LineProduct, sku, 12345
		case 2:
			l.Type, l.Quantity, l.UnitPrice = kassa.LineDiscount, 1, -4711
		case 3:
			l.Type, l.VATRate = kassa.LineShipping, 0
		}
		l.Total = l.UnitPrice * kassa.Money(l.Quantity)
		if i == 4 {
			l.Quantity, l.UnitPrice, l.Total = 1, 1<<53+1, 1<<53+1 // not exact as a float64
		}
		l.VATAmount = kassa.VATPart(l.Total, l.VATRate)
		lines = append(lines, l)
	}
	return lines
}

// testOrderLinesRoundTrip checks that the single-order reads and the
// listing return lines exactly as written, in their order, also after
// ReplaceOrderLines, and an empty, non-nil slice for an order without.
func testOrderLinesRoundTrip(t *testing.T, s Orders) {
	const sku = `Ä"\1`
	put(t, s, product(sku, 1<<40))
	o := create(t, s, order(1, awkwardLines(60, sku)...))
	o.PaymentID = "pay-1"
	must(t, s.UpdateOrder(ctx, o, nil, nil))
	want := *o
	checkReads(t, s, &want)

	// Fewer lines than before, in another order, with other texts.
	upd := *o
	upd.Lines = awkwardLines(7, sku)
	slices.Reverse(upd.Lines)
	upd.Total, upd.VATTotal = 0, 0
	for _, l := range upd.Lines {
		upd.Total += l.Total
		upd.VATTotal += l.VATAmount
	}
	must(t, s.ReplaceOrderLines(ctx, &upd, nil, nil))
	checkReads(t, s, &upd)

	none := upd
	none.Lines, none.Total, none.VATTotal = []kassa.Line{}, 0, 0
	must(t, s.ReplaceOrderLines(ctx, &none, nil, nil))
	checkReads(t, s, &none)
	checkReads(t, s, create(t, s, order(2)))
}

// checkReads fails t unless Order, OrderByPaymentID (when the order has a
// payment) and Orders all return want, with want's lines in their order.
func checkReads(t *testing.T, s kassa.Orders, want *kassa.Order) {
	t.Helper()
	got := map[string]*kassa.Order{"Order": get(t, s, want.ID)}
	if want.PaymentID != "" {
		o, err := s.OrderByPaymentID(ctx, want.PaymentID)
		must(t, err)
		got["OrderByPaymentID"] = o
	}
	list, _, err := s.Orders(ctx, kassa.OrderFilter{Query: want.Number})
	must(t, err)
	if len(list) != 1 {
		t.Fatalf("Orders(%s) returned %d orders, want 1", want.Number, len(list))
	}
	got["Orders"] = list[0]
	for read, o := range got {
		if d := diff(want, o); d != "" {
			t.Fatalf("%s (-want +got):\n%s", read, d)
		}
		if o.Lines == nil || len(o.Lines) != len(want.Lines) {
			t.Fatalf("%s: %d lines (nil: %v), want %d and never nil", read, len(o.Lines), o.Lines == nil, len(want.Lines))
		}
		for i := range want.Lines {
			if o.Lines[i] != want.Lines[i] {
				t.Fatalf("%s: line %d = %+v, want %+v", read, i, o.Lines[i], want.Lines[i])
			}
		}
	}
}

// clientOrder returns order n with lines, placed by the client keys.
func clientOrder(n int, keys []string, lines ...kassa.Line) *kassa.Order {
	o := order(n, lines...)
	o.ClientKeys = keys
	return o
}

func testClientHolds(t *testing.T, s Orders) {
	put(t, s, product("A", 20), product("B", 20))
	create(t, s, clientOrder(1, []string{"ip:1", "browser:1"}, line(1, "A", 2), line(2, "B", 1), shipping))
	create(t, s, clientOrder(2, []string{"ip:1", "ip:1"}, line(1, "A", 3)))
	create(t, s, clientOrder(3, []string{"ip:2", "browser:1"}, line(1, "B", 4)))
	create(t, s, clientOrder(4, nil, line(1, "A", 5)))
	for _, st := range []kassa.Status{kassa.StatusCancelled, kassa.StatusProcessing} {
		o := create(t, s, clientOrder(5, []string{"ip:1"}, line(1, "A", 7)))
		o.Status = st
		must(t, s.UpdateOrder(ctx, o, nil, nil))
	}
	for _, tt := range []struct {
		keys []string
		want kassa.Holds
	}{
		{[]string{"ip:1"}, kassa.Holds{Orders: 2, Units: map[string]int64{"A": 5, "B": 1}}},
		{[]string{"ip:1", "browser:1"}, kassa.Holds{Orders: 3, Units: map[string]int64{"A": 5, "B": 5}}},
		{[]string{"browser:1", "browser:1"}, kassa.Holds{Orders: 2, Units: map[string]int64{"A": 2, "B": 5}}},
		{[]string{"ip:3"}, kassa.Holds{Units: map[string]int64{}}},
		{nil, kassa.Holds{Units: map[string]int64{}}},
	} {
		got, err := s.ClientHolds(ctx, tt.keys)
		must(t, err)
		if got.Units == nil || diff(tt.want, got) != "" {
			t.Errorf("ClientHolds(%q) = %+v, want %+v", tt.keys, got, tt.want)
		}
	}
	if got := get(t, s, 1); len(got.ClientKeys) != 0 {
		t.Errorf("Order returned client keys %q; reads leave them empty", got.ClientKeys)
	}
	_, err := s.ClientHolds(ctx, []string{"ip:1", ""})
	wantCode(t, err, kassa.EINVALID)
}

func testCreateOrderEmptyClientKey(t *testing.T, s Orders) {
	put(t, s, product("A", 5))
	o := clientOrder(1, []string{"ip:1", ""}, line(1, "A", 2))
	err := s.CreateOrder(ctx, o, kassa.Event{Source: kassa.SourceCheckout}, nil)
	wantCode(t, err, kassa.EINVALID)
	assertNothingWritten(t, s, o, false, map[string]int64{"A": 5})
}
