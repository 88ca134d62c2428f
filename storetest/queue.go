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

// The callback inbox as the engine's work queue: NextAttemptAt, settling
// an entry inside another write (Tx.UpdateCallback), and claiming due entries.

// inbox records an entry of order orderID (0 for none) in state, due at
// next (zero: never), and fails t on error or when it is a duplicate.
func inbox(t *testing.T, s kassa.Inbox, orderID int64, key string, state kassa.CallbackState, next time.Time) *kassa.Callback {
	t.Helper()
	cb := callback("p-"+key, key)
	cb.OrderID, cb.State, cb.NextAttemptAt = orderID, state, next
	dup, err := s.RecordCallback(ctx, cb, nil)
	must(t, err)
	if dup {
		t.Fatalf("callback %q recorded as a duplicate", key)
	}
	return cb
}

// getCallback reads inbox entry id and fails t on error.
func getCallback(t *testing.T, s kassa.Inbox, id int64) *kassa.Callback {
	t.Helper()
	cb, err := s.Callback(ctx, id)
	must(t, err)
	return cb
}

// settle returns a copy of cb processed at at, with no next attempt.
func settle(cb *kassa.Callback) *kassa.Callback {
	cp := *cb
	cp.State, cp.Attempts, cp.Error, cp.ProcessedAt, cp.NextAttemptAt = kassa.CallbackProcessed, cb.Attempts+1, "", at, time.Time{}
	return &cp
}

// settleIn returns the TxFunc that writes cb through the transaction it
// runs in (Tx.UpdateCallback).
func settleIn(cb *kassa.Callback) kassa.TxFunc {
	return func(ctx context.Context, tx kassa.Tx) error { return tx.UpdateCallback(ctx, cb) }
}

// wantStored fails t unless every entry in want is stored as it is.
func wantStored(t *testing.T, s kassa.Inbox, why string, want ...*kassa.Callback) {
	t.Helper()
	for _, cb := range want {
		if d := diff(cb, getCallback(t, s, cb.ID)); d != "" {
			t.Fatalf("%s: callback %d (-want +got):\n%s", why, cb.ID, d)
		}
	}
}

// wantEvents fails t unless order id has n events.
func wantEvents(t *testing.T, s kassa.Orders, id int64, n int, why string) {
	t.Helper()
	evs, err := s.Events(ctx, id)
	must(t, err)
	if len(evs) != n {
		t.Fatalf("%s: %d events, want %d", why, len(evs), n)
	}
}

// unknownCallback is an update of an entry that does not exist.
var unknownCallback = &kassa.Callback{ID: 4711, State: kassa.CallbackProcessed}

func testCallbackNextAttempt(t *testing.T, s Inbox) {
	o := create(t, s, order(1, shipping))
	due := at.Add(30 * time.Second)
	first := inbox(t, s, o.ID, "p1/AUTHORIZED", kassa.CallbackReceived, due)
	if !first.NextAttemptAt.Equal(due) {
		t.Fatalf("RecordCallback changed NextAttemptAt to %v, want %v", first.NextAttemptAt, due)
	}
	wantStored(t, s, "RecordCallback round trip", first)

	again := callback("p1", "p1/AUTHORIZED")
	again.OrderID, again.NextAttemptAt = o.ID, at
	dup, err := s.RecordCallback(ctx, again, nil)
	must(t, err)
	if !dup || !again.NextAttemptAt.IsZero() {
		t.Fatalf("repeated callback: dup %v, NextAttemptAt %v; want a duplicate with none", dup, again.NextAttemptAt)
	}
	wantStored(t, s, "a duplicate is stored without a next attempt", again)
	list, _, err := s.Callbacks(ctx, kassa.CallbackFilter{OrderID: o.ID})
	must(t, err)
	if d := diff([]*kassa.Callback{again, first}, list); d != "" {
		t.Fatalf("Callbacks (-want +got):\n%s", d)
	}

	first.Attempts, first.Error, first.NextAttemptAt = 1, "MAPI timed out", at.Add(5*time.Minute)
	must(t, s.UpdateCallback(ctx, first, nil))
	wantStored(t, s, "UpdateCallback sets a retry time", first)
	first.State, first.ProcessedAt, first.NextAttemptAt = kassa.CallbackProcessed, at.Add(6*time.Minute), time.Time{}
	must(t, s.UpdateCallback(ctx, first, nil))
	wantStored(t, s, "UpdateCallback clears NextAttemptAt", first)
	first.State, first.NextAttemptAt = kassa.CallbackReceived, at.Add(time.Hour)
	must(t, s.UpdateCallback(ctx, first, func(context.Context, kassa.Tx) error { return nil }))
	wantStored(t, s, "UpdateCallback with a hook sets NextAttemptAt", first)

	bad := *first
	bad.State, bad.NextAttemptAt = "done", at
	wantCode(t, s.UpdateCallback(ctx, &bad, nil), kassa.EINVALID)
	bad.State, bad.Attempts = kassa.CallbackFailed, -1
	wantCode(t, s.UpdateCallback(ctx, &bad, nil), kassa.EINVALID)
	wantStored(t, s, "a refused UpdateCallback wrote", first)
}

