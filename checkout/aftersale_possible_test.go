package checkout_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/kassa-dev/kassa"
	"github.com/kassa-dev/kassa/checkout"
	"github.com/kassa-dev/kassa/mapi"
)

func TestPossibleActions(t *testing.T) {
	acts := func(as ...mapi.ActionType) []mapi.PossibleAction {
		var out []mapi.PossibleAction
		for _, a := range as {
			out = append(out, mapi.PossibleAction{Action: a})
		}
		return out
	}
	authorized := mapi.Order{TotalOrderAmount: 24800, AuthorizedAmount: 24800,
		PossibleActions: acts(mapi.ActionCapture, mapi.ActionPartialCapture, mapi.ActionCancel, mapi.ActionPartialCancel)}
	captured := mapi.Order{TotalOrderAmount: 24800, CapturedAmount: 24800,
		PossibleActions: acts(mapi.ActionRefund, mapi.ActionPartialRefund)}
	refunded := mapi.Order{TotalOrderAmount: 24800, CapturedAmount: 24800, RefundedAmount: 24800}
	pay := func(st mapi.PaymentStatus, o mapi.Order) *mapi.Payment {
		return &mapi.Payment{ID: "p1", Status: st, Order: o}
	}
	order := func(st kassa.Status) *kassa.Order {
		return &kassa.Order{ID: 1, Number: "K000001", Status: st, PaymentID: "p1", Total: 24800}
	}
	pendingAction := []*kassa.Action{{Kind: kassa.ActionCapture, TransactionID: "K000001-capture-1", State: kassa.ActionPending}}
	for _, tt := range []struct {
		name    string
		order   *kassa.Order
		payment *mapi.Payment
		actions []*kassa.Action
		offered []mapi.ActionType
		why     string // a part of a reason given, when one is expected
	}{
		{"authorized", order(kassa.StatusProcessing), pay(mapi.StatusAccepted, authorized), nil,
			[]mapi.ActionType{mapi.ActionCapture, mapi.ActionPartialCapture, mapi.ActionCancel, mapi.ActionPartialCancel},
			"Nothing is left to refund"},
		{"captured", order(kassa.StatusCompleted), pay(mapi.StatusAccepted, captured), nil,
			[]mapi.ActionType{mapi.ActionRefund, mapi.ActionPartialRefund}, "Nothing is left to capture"},
		{"refunded", order(kassa.StatusRefunded), pay(mapi.StatusAccepted, refunded), nil, nil, "Nothing is left to refund"},
		{"failed", order(kassa.StatusFailed), pay(mapi.StatusRejected, mapi.Order{TotalOrderAmount: 24800}), nil, nil,
			"REJECTED"},
		{"on hold", order(kassa.StatusOnHold), pay(mapi.StatusFrozen, authorized), nil, nil, "on hold"},
		{"pending", order(kassa.StatusPending), pay(mapi.StatusTaskRedirectionRequired, mapi.Order{TotalOrderAmount: 24800}),
			nil, []mapi.ActionType{mapi.ActionCancel}, ""},
		{"action unsettled", order(kassa.StatusProcessing), pay(mapi.StatusAccepted, authorized), pendingAction, nil,
			"still pending"},
		{"bank unreachable", order(kassa.StatusProcessing), nil, nil, nil, "could not be read"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got := checkout.PossibleActions(tt.order, tt.payment, tt.actions)
			if !slices.Equal(got.Offered(), tt.offered) {
				t.Errorf("offered %v, want %v", got.Offered(), tt.offered)
			}
			if why := strings.Join(got.Why, " "); !strings.Contains(why, tt.why) || (tt.why == "") != (why == "") {
				t.Errorf("why %q, want it to say %q", why, tt.why)
			}
		})
	}
}
