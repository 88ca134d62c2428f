package mapisim_test

import (
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/kassa-dev/kassa/mapi"
	"github.com/kassa-dev/kassa/mapisim"
)

// step is the state expected after the clock has moved to at.
type step struct {
	at        time.Duration
	status    mapi.PaymentStatus
	reason    mapi.RejectedCategory
	callbacks []string // authorization callbacks received so far
}

type personaCase struct {
	name       string
	store      string
	method     string
	govID      string
	inspection bool
	redirect   string // "ok" or "fail"
	steps      []step
}

func seCase(govID string, redirect string, steps ...step) personaCase {
	return personaCase{name: "SE/" + govID, store: mapisim.DefaultStoreID, method: mapisim.MethodInvoice,
		govID: govID, inspection: true, redirect: redirect, steps: steps}
}

var (
	accepted = []string{"AUTHORIZED"}
	rejected = []string{"REJECTED"}
)

func TestPersonas(t *testing.T) {
	frozenThen := func(id string, d time.Duration, end mapi.PaymentStatus, reason mapi.RejectedCategory, cb string) personaCase {
		return seCase(id, "ok",
			step{0, mapi.StatusFrozen, "", []string{"FROZEN"}},
			step{d - time.Millisecond, mapi.StatusFrozen, "", []string{"FROZEN"}},
			step{d, end, reason, []string{"FROZEN", cb}})
	}
	inspect := func(id string, d time.Duration, end mapi.PaymentStatus, reason mapi.RejectedCategory, cb string) personaCase {
		return seCase(id, "ok",
			step{0, mapi.StatusInspection, "", []string{"INSPECTION"}},
			step{d - time.Millisecond, mapi.StatusInspection, "", []string{"INSPECTION"}},
			step{d, end, reason, []string{"INSPECTION", cb}})
	}
	cases := []personaCase{
		seCase("198305147715", "ok", step{0, mapi.StatusAccepted, "", accepted}),
		seCase("198801082382", "ok", step{0, mapi.StatusAccepted, "", accepted}),
		seCase("197211072793", "fail", step{0, mapi.StatusRejected, mapi.RejectedCreditDenied, rejected}),
		seCase("195004269741", "fail", step{0, mapi.StatusRejected, mapi.RejectedCreditDenied, rejected}),
		seCase("198209123705", "ok", step{0, mapi.StatusFrozen, "", []string{"FROZEN"}},
			step{48 * time.Hour, mapi.StatusFrozen, "", []string{"FROZEN"}}),
		frozenThen("198001010001", 5*time.Second, mapi.StatusAccepted, "", "AUTHORIZED"),
		frozenThen("197801069241", 5*time.Second, mapi.StatusRejected, mapi.RejectedPaymentFrozen, "REJECTED"),
		frozenThen("199401012381", 10*time.Minute, mapi.StatusAccepted, "", "AUTHORIZED"),
		frozenThen("198909194451", 10*time.Minute, mapi.StatusRejected, mapi.RejectedPaymentFrozen, "REJECTED"),
		inspect("199105149612", 10*time.Second, mapi.StatusAccepted, "", "AUTHORIZED"),
		inspect("199010242395", 5*time.Minute, mapi.StatusAccepted, "", "AUTHORIZED"),
		inspect("199010122399", 30*time.Minute, mapi.StatusAccepted, "", "AUTHORIZED"),
		inspect("198711192396", 24*time.Hour, mapi.StatusAccepted, "", "AUTHORIZED"),
		inspect("199111282399", 10*time.Second, mapi.StatusRejected, mapi.RejectedCreditDenied, "REJECTED"),
		inspect("198810112394", 5*time.Minute, mapi.StatusRejected, mapi.RejectedCreditDenied, "REJECTED"),
		inspect("198806192392", 30*time.Minute, mapi.StatusRejected, mapi.RejectedCreditDenied, "REJECTED"),
		inspect("199111292398", 24*time.Hour, mapi.StatusRejected, mapi.RejectedCreditDenied, "REJECTED"),
		seCase("190001011234", "ok", step{0, mapi.StatusAccepted, "", accepted}), // unknown → accepted
		seCase("", "ok", step{0, mapi.StatusAccepted, "", accepted}),             // absent → accepted
		{name: "SE/inspection-without-flag", store: mapisim.DefaultStoreID, method: mapisim.MethodInvoice,
			govID: "199111282399", redirect: "ok", steps: []step{{0, mapi.StatusAccepted, "", accepted}}},
		// Norway, Finland, Denmark samples.
		{name: "NO/accept", store: mapisim.StoreNO, method: "c0de0400-0000-4000-8000-000000000001", govID: "180872-48794",
			redirect: "ok", steps: []step{{0, mapi.StatusAccepted, "", accepted}}},
		{name: "NO/frozen-unfrozen-10m", store: mapisim.StoreNO, method: "c0de0400-0000-4000-8000-000000000001",
			govID: "010782-12868", redirect: "ok", steps: []step{{0, mapi.StatusFrozen, "", []string{"FROZEN"}},
				{10 * time.Minute, mapi.StatusAccepted, "", []string{"FROZEN", "AUTHORIZED"}}}},
		{name: "FI/reject", store: mapisim.StoreFI, method: "c0def100-0000-4000-8000-000000000001", govID: "180650-344E",
			redirect: "fail", steps: []step{{0, mapi.StatusRejected, mapi.RejectedCreditDenied, rejected}}},
		{name: "FI/frozen-annulled-5s", store: mapisim.StoreFI, method: "c0def100-0000-4000-8000-000000000001",
			govID: "300881-051B", redirect: "ok", steps: []step{{0, mapi.StatusFrozen, "", []string{"FROZEN"}},
				{5 * time.Second, mapi.StatusRejected, mapi.RejectedPaymentFrozen, []string{"FROZEN", "REJECTED"}}}},
		{name: "DK/frozen", store: mapisim.StoreDK, method: "c0ded400-0000-4000-8000-000000000001", govID: "060580-3736",
			redirect: "ok", steps: []step{{0, mapi.StatusFrozen, "", []string{"FROZEN"}}}},
		{name: "DK/accept-no-cards", store: mapisim.StoreDK, method: "c0ded400-0000-4000-8000-000000000001",
			govID: "2304881898", redirect: "ok", steps: []step{{0, mapi.StatusAccepted, "", accepted}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			runPersona(t, c)
		})
	}
}

