package chaos

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/kassa-dev/kassa"
	"github.com/kassa-dev/kassa/mapi"
	"github.com/kassa-dev/kassa/mapisim"
)

var t0 = time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)

// world is a consistent shop and bank: one paid order, one rejected order
// (stock released) and one whose payment could not be created.
func world() (ShopState, BankState, Limits) {
	paid := &kassa.Order{ID: 1, Number: "K000001", Status: kassa.StatusProcessing, PaymentID: "p1",
		PaymentStatus: "ACCEPTED", Total: 10000, Authorized: 10000, ExpiresAt: t0.Add(time.Minute),
		Lines: []kassa.Line{{SKU: "A", Quantity: 2, Total: 10000}}}
	rejected := &kassa.Order{ID: 2, Number: "K000002", Status: kassa.StatusFailed, PaymentID: "p2",
		PaymentStatus: "REJECTED", Total: 5000, StockReleased: true, ExpiresAt: t0.Add(time.Minute),
		Lines: []kassa.Line{{SKU: "A", Quantity: 1, Total: 5000}}}
	noPayment := &kassa.Order{ID: 3, Number: "K000003", Status: kassa.StatusFailed, Total: 5000,
		StockReleased: true, Lines: []kassa.Line{{SKU: "B", Quantity: 1, Total: 5000}}}
	shop := ShopState{
		Orders: []*kassa.Order{paid, rejected, noPayment},
		Events: map[int64][]kassa.Event{
			1: {{Source: kassa.SourceCheckout, To: kassa.StatusPending, Applied: true},
				{Source: kassa.SourceReturn, From: kassa.StatusPending, To: kassa.StatusProcessing, Applied: true},
				{Source: kassa.SourceCallback, From: kassa.StatusProcessing, To: kassa.StatusProcessing}},
		},
		Callbacks: []*kassa.Callback{{PaymentID: "p1", OrderID: 1, Body: []byte(`{"paymentId":"p1","status":"AUTHORIZED"}`)}},
		Stock:     map[string]int64{"A": 8, "B": 5},
	}
	bank := BankState{
		Payments: []mapi.Payment{
			{ID: "p1", Status: mapi.StatusAccepted, Order: mapi.Order{OrderReference: "K000001",
				TotalOrderAmount: 10000, AuthorizedAmount: 10000}},
			{ID: "p2", Status: mapi.StatusRejected, RejectedReason: &mapi.RejectedReason{Category: mapi.RejectedCreditDenied},
				Order: mapi.Order{OrderReference: "K000002", TotalOrderAmount: 5000}},
		},
		TaskCompleted: map[string]bool{},
		Deliveries: map[string][]mapisim.Delivery{
			"p1": {{Kind: "authorization", Body: `{"paymentId":"p1","status":"AUTHORIZED"}`, Attempt: 1, Status: 202},
				{Kind: "authorization", Body: `{"paymentId":"p1","status":"AUTHORIZED"}`, Fault: "dropped"}},
			"p2": {{Kind: "authorization", Body: `{"paymentId":"p2","status":"REJECTED"}`, Attempt: 1, Status: 503}},
		},
	}
	return shop, bank, Limits{InitialStock: map[string]int64{"A": 10, "B": 5}, Now: t0.Add(2 * time.Minute), Grace: time.Minute}
}

func rules(vs []Violation) []string {
	out := []string{}
	for _, v := range vs {
		out = append(out, v.Rule)
	}
	return out
}

func TestCheckConsistentWorld(t *testing.T) {
	shop, bank, lim := world()
	if vs := Check(shop, bank, lim); len(vs) != 0 {
		t.Fatalf("Check of a consistent world = %v, want none", vs)
	}
}

