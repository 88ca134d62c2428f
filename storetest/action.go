package storetest

import (
	"sync"
	"testing"
	"time"

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
	must(t, s.CreateAction(ctx, a))
	return a
}

func testCreateAction(t *testing.T, s Actions) {
	put(t, s, product("A", 5))
	o := create(t, s, order(1, line(1, "A", 2), shipping))
	a := action(o, kassa.ActionCapture, 1)
	a.NextAttemptAt = at.Add(2 * time.Minute)
	want := *a
	must(t, s.CreateAction(ctx, a))
	if a.ID == 0 || a.State != kassa.ActionPending || !within(a.CreatedAt) || !a.UpdatedAt.Equal(a.CreatedAt) {
		t.Fatalf("created action: id %d, state %q, created %v, updated %v; want an id, pending, now",
			a.ID, a.State, a.CreatedAt, a.UpdatedAt)
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
	dup := action(o, kassa.ActionCapture, 1)
	wantCode(t, s.CreateAction(ctx, dup), kassa.ECONFLICT)
	if dup.ID != 0 {
		t.Fatalf("duplicate transactionId: id %d; want none", dup.ID)
	}
	ghost := action(o, kassa.ActionRefund, 1)
	ghost.OrderID = o.ID + 100
	wantCode(t, s.CreateAction(ctx, ghost), kassa.ENOTFOUND)
	for name, mutate := range map[string]func(*kassa.Action){
		"kind":           func(a *kassa.Action) { a.Kind = "void" },
		"state":          func(a *kassa.Action) { a.State = "done" },
		"transaction id": func(a *kassa.Action) { a.TransactionID = " " },
		"resumes":        func(a *kassa.Action) { a.Resumes = -1 },
	} {
		a := action(o, kassa.ActionCancel, 7)
		mutate(a)
		if err := s.CreateAction(ctx, a); kassa.ErrorCode(err) != kassa.EINVALID {
			t.Fatalf("%s: error %v, want code %s", name, err, kassa.EINVALID)
		}
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
	a.Attempts, a.Resumes, a.NextAttemptAt = 1, 3, at.Add(8*time.Second)
	a.Error = kassa.ActionError{Code: "503", Message: "Service unavailable"}
	must(t, s.UpdateAction(ctx, a))
	wantAction(t, s, "UpdateAction sets a retry time", a)
	a.State, a.Attempts, a.MAPIActionID, a.NextAttemptAt = kassa.ActionRefused, 2, "act-1", time.Time{}
	a.Error = kassa.ActionError{Code: "400", Message: "Cannot refund 200.00", TraceID: "trace-1"}
	a.Lines, a.Amount = a.Lines[:0], 10000
	must(t, s.UpdateAction(ctx, a))
	got := wantAction(t, s, "UpdateAction clears NextAttemptAt", a)
	bad := *got
	bad.Resumes = -1
	wantCode(t, s.UpdateAction(ctx, &bad), kassa.EINVALID)
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
		{"after", kassa.ActionFilter{Limit: 2, After: all[3].ID}, []*kassa.Action{all[2], all[1]}, 5},
		{"before", kassa.ActionFilter{Limit: 2, Before: all[1].ID}, []*kassa.Action{all[3], all[2]}, 5},
		{"one order after, oldest first", kassa.ActionFilter{OrderID: o1.ID, After: all[0].ID}, []*kassa.Action{all[2], all[4]}, 3},
		{"one order before", kassa.ActionFilter{OrderID: o1.ID, Limit: 1, Before: all[4].ID}, []*kassa.Action{all[2]}, 3},
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
		wg.Go(func() { errs[i] = s.CreateAction(ctx, action(o, kassa.ActionCapture, 1)) })
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

// wantAction fails t unless a is stored as it is, and returns what is.
func wantAction(t *testing.T, s Actions, why string, a *kassa.Action) *kassa.Action {
	t.Helper()
	got, err := s.Action(ctx, a.ID)
	must(t, err)
	if d := diff(a, got); d != "" {
		t.Fatalf("%s: action %d (-want +got):\n%s", why, a.ID, d)
	}
	return got
}

// claimActions claims and fails t on error.
func claimActions(t *testing.T, s Actions, now, lease time.Time, limit int) []*kassa.Action {
	t.Helper()
	as, err := s.ClaimActions(ctx, now, lease, limit)
	must(t, err)
	return as
}

// wantActionsClaimed fails t unless got is want, in that order, leased
// until lease, and stored so. It sets the NextAttemptAt of want to lease.
func wantActionsClaimed(t *testing.T, s Actions, got []*kassa.Action, lease time.Time, want ...*kassa.Action) {
	t.Helper()
	for _, a := range want {
		a.NextAttemptAt = lease
	}
	if d := diff(want, got); d != "" {
		t.Fatalf("ClaimActions (-want +got):\n%s", d)
	}
	for _, a := range want {
		wantAction(t, s, "a claimed action", a)
	}
}

func testClaimActions(t *testing.T, s Actions) {
	put(t, s, product("A", 50))
	o := create(t, s, order(1, line(1, "A", 1)))
	now, lease := at, at.Add(time.Minute)
	seq := 0
	pending := func(next time.Time) *kassa.Action {
		seq++
		a := action(o, kassa.ActionRefund, seq)
		a.NextAttemptAt = next
		return mustAction(t, s, a)
	}
	early := pending(now.Add(-time.Hour))
	exact := pending(now)
	late := pending(now.Add(-time.Minute))
	tie := pending(now.Add(-time.Minute)) // as late, stored after it
	notYet := pending(now.Add(time.Millisecond))
	never := pending(time.Time{})
	var settled []*kassa.Action
	for _, state := range []kassa.ActionState{kassa.ActionSucceeded, kassa.ActionRefused, kassa.ActionFailed} {
		a := pending(now.Add(-time.Hour))
		a.State = state // keeps its time, but is no longer pending
		must(t, s.UpdateAction(ctx, a))
		settled = append(settled, a)
	}
	stored := func() []*kassa.Action {
		var as []*kassa.Action
		for _, a := range append(settled, never) {
			got, err := s.Action(ctx, a.ID)
			must(t, err)
			as = append(as, got)
		}
		return as
	}
	before := stored()

	wantActionsClaimed(t, s, claimActions(t, s, now, lease, 2), lease, early, late)
	wantActionsClaimed(t, s, claimActions(t, s, now, lease, 10), lease, tie, exact)
	if got := claimActions(t, s, now, lease, 10); len(got) != 0 {
		t.Fatalf("a second claim at the same time returned %d actions, want none", len(got))
	}
	wantAction(t, s, "an action not due", notYet)

	// Once the lease has passed the actions are due again, after the one
	// that was due before the lease.
	lease2 := lease.Add(time.Minute)
	wantActionsClaimed(t, s, claimActions(t, s, lease, lease2, 10), lease2, notYet, early, exact, late, tie)
	if d := diff(before, stored()); d != "" {
		t.Fatalf("claims changed actions that are not due (-want +got):\n%s", d)
	}

	for _, limit := range []int{0, -1} {
		_, err := s.ClaimActions(ctx, lease2, lease2.Add(time.Minute), limit)
		wantCode(t, err, kassa.EINVALID)
	}
	_, err := s.ClaimActions(ctx, lease2, lease2, 1)
	wantCode(t, err, kassa.EINVALID)
	for _, a := range []*kassa.Action{early, exact, late, tie, notYet} {
		wantAction(t, s, "a refused claim wrote", a)
	}
}

func testClaimActionsConcurrent(t *testing.T, s Actions) {
	const actions, claimers, limit = 40, 8, 3
	put(t, s, product("A", 50))
	o := create(t, s, order(1, line(1, "A", 1)))
	now, lease := at, at.Add(time.Minute)
	for i := range actions {
		a := action(o, kassa.ActionRefund, i+1)
		a.NextAttemptAt = now.Add(-time.Duration(i%7) * time.Second)
		mustAction(t, s, a)
	}
	claimConcurrently(t, "action", actions, claimers, limit, func() ([]int64, error) {
		as, err := s.ClaimActions(ctx, now, lease, limit)
		ids := make([]int64, len(as))
		for i, a := range as {
			ids[i] = a.ID
		}
		return ids, err
	})
	if got := claimActions(t, s, now, lease, actions); len(got) != 0 {
		t.Fatalf("%d actions left to claim, want none", len(got))
	}
}

// ActionQueueDowngrade takes a database back to before migration 0005, in
// either dialect: the actions lose their queue columns.
const ActionQueueDowngrade = `
	DROP INDEX actions_due;
	ALTER TABLE actions DROP COLUMN next_attempt_at;
	ALTER TABLE actions DROP COLUMN resumes;
	DELETE FROM schema_migrations WHERE version = 5`

// SeedActionQueueMigration stores a pending and a succeeded action for
// CheckActionQueueMigration, before the store's database is taken back
// with ActionQueueDowngrade.
func SeedActionQueueMigration(t *testing.T, s kassa.Store) (pending, succeeded *kassa.Action) {
	t.Helper()
	put(t, s, product("A", 5))
	o := create(t, s, order(1, line(1, "A", 1)))
	pending = mustAction(t, s, action(o, kassa.ActionCapture, 1))
	succeeded = action(o, kassa.ActionCancel, 1)
	succeeded.State = kassa.ActionSucceeded
	return pending, mustAction(t, s, succeeded)
}

// CheckActionQueueMigration checks a store just migrated with 0005 from a
// database that held, the old way, the actions SeedActionQueueMigration
// stored: 0005 makes the pending one due at once, when it was last
// updated, and only it.
func CheckActionQueueMigration(t *testing.T, s kassa.Store, pending, succeeded *kassa.Action) {
	t.Helper()
	pending.NextAttemptAt = pending.UpdatedAt
	wantAction(t, s, "the pending action after the migration", pending)
	wantAction(t, s, "the succeeded action after the migration", succeeded)
	lease := pending.UpdatedAt.Add(time.Minute)
	wantActionsClaimed(t, s, claimActions(t, s, pending.UpdatedAt, lease, 10), lease, pending)
}

// guarded returns action(o, kind, seq) planned against o's version.
func guarded(o *kassa.Order, kind kassa.ActionKind, seq int) *kassa.Action {
	a := action(o, kind, seq)
	a.OrderVersion = o.Version
	return a
}

// testCreateActionGuarded: an action planned against an order's version is
// stored only while the order is at that version and no other action of
// it is pending or failed.
func testCreateActionGuarded(t *testing.T, s Actions) {
	put(t, s, product("A", 5))
	o := create(t, s, order(1, line(1, "A", 2)))
	first := mustAction(t, s, guarded(o, kassa.ActionCapture, 1))
	wantCode(t, s.CreateAction(ctx, guarded(o, kassa.ActionRefund, 1)), kassa.ECONFLICT) // first is pending
	first.State = kassa.ActionFailed
	must(t, s.UpdateAction(ctx, first))
	wantCode(t, s.CreateAction(ctx, guarded(o, kassa.ActionRefund, 1)), kassa.ECONFLICT) // failed: outcome unknown
	first.State = kassa.ActionSucceeded
	must(t, s.UpdateAction(ctx, first))
	stale := *o
	o.Status = kassa.StatusProcessing
	must(t, s.UpdateOrder(ctx, o, nil, nil))
	wantCode(t, s.CreateAction(ctx, guarded(&stale, kassa.ActionRefund, 1)), kassa.ECONFLICT) // the order moved on
	mustAction(t, s, guarded(o, kassa.ActionRefund, 1))
	if got := get(t, s, o.ID); got.Version != o.Version {
		t.Fatalf("a guarded CreateAction changed the order's version %d → %d", o.Version, got.Version)
	}
	ghost := guarded(o, kassa.ActionCancel, 1)
	ghost.OrderID = o.ID + 100
	wantCode(t, s.CreateAction(ctx, ghost), kassa.ENOTFOUND)
}

// testCreateActionGuardedConcurrent: of different actions planned against
// one version at once, exactly one is stored.
func testCreateActionGuardedConcurrent(t *testing.T, s Actions) {
	put(t, s, product("A", 5))
	o := create(t, s, order(1, line(1, "A", 1)))
	kinds := []kassa.ActionKind{kassa.ActionCapture, kassa.ActionCancel, kassa.ActionRefund}
	const n = 9
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		wg.Go(func() { errs[i] = s.CreateAction(ctx, guarded(o, kinds[i%3], 1+i/3)) })
	}
	wg.Wait()
	ok := 0
	for _, err := range errs {
		switch kassa.ErrorCode(err) {
		case "":
			ok++
		case kassa.ECONFLICT:
		default:
			t.Fatalf("concurrent guarded CreateAction: %v", err)
		}
	}
	if _, total, err := s.Actions(ctx, kassa.ActionFilter{OrderID: o.ID}); err != nil || ok != 1 || total != 1 {
		t.Fatalf("%d guarded creates succeeded, %d stored (%v); want exactly one of each", ok, total, err)
	}
}