func testTxUpdateCallbackUpdateOrder(t *testing.T, s Inbox) {
	put(t, s, product("A", 5))
	o := create(t, s, order(1, line(1, "A", 1)))
	stale := *o
	cb := inbox(t, s, o.ID, "p1/AUTHORIZED", kassa.CallbackReceived, at)
	done := settle(cb)
	o.Status, o.PaymentStatus = kassa.StatusProcessing, kassa.PaymentAccepted
	ev := &kassa.Event{Source: kassa.SourceCallback, From: kassa.StatusPending, To: kassa.StatusProcessing,
		Applied: true, PaymentStatus: kassa.PaymentAccepted, Note: "accepted"}
	must(t, s.UpdateOrder(ctx, o, ev, settleIn(done)))
	if d := diff(o, get(t, s, o.ID)); d != "" {
		t.Fatalf("order after UpdateOrder with Tx.UpdateCallback (-want +got):\n%s", d)
	}
	wantStored(t, s, "Tx.UpdateCallback in UpdateOrder", done)
	wantEvents(t, s, o.ID, 2, "after UpdateOrder with Tx.UpdateCallback")

	// A failed compare-and-set settles nothing.
	other := inbox(t, s, o.ID, "p1/CANCELLED", kassa.CallbackReceived, at)
	stale.Status = kassa.StatusCancelled
	err := s.UpdateOrder(ctx, &stale, &kassa.Event{Note: "stale"}, settleIn(settle(other)))
	wantCode(t, err, kassa.ECONFLICT)
	wantStored(t, s, "Tx.UpdateCallback of an update that lost its compare-and-set", other)
	if got := stock(t, s, "A"); got != 4 {
		t.Fatalf("stock = %d after a stale cancel, want 4", got)
	}

	// An unknown entry fails the whole update.
	before := *o
	o.Status, o.Captured = kassa.StatusCompleted, o.Total
	err = s.UpdateOrder(ctx, o, &kassa.Event{Note: "unknown callback"}, settleIn(unknownCallback))
	wantCode(t, err, kassa.ENOTFOUND)
	if o.Version != before.Version {
		t.Fatalf("failed update bumped the version to %d", o.Version)
	}
	if d := diff(&before, get(t, s, o.ID)); d != "" {
		t.Fatalf("UpdateOrder with a Tx.UpdateCallback of an unknown entry wrote (-want +got):\n%s", d)
	}
	wantEvents(t, s, o.ID, 2, "after the refused updates")
}

func testTxUpdateCallbackAddEvent(t *testing.T, s Inbox) {
	o := create(t, s, order(1, shipping))
	cb := inbox(t, s, o.ID, "p1/FROZEN", kassa.CallbackReceived, at)
	done := settle(cb)
	ev := kassa.Event{OrderID: o.ID, At: at, Source: kassa.SourceCallback, From: kassa.StatusPending,
		To: kassa.StatusOnHold, PaymentStatus: "FROZEN", Note: "no change"}
	must(t, s.AddEvent(ctx, ev, settleIn(done)))
	wantStored(t, s, "Tx.UpdateCallback in AddEvent", done)
	wantEvents(t, s, o.ID, 2, "after AddEvent with Tx.UpdateCallback")

	ev.Note = "unknown callback"
	wantCode(t, s.AddEvent(ctx, ev, settleIn(unknownCallback)), kassa.ENOTFOUND)
	wantEvents(t, s, o.ID, 2, "after AddEvent with a Tx.UpdateCallback of an unknown entry")

	bad := *done
	bad.State = "done"
	ev.Note = "invalid callback"
	wantCode(t, s.AddEvent(ctx, ev, settleIn(&bad)), kassa.EINVALID)
	wantEvents(t, s, o.ID, 2, "after AddEvent with an invalid Tx.UpdateCallback")
	wantStored(t, s, "an invalid Tx.UpdateCallback wrote", done)
}

