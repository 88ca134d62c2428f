package kassa_test

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/kassa-dev/kassa"
)

// legal is the status graph of docs/architecture.md §Order statuses written
// out edge by edge, independently of the package's own table.
var legal = map[[2]kassa.Status]bool{}

func init() {
	p, h, pr, c, r, f, x := kassa.StatusPending, kassa.StatusOnHold, kassa.StatusProcessing,
		kassa.StatusCompleted, kassa.StatusRefunded, kassa.StatusFailed, kassa.StatusCancelled
	for _, e := range [][2]kassa.Status{
		{p, h}, {p, pr}, {p, c}, {p, r}, {p, f}, {p, x},
		{h, pr}, {h, c}, {h, r}, {h, f}, {h, x},
		{pr, c}, {pr, r}, {pr, x},
		{c, r},
	} {
		legal[e] = true
	}
}

// rank orders the statuses so that every legal edge goes up: the graph
// has no cycle, so no sequence of reads can move an order backwards.
var rank = map[kassa.Status]int{
	kassa.StatusPending: 0, kassa.StatusOnHold: 1, kassa.StatusProcessing: 2, kassa.StatusCompleted: 3,
	kassa.StatusRefunded: 4, kassa.StatusFailed: 5, kassa.StatusCancelled: 5,
}

func TestCanMove(t *testing.T) {
	for _, from := range kassa.Statuses {
		for _, to := range kassa.Statuses {
			if got, want := kassa.CanMove(from, to), legal[[2]kassa.Status{from, to}]; got != want {
				t.Errorf("CanMove(%s, %s) = %v, want %v", from, to, got, want)
			}
			if legal[[2]kassa.Status{from, to}] && rank[to] <= rank[from] {
				t.Errorf("edge %s → %s does not go forward", from, to)
			}
		}
		if kassa.CanMove(from, "bogus") || kassa.CanMove("bogus", from) {
			t.Errorf("CanMove accepts an unknown status next to %s", from)
		}
	}
}

// amounts are the after-sale situations of an order of 1000.00, as Resurs
// reports them (authorized = still authorized, the rest cumulative).
var amounts = []struct {
	name string
	p    kassa.PaymentSnapshot
}{
	{"nothing yet", kassa.PaymentSnapshot{Total: 100000}},
	{"authorized", kassa.PaymentSnapshot{Total: 100000, Authorized: 100000}},
	{"partially captured", kassa.PaymentSnapshot{Total: 100000, Authorized: 40000, Captured: 60000}},
	{"captured", kassa.PaymentSnapshot{Total: 100000, Captured: 100000}},
	{"partially refunded", kassa.PaymentSnapshot{Total: 100000, Captured: 100000, Refunded: 30000}},
	{"refunded", kassa.PaymentSnapshot{Total: 100000, Captured: 100000, Refunded: 100000}},
	{"partially cancelled", kassa.PaymentSnapshot{Total: 100000, Authorized: 70000, Canceled: 30000}},
	{"partially cancelled, rest captured", kassa.PaymentSnapshot{Total: 100000, Captured: 70000, Canceled: 30000}},
	{"cancelled", kassa.PaymentSnapshot{Total: 100000, Canceled: 100000}},
}

var (
	paymentStatuses = []string{kassa.PaymentTaskRedirectionRequired, kassa.PaymentInspection,
		kassa.PaymentSupplementingRequired, kassa.PaymentFrozen, kassa.PaymentAccepted, kassa.PaymentRejected,
		"", "SOMETHING_NEW", "accepted"}
	categories = []string{"", kassa.RejectedCreditDenied, kassa.RejectedAbortedByCustomer,
		kassa.RejectedTimeout, kassa.RejectedCanceled, "SOMETHING_NEW"}
)

// snapshots returns every combination of payment status, rejection
// category, task state and amounts.
func snapshots() []kassa.PaymentSnapshot {
	var ps []kassa.PaymentSnapshot
	for _, st := range paymentStatuses {
		for _, cat := range categories {
			for _, task := range []bool{false, true} {
				for _, a := range amounts {
					p := a.p
					p.Status, p.RejectedCategory, p.TaskCompleted = st, cat, task
					ps = append(ps, p)
				}
			}
		}
	}
	return ps
}

// wantTarget is the mapping of docs/architecture.md §Status mapping,
// written independently of Target.
func wantTarget(p kassa.PaymentSnapshot) (kassa.Status, bool) {
	switch p.Status {
	case "TASK_REDIRECTION_REQUIRED":
		return kassa.StatusPending, true
	case "FROZEN", "INSPECTION", "SUPPLEMENTING_REQUIRED":
		return kassa.StatusOnHold, true
	case "REJECTED":
		if p.RejectedCategory == "CREDIT_DENIED" ||
			(p.TaskCompleted && !map[string]bool{"ABORTED_BY_CUSTOMER": true, "TIMEOUT": true, "CANCELED": true}[p.RejectedCategory]) {
			return kassa.StatusFailed, true
		}
		return kassa.StatusCancelled, true
	case "ACCEPTED":
		return acceptedTarget(p), true
	}
	return "", false
}

// acceptedTarget follows ecom2's derived states: still authorized →
// processing; nothing authorized and all captured refunded → refunded; some
// captured → completed; nothing authorized or captured but something
// cancelled → cancelled.
func acceptedTarget(p kassa.PaymentSnapshot) kassa.Status {
	switch {
	case p.Authorized == 0 && p.Captured > 0 && p.Refunded >= p.Captured:
		return kassa.StatusRefunded
	case p.Authorized == 0 && p.Captured > 0:
		return kassa.StatusCompleted
	case p.Authorized == 0 && p.Canceled > 0:
		return kassa.StatusCancelled
	}
	return kassa.StatusProcessing
}