func runPersona(t *testing.T, c personaCase) {
	e := newEnv(t, mapisim.Options{})
	req := e.createReq(c.govID)
	req["storeId"], req["paymentMethodId"] = c.store, c.method
	req["options"].(map[string]any)["handleManualInspection"] = c.inspection
	if c.store != mapisim.DefaultStoreID {
		delete(req["customer"].(map[string]any), "deliveryAddress")
	}
	p := e.create(req)
	to := e.sign(p.ID, mapisim.Approve)
	want := map[string]string{"ok": "https://shop.test/ok", "fail": "https://shop.test/fail"}[c.redirect]
	if to != want {
		t.Errorf("redirect = %q, want %q", to, want)
	}
	var at time.Duration
	for _, s := range c.steps {
		e.advance(s.at - at)
		at = s.at
		got := e.get(p.ID)
		if got.Status != s.status {
			t.Errorf("at %v: status %s, want %s", s.at, got.Status, s.status)
		}
		var reason mapi.RejectedCategory
		if got.RejectedReason != nil {
			reason = got.RejectedReason.Category
		}
		if reason != s.reason {
			t.Errorf("at %v: rejectedReason %q, want %q", s.at, reason, s.reason)
		}
		if diff := cmp.Diff(s.callbacks, e.cb.statuses()); diff != "" {
			t.Errorf("at %v: callbacks (-want +got):\n%s", s.at, diff)
		}
		wantAuth := mapi.Decimal(0)
		if s.status == mapi.StatusAccepted {
			wantAuth = got.Order.TotalOrderAmount
		}
		if got.Order.AuthorizedAmount != wantAuth {
			t.Errorf("at %v: authorizedAmount %s, want %s", s.at, got.Order.AuthorizedAmount, wantAuth)
		}
	}
	var ts struct{ Completed bool }
	e.must(http.StatusOK, "GET", "/v2/payments/"+p.ID+"/tasks/status", nil, &ts)
	if !ts.Completed {
		t.Error("tasks/status completed = false after approve")
	}
}

func TestRejectAndAbort(t *testing.T) {
	for _, c := range []struct {
		d         mapisim.Decision
		reason    mapi.RejectedCategory
		completed bool
	}{
		{mapisim.Reject, mapi.RejectedCreditDenied, true},
		{mapisim.Abort, mapi.RejectedAbortedByCustomer, false},
	} {
		t.Run(string(c.d), func(t *testing.T) {
			e := newEnv(t, mapisim.Options{})
			p := e.create(e.createReq("198305147715"))
			if to := e.sign(p.ID, c.d); to != "https://shop.test/fail" {
				t.Errorf("redirect %q, want the fail URL", to)
			}
			e.sim.Flush()
			got := e.get(p.ID)
			if got.Status != mapi.StatusRejected || got.RejectedReason == nil || got.RejectedReason.Category != c.reason {
				t.Errorf("status %s reason %+v, want REJECTED %s", got.Status, got.RejectedReason, c.reason)
			}
			var ts struct{ Completed bool }
			e.must(http.StatusOK, "GET", "/v2/payments/"+p.ID+"/tasks/status", nil, &ts)
			if ts.Completed != c.completed {
				t.Errorf("completed = %v, want %v", ts.Completed, c.completed)
			}
			if diff := cmp.Diff(rejected, e.cb.statuses()); diff != "" {
				t.Errorf("callbacks (-want +got):\n%s", diff)
			}
			if _, err := e.sim.Sign(p.ID, mapisim.Approve); err != mapisim.ErrAlreadyDecided {
				t.Errorf("second decision: err %v, want ErrAlreadyDecided", err)
			}
		})
	}
}