func TestCheckFindsEachBrokenInvariant(t *testing.T) {
	tx := "K000001-capture-1"
	tests := []struct {
		name   string
		mutate func(*ShopState, *BankState)
		want   []string
	}{
		{"status behind the bank", func(s *ShopState, b *BankState) { s.Orders[0].Status = kassa.StatusOnHold },
			[]string{RuleStatus, RuleTimeline}},
		{"captured amount differs", func(s *ShopState, b *BankState) { s.Orders[0].Captured = 100 },
			[]string{RuleAmounts}},
		{"open order without a payment", func(s *ShopState, b *BankState) {
			s.Orders[2].Status, s.Orders[2].StockReleased = kassa.StatusPending, false
			s.Stock["B"] = 4 // still reserved: remaining 4 + sold 1 = 5
		}, []string{RuleStatus}},
		{"pending past its hold", func(s *ShopState, b *BankState) {
			o := s.Orders[1]
			o.Status, o.StockReleased, o.ExpiresAt = kassa.StatusPending, false, t0
			s.Stock["A"] = 7
			b.Payments[1] = mapi.Payment{ID: "p2", Status: mapi.StatusTaskRedirectionRequired,
				Order: mapi.Order{OrderReference: "K000002", TotalOrderAmount: 5000}}
		}, []string{RulePendingPastTTL}},
		{"two payments for one reference", func(s *ShopState, b *BankState) {
			b.Payments = append(b.Payments, mapi.Payment{ID: "p9", Status: mapi.StatusAccepted,
				Order: mapi.Order{OrderReference: "K000001", TotalOrderAmount: 10000, AuthorizedAmount: 10000}})
		}, []string{RuleTwoPayments}},
		{"payment for an unknown order", func(s *ShopState, b *BankState) {
			b.Payments = append(b.Payments, mapi.Payment{ID: "p8", Status: mapi.StatusAccepted,
				Order: mapi.Order{OrderReference: "K999999"}})
		}, []string{RuleOrphanPayment}},
		{"capture executed twice", func(s *ShopState, b *BankState) {
			b.Payments[0].Order.ActionLog = []mapi.ActionLog{{Type: "CAPTURE", TransactionID: &tx}, {Type: "CAPTURE", TransactionID: &tx}}
		}, []string{RuleActionTwice}},
		{"stock released twice", func(s *ShopState, b *BankState) { s.Stock["A"] = 9 }, []string{RuleStock}},
		{"released stock on a paid order", func(s *ShopState, b *BankState) { s.Orders[0].StockReleased = true; s.Stock["A"] = 10 },
			[]string{RuleStockRelease}},
		{"delivered callback missing", func(s *ShopState, b *BankState) { s.Callbacks = nil }, []string{RuleCallbackLost}},
		{"duplicate delivery stored once", func(s *ShopState, b *BankState) {
			b.Deliveries["p1"] = append(b.Deliveries["p1"], mapisim.Delivery{Kind: "authorization",
				Body: `{"paymentId":"p1","status":"AUTHORIZED"}`, Attempt: 1, Status: 202, Fault: "duplicate"})
		}, []string{RuleCallbackLost}},
		{"order names another payment", func(s *ShopState, b *BankState) { s.Orders[0].PaymentID = "p2" },
			[]string{RulePaymentID}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			shop, bank, lim := world()
			tt.mutate(&shop, &bank)
			if diff := cmp.Diff(tt.want, rules(Check(shop, bank, lim))); diff != "" {
				t.Errorf("rules (-want +got):\n%s", diff)
			}
		})
	}
}

func TestCheckTaskStatusDecidesFailedOrCancelled(t *testing.T) {
	shop, bank, lim := world()
	bank.Payments[1].RejectedReason = &mapi.RejectedReason{Category: "PAYMENT_FROZEN"}
	bank.TaskCompleted["p2"] = true
	if vs := Check(shop, bank, lim); len(vs) != 0 {
		t.Fatalf("completed task: %v", vs)
	}
	bank.TaskCompleted["p2"] = false // not completed: cancelled, so failed is wrong
	if got := rules(Check(shop, bank, lim)); !cmp.Equal(got, []string{RuleStatus}) {
		t.Fatalf("uncompleted task: rules %v, want [status]", got)
	}
}

func TestPlansAreDeterministic(t *testing.T) {
	cat := Catalog(100)
	a, b := newPlan(7, 3, cat[:5], cat[5:]), newPlan(7, 3, cat[:5], cat[5:])
	if diff := cmp.Diff(a, b, cmp.AllowUnexported(plan{}, Persona{})); diff != "" {
		t.Fatalf("same seed and index, different plans:\n%s", diff)
	}
	differ := false
	for i := range 20 {
		if !cmp.Equal(newPlan(7, i, cat[:5], cat[5:]), newPlan(8, i, cat[:5], cat[5:]), cmp.AllowUnexported(plan{}, Persona{})) {
			differ = true
		}
	}
	if !differ {
		t.Fatal("seeds 7 and 8 give the same 20 plans")
	}
}

func TestCrashPoints(t *testing.T) {
	pts := crashPoints(1, 1000, 3)
	if len(pts) != 3 {
		t.Fatalf("crashPoints = %v, want 3", pts)
	}
	for i, p := range pts {
		if p < 100 || p >= 900 || (i > 0 && p <= pts[i-1]) {
			t.Fatalf("crashPoints = %v: want increasing, within [100, 900)", pts)
		}
	}
	if !cmp.Equal(pts, crashPoints(1, 1000, 3)) {
		t.Fatal("crash points differ for the same seed")
	}
	if crashPoints(1, 1000, 0) != nil {
		t.Fatal("crashes 0 gave crash points")
	}
}