func TestTargetEveryPair(t *testing.T) {
	for _, p := range snapshots() {
		got, ok := kassa.Target(p)
		want, wantOK := wantTarget(p)
		if got != want || ok != wantOK {
			t.Errorf("Target(%+v) = %q, %v; want %q, %v", p, got, ok, want, wantOK)
		}
	}
}

func TestTransitionEveryPair(t *testing.T) {
	for _, cur := range kassa.Statuses {
		for _, p := range snapshots() {
			d := kassa.Transition(cur, p)
			want, ok := wantTarget(p)
			// A paid order is cancelled only by Resurs cancelling it in full
			// (ACCEPTED with canceledAmount), never by a REJECTED read.
			paidRejected := cur == kassa.StatusProcessing && p.Status != "ACCEPTED"
			applied := ok && want != cur && legal[[2]kassa.Status{cur, want}] && !paidRejected
			wantTo := cur
			if applied {
				wantTo = want
			}
			if d.From != cur || d.To != wantTo || d.Applied != applied || d.Note == "" {
				t.Errorf("Transition(%s, %+v) = %+v; want to %s, applied %v, with a note", cur, p, d, wantTo, applied)
			}
			if again := kassa.Transition(d.To, p); again.Applied || again.To != d.To {
				t.Errorf("repeating %+v after %s moved the order again: %+v", p, cur, again)
			}
		}
	}
}

// TestMappingTable checks docs/architecture.md §Status mapping row by row,
// from a pending order.
func TestMappingTable(t *testing.T) {
	auth := kassa.PaymentSnapshot{Total: 5000, Authorized: 5000}
	with := func(status, cat string, task bool) kassa.PaymentSnapshot {
		p := auth
		p.Status, p.RejectedCategory, p.TaskCompleted = status, cat, task
		return p
	}
	for _, tt := range []struct {
		row  string
		p    kassa.PaymentSnapshot
		want kassa.Status
	}{
		{"ACCEPTED → processing", with("ACCEPTED", "", false), kassa.StatusProcessing},
		{"ACCEPTED captured in full → completed", kassa.PaymentSnapshot{Status: "ACCEPTED", Total: 5000, Captured: 5000}, kassa.StatusCompleted},
		{"FROZEN → on-hold", with("FROZEN", "", false), kassa.StatusOnHold},
		{"INSPECTION → on-hold", with("INSPECTION", "", false), kassa.StatusOnHold},
		{"SUPPLEMENTING_REQUIRED → on-hold", with("SUPPLEMENTING_REQUIRED", "", false), kassa.StatusOnHold},
		{"TASK_REDIRECTION_REQUIRED stays pending", with("TASK_REDIRECTION_REQUIRED", "", false), kassa.StatusPending},
		{"REJECTED task completed → failed", with("REJECTED", "", true), kassa.StatusFailed},
		{"REJECTED CREDIT_DENIED → failed", with("REJECTED", "CREDIT_DENIED", false), kassa.StatusFailed},
		{"REJECTED task not completed → cancelled", with("REJECTED", "", false), kassa.StatusCancelled},
		{"REJECTED ABORTED_BY_CUSTOMER → cancelled", with("REJECTED", "ABORTED_BY_CUSTOMER", false), kassa.StatusCancelled},
		{"REJECTED TIMEOUT → cancelled", with("REJECTED", "TIMEOUT", false), kassa.StatusCancelled},
		{"REJECTED CANCELED → cancelled", with("REJECTED", "CANCELED", false), kassa.StatusCancelled},
		{"REJECTED ABORTED_BY_CUSTOMER, task completed → cancelled", with("REJECTED", "ABORTED_BY_CUSTOMER", true), kassa.StatusCancelled},
	} {
		if d := kassa.Transition(kassa.StatusPending, tt.p); d.To != tt.want {
			t.Errorf("%s: got %s (%s)", tt.row, d.To, d.Note)
		}
	}
}

func TestTransitionUnknownStatusLeavesOrder(t *testing.T) {
	for _, cur := range kassa.Statuses {
		d := kassa.Transition(cur, kassa.PaymentSnapshot{Status: "SOMETHING_NEW", Authorized: 1})
		if d.Applied || d.To != cur {
			t.Errorf("unknown payment status moved %s to %s", cur, d.To)
		}
	}
}

// TestTransitionSequences applies random sequences of reads (seeded, so
// the test is deterministic) and checks that an order only ever moves
// forward along legal edges.
func TestTransitionSequences(t *testing.T) {
	ps := snapshots()
	rng := rand.New(rand.NewPCG(1, 2))
	for run := range 5000 {
		cur, seen := kassa.StatusPending, map[kassa.Status]bool{kassa.StatusPending: true}
		var path []string
		for range 1 + rng.IntN(12) {
			p := ps[rng.IntN(len(ps))]
			d := kassa.Transition(cur, p)
			path = append(path, fmt.Sprintf("%s/%s", p.Status, d.To))
			if d.Applied && (!legal[[2]kassa.Status{cur, d.To}] || seen[d.To] || rank[d.To] <= rank[cur]) {
				t.Fatalf("run %d: %s → %s is a step backwards or illegal; path %v", run, cur, d.To, path)
			}
			if !d.Applied && d.To != cur {
				t.Fatalf("run %d: unapplied decision changed the status; path %v", run, path)
			}
			cur, seen[d.To] = d.To, true
		}
	}
}