func TestFrozenWithoutHandleFrozenIsRejected(t *testing.T) {
	e := newEnv(t, mapisim.Options{})
	req := e.createReq("198209123705")
	req["options"].(map[string]any)["handleFrozenPayments"] = false
	p := e.create(req)
	if to := e.sign(p.ID, mapisim.Approve); to != "https://shop.test/fail" {
		t.Errorf("redirect %q, want the fail URL", to)
	}
	if got := e.get(p.ID); got.Status != mapi.StatusRejected || got.RejectedReason.Category != mapi.RejectedPaymentFrozen {
		t.Errorf("got %s %+v, want REJECTED PAYMENT_FROZEN", got.Status, got.RejectedReason)
	}
}

// TestTTLExpiryWithoutReads: payments expire at the end of their own TTL
// on the clock alone, also one created later with a shorter TTL (it
// expires first), and each is called back once, without being read.
func TestTTLExpiryWithoutReads(t *testing.T) {
	e := newEnv(t, mapisim.Options{})
	create := func(ttl int) string {
		req := e.createReq("198305147715")
		req["options"].(map[string]any)["timeToLiveInMinutes"] = ttl
		return e.create(req).ID
	}
	expired := func() []string {
		var ids []string
		for _, g := range e.cb.received() {
			var b struct{ PaymentID, Status string }
			if err := json.Unmarshal([]byte(g.Body), &b); err != nil || b.Status != string(mapi.StatusRejected) {
				t.Fatalf("callback %q (%v), want a rejection", g.Body, err)
			}
			ids = append(ids, b.PaymentID)
		}
		return ids
	}
	a := create(30)
	e.advance(time.Minute)
	b, c := create(10), create(30)
	for _, step := range []struct {
		by   time.Duration
		want []string
	}{
		{10*time.Minute - time.Second, nil},
		{time.Second, []string{b}},                  // 11 min: b's 10 minutes
		{19*time.Minute - time.Second, []string{b}}, // just before a's 30
		{time.Second, []string{b, a}},
		{time.Minute, []string{b, a, c}},
		{time.Hour, []string{b, a, c}},
	} {
		e.advance(step.by)
		if diff := cmp.Diff(step.want, expired()); diff != "" {
			t.Fatalf("after %v more, expired (-want +got):\n%s", step.by, diff)
		}
	}
}

func TestTTLExpiry(t *testing.T) {
	e := newEnv(t, mapisim.Options{})
	req := e.createReq("198305147715")
	req["options"].(map[string]any)["timeToLiveInMinutes"] = 30
	p := e.create(req)
	e.advance(30*time.Minute - time.Second)
	if got := e.get(p.ID); got.Status != mapi.StatusTaskRedirectionRequired {
		t.Fatalf("before TTL: status %s", got.Status)
	}
	e.advance(time.Second)
	got := e.get(p.ID)
	if got.Status != mapi.StatusRejected || got.RejectedReason.Category != mapi.RejectedTimeout {
		t.Errorf("after TTL: %s %+v, want REJECTED TIMEOUT", got.Status, got.RejectedReason)
	}
	if diff := cmp.Diff(rejected, e.cb.statuses()); diff != "" {
		t.Errorf("callbacks (-want +got):\n%s", diff)
	}
	if _, err := e.sim.Sign(p.ID, mapisim.Approve); err != mapisim.ErrExpired {
		t.Errorf("sign after TTL: err %v, want ErrExpired", err)
	}
	var ts struct{ Completed bool }
	e.must(http.StatusOK, "GET", "/v2/payments/"+p.ID+"/tasks/status", nil, &ts)
	if ts.Completed {
		t.Error("completed = true after TTL")
	}
}

func TestAutomaticCaptureAndSwish(t *testing.T) {
	for _, c := range []struct {
		name   string
		method string
		auto   bool
	}{{"automaticCapture", mapisim.MethodInvoice, true}, {"swish", mapisim.MethodSwish, false}} {
		t.Run(c.name, func(t *testing.T) {
			e := newEnv(t, mapisim.Options{})
			req := e.createReq("198305147715")
			req["paymentMethodId"] = c.method
			opts := req["options"].(map[string]any)
			opts["automaticCapture"], opts["handleFrozenPayments"] = c.auto, false
			p := e.create(req)
			e.sign(p.ID, mapisim.Approve)
			e.sim.Flush()
			got := e.get(p.ID)
			if got.Order.CapturedAmount != 35050 || got.Order.AuthorizedAmount != 0 {
				t.Errorf("captured %s authorized %s, want 350.50 and 0", got.Order.CapturedAmount, got.Order.AuthorizedAmount)
			}
			if diff := cmp.Diff([]string{"AUTHORIZED", "CAPTURED"}, e.cb.statuses()); diff != "" {
				t.Errorf("callbacks (-want +got):\n%s", diff)
			}
		})
	}
}