func testTxUpdateCallbackCreateOrder(t *testing.T, s Inbox) {
	put(t, s, product("A", 5))
	cb := inbox(t, s, 0, "early", kassa.CallbackQuarantined, time.Time{})
	done := settle(cb)
	o := order(1, line(1, "A", 2))
	err := s.CreateOrder(ctx, o, kassa.Event{Source: kassa.SourceCheckout}, settleIn(unknownCallback))
	wantCode(t, err, kassa.ENOTFOUND)
	assertNothingWritten(t, s, o, false, map[string]int64{"A": 5})
	must(t, s.CreateOrder(ctx, o, kassa.Event{Source: kassa.SourceCheckout}, settleIn(done)))
	wantStored(t, s, "Tx.UpdateCallback in CreateOrder", done)
	if got := stock(t, s, "A"); got != 3 {
		t.Fatalf("stock = %d after the order, want 3", got)
	}
}

func testAddEventTxFunc(t *testing.T, s Orders) {
	o := create(t, s, order(1, shipping))
	ran := false
	ev := kassa.Event{OrderID: o.ID, At: at, Source: kassa.SourceAdmin, Note: "kept"}
	must(t, s.AddEvent(ctx, ev, func(ctx context.Context, tx kassa.Tx) error {
		ran = tx != nil
		return nil
	}))
	if !ran {
		t.Fatal("AddEvent did not run its hook with a Tx")
	}
	fail := func(context.Context, kassa.Tx) error { return errHook }
	err := s.AddEvent(ctx, kassa.Event{OrderID: o.ID, At: at, Note: "rolled back"}, fail)
	if !errors.Is(err, errHook) {
		t.Fatalf("AddEvent error = %v, want the hook's error", err)
	}
	evs, err := s.Events(ctx, o.ID)
	must(t, err)
	if len(evs) != 2 || evs[1].Note != "kept" {
		t.Fatalf("events after a failed hook = %+v; want the creation event and %q", evs, "kept")
	}
}

// claim claims and fails t on error.
func claim(t *testing.T, s kassa.Inbox, now, lease time.Time, limit int) []*kassa.Callback {
	t.Helper()
	cbs, err := s.ClaimCallbacks(ctx, now, lease, limit)
	must(t, err)
	return cbs
}

// wantClaimed fails t unless got is want, in that order, leased until
// lease, and stored so. It sets the NextAttemptAt of want to lease.
func wantClaimed(t *testing.T, s kassa.Inbox, got []*kassa.Callback, lease time.Time, want ...*kassa.Callback) {
	t.Helper()
	for _, cb := range want {
		cb.NextAttemptAt = lease
	}
	if d := diff(want, got); d != "" {
		t.Fatalf("ClaimCallbacks (-want +got):\n%s", d)
	}
	wantStored(t, s, "a claimed entry", want...)
}

func testClaimCallbacks(t *testing.T, s Inbox) {
	o := create(t, s, order(1, shipping))
	now, lease := at, at.Add(time.Minute)
	rec := func(key string, next time.Time) *kassa.Callback {
		return inbox(t, s, o.ID, key, kassa.CallbackReceived, next)
	}
	early := rec("early", now.Add(-time.Hour))
	exact := rec("exact", now)
	late := rec("late", now.Add(-time.Minute))
	tie := rec("tie", now.Add(-time.Minute)) // as late, recorded after it
	notYet := rec("not-yet", now.Add(time.Millisecond))
	never := rec("never", time.Time{})
	quarantined := inbox(t, s, 0, "quarantined", kassa.CallbackQuarantined, now.Add(-time.Hour))
	var settled []*kassa.Callback
	for _, state := range []kassa.CallbackState{kassa.CallbackFailed, kassa.CallbackProcessed} {
		cb := rec(string(state), now.Add(-time.Hour))
		cb.State = state // keeps its time, but is no longer received
		must(t, s.UpdateCallback(ctx, cb, nil))
		settled = append(settled, cb)
	}
	dupe := callback("p-early", "early")
	dupe.NextAttemptAt = now.Add(-time.Hour)
	if dup, err := s.RecordCallback(ctx, dupe, nil); err != nil || !dup {
		t.Fatalf("RecordCallback of a repeated key: dup %v, err %v", dup, err)
	}

	wantClaimed(t, s, claim(t, s, now, lease, 2), lease, early, late)
	wantClaimed(t, s, claim(t, s, now, lease, 10), lease, tie, exact)
	if got := claim(t, s, now, lease, 10); len(got) != 0 {
		t.Fatalf("a second claim at the same time returned %d entries, want none", len(got))
	}
	wantStored(t, s, "an entry not due", append(settled, notYet, never, quarantined, dupe)...)

	// Once the lease has passed the entries are due again, after the one
	// that was due before the lease.
	lease2 := lease.Add(time.Minute)
	wantClaimed(t, s, claim(t, s, lease, lease2, 10), lease2, notYet, early, exact, late, tie)
	wantStored(t, s, "an entry never due", append(settled, never, quarantined, dupe)...)

	for _, limit := range []int{0, -1} {
		_, err := s.ClaimCallbacks(ctx, lease2, lease2.Add(time.Minute), limit)
		wantCode(t, err, kassa.EINVALID)
	}
	_, err := s.ClaimCallbacks(ctx, lease2, lease2, 1)
	wantCode(t, err, kassa.EINVALID)
	wantStored(t, s, "a refused claim wrote", early, exact, late, tie, notYet)
}

func testClaimCallbacksConcurrent(t *testing.T, s Inbox) {
	const entries, claimers, limit = 40, 8, 3
	o := create(t, s, order(1, shipping))
	now, lease := at, at.Add(time.Minute)
	for i := range entries {
		inbox(t, s, o.ID, fmt.Sprint("k", i), kassa.CallbackReceived, now.Add(-time.Duration(i%7)*time.Second))
	}
	claimConcurrently(t, "callback", entries, claimers, limit, func() ([]int64, error) {
		cbs, err := s.ClaimCallbacks(ctx, now, lease, limit)
		ids := make([]int64, len(cbs))
		for i, cb := range cbs {
			ids[i] = cb.ID
		}
		return ids, err
	})
	if got := claim(t, s, now, lease, entries); len(got) != 0 {
		t.Fatalf("%d entries left to claim, want none", len(got))
	}
}

// claimConcurrently runs claimers goroutines that each claim with claimIDs
// until a claim finds nothing, and fails t unless each of the n due rows
// of kind was claimed exactly once, at most limit at a time.
func claimConcurrently(t *testing.T, kind string, n, claimers, limit int, claimIDs func() ([]int64, error)) {
	t.Helper()
	var mu sync.Mutex
	seen := map[int64]int{}
	var wg sync.WaitGroup
	for range claimers {
		wg.Go(func() {
			for range n + 1 { // until a claim finds nothing
				ids, err := claimIDs()
				if err != nil || len(ids) > limit {
					t.Errorf("claim: %d %ss, error %v; want at most %d, no error", len(ids), kind, err, limit)
					return
				}
				if len(ids) == 0 {
					return
				}
				mu.Lock()
				for _, id := range ids {
					seen[id]++
				}
				mu.Unlock()
			}
			t.Errorf("%d claims found due %ss, more than there are; the lease is not kept", n+1, kind)
		})
	}
	wg.Wait()
	for id, times := range seen {
		if times != 1 {
			t.Errorf("%s %d claimed %d times", kind, id, times)
		}
	}
	if len(seen) != n {
		t.Fatalf("%d distinct %ss claimed, want all %d", len(seen), kind, n)
	}
}

// CheckQueueMigration checks a store just migrated with 0003 from a
// database that held, the old way, the callbacks 1 (received at
// QueueMigrationReceived), 2 (a duplicate) and 3 (processed): 0003 makes
// the received one due at once, when it was received, and only it.
func CheckQueueMigration(t *testing.T, s kassa.Inbox) {
	t.Helper()
	received := time.UnixMilli(QueueMigrationReceived).UTC()
	for id, want := range map[int64]time.Time{1: received, 2: {}, 3: {}} {
		cb, err := s.Callback(ctx, id)
		if err != nil || !cb.NextAttemptAt.Equal(want) {
			t.Fatalf("callback %d after the migration: %+v, %v; want NextAttemptAt %v", id, cb, err, want)
		}
	}
	cbs, err := s.ClaimCallbacks(ctx, received, received.Add(time.Minute), 10)
	if err != nil || len(cbs) != 1 || cbs[0].ID != 1 {
		t.Fatalf("claim after the migration: %v, %v; want callback 1", cbs, err)
	}
}

// QueueMigrationReceived is when callback 1 of CheckQueueMigration was
// received, in unix milliseconds.
const QueueMigrationReceived = 1773480000000
