package mapisim_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/kassa-dev/kassa/mapi"
	"github.com/kassa-dev/kassa/mapisim"
)

// accepted creates and approves a 350.50 SEK payment (lines 301.50 + 49.00).
func (e *env) accepted() string {
	e.t.Helper()
	p := e.create(e.createReq("198305147715"))
	e.sign(p.ID, mapisim.Approve)
	e.sim.Flush()
	return p.ID
}

var product = map[string]any{"description": "Product 1", "reference": "SKU-1", "quantity": 2, "quantityUnit": "st",
	"vatRate": 25, "unitAmountIncludingVat": 150.75, "totalAmountIncludingVat": 301.5, "totalVatAmount": 60.3, "type": "PHYSICAL_GOODS"}

var shipping = map[string]any{"description": "Shipping", "reference": "shipping", "quantity": 1, "quantityUnit": "st",
	"vatRate": 25, "totalAmountIncludingVat": 49, "type": "SHIPPING"}

type amounts struct{ Total, Authorized, Captured, Refunded, Canceled mapi.Decimal }

func amountsOf(p mapi.Payment) amounts {
	o := p.Order
	return amounts{o.TotalOrderAmount, o.AuthorizedAmount, o.CapturedAmount, o.RefundedAmount, o.CanceledAmount}
}

func actionsOf(p mapi.Payment) []mapi.ActionType {
	var out []mapi.ActionType
	for _, a := range p.Order.PossibleActions {
		out = append(out, a.Action)
	}
	return out
}

var (
	authActs = []mapi.ActionType{"CAPTURE", "PARTIAL_CAPTURE", "CANCEL", "PARTIAL_CANCEL"}
	refActs  = []mapi.ActionType{"REFUND", "PARTIAL_REFUND"}
	allActs  = append(append([]mapi.ActionType{}, authActs...), refActs...)
)

func TestAfterShopFlows(t *testing.T) {
	type call struct {
		path string
		body any
	}
	cases := []struct {
		name    string
		calls   []call
		want    amounts
		actions []mapi.ActionType
		lastLog mapi.ActionLogType
		lines   int // lines of the last actionLog entry
		mgmt    []string
	}{
		{"full capture", []call{{"capture", map[string]any{}}},
			amounts{35050, 0, 35050, 0, 0}, refActs, mapi.LogCapture, 2, []string{"CAPTURE"}},
		{"partial capture", []call{{"capture", map[string]any{"orderLines": []any{product}}}},
			amounts{35050, 4900, 30150, 0, 0}, allActs, mapi.LogCapture, 1, []string{"CAPTURE"}},
		{"partial capture then rest", []call{{"capture", map[string]any{"orderLines": []any{product}}}, {"capture", nil}},
			amounts{35050, 0, 35050, 0, 0}, refActs, mapi.LogCapture, 1, []string{"CAPTURE", "CAPTURE"}},
		{"full cancel", []call{{"cancel", map[string]any{}}},
			amounts{35050, 0, 0, 0, 35050}, []mapi.ActionType{}, mapi.LogCancel, 2, []string{"CANCEL"}},
		{"cancel one line", []call{{"cancel", map[string]any{"orderLines": []any{shipping}}}},
			amounts{35050, 30150, 0, 0, 4900}, authActs, mapi.LogCancel, 1, []string{"CANCEL"}},
		{"capture then full refund", []call{{"capture", nil}, {"refund", map[string]any{}}},
			amounts{35050, 0, 35050, 35050, 0}, []mapi.ActionType{}, mapi.LogRefund, 2, []string{"CAPTURE", "REFUND"}},
		{"capture then refund one line", []call{{"capture", nil}, {"refund", map[string]any{"orderLines": []any{shipping}}}},
			amounts{35050, 0, 35050, 4900, 0}, refActs, mapi.LogRefund, 1, []string{"CAPTURE", "REFUND"}},
		{"capture one, cancel rest", []call{{"capture", map[string]any{"orderLines": []any{product}}}, {"cancel", nil}},
			amounts{35050, 0, 30150, 0, 4900}, refActs, mapi.LogCancel, 1, []string{"CAPTURE", "CANCEL"}},
		{"add lines", []call{{"order", map[string]any{"orderLines": []any{shipping}, "creator": "kassa"}}},
			amounts{39950, 39950, 0, 0, 0}, authActs, mapi.LogModifyOrder, 1, []string{"MODIFY_ORDER"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := newEnv(t, mapisim.Options{})
			id := e.accepted()
			var p mapi.Payment
			for _, cl := range c.calls {
				body := cl.body
				if body == nil {
					body = ""
				}
				e.must(http.StatusOK, "POST", "/v2/payments/"+id+"/"+cl.path, body, &p)
			}
			if diff := cmp.Diff(c.want, amountsOf(p)); diff != "" {
				t.Errorf("amounts (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(c.actions, actionsOf(p), cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("possibleActions (-want +got):\n%s", diff)
			}
			last := p.Order.ActionLog[len(p.Order.ActionLog)-1]
			if last.Type != c.lastLog || len(last.OrderLines) != c.lines || len(p.Order.ActionLog) != len(c.calls)+1 {
				t.Errorf("actionLog %d entries, last %s with %d lines; want %d entries, last %s with %d lines",
					len(p.Order.ActionLog), last.Type, len(last.OrderLines), len(c.calls)+1, c.lastLog, c.lines)
			}
			var one mapi.ActionLog
			e.must(http.StatusOK, "GET", "/v2/payments/"+id+"/actions/"+last.ActionID, nil, &one)
			if diff := cmp.Diff(last, one); diff != "" {
				t.Errorf("GET action (-want +got):\n%s", diff)
			}
			e.sim.Flush()
			if diff := cmp.Diff(append([]string{"AUTHORIZED"}, c.mgmt...), e.cb.statuses()); diff != "" {
				t.Errorf("callbacks (-want +got):\n%s", diff)
			}
		})
	}
}

func TestAfterShopRefusals(t *testing.T) {
	big := map[string]any{"description": "Too much", "quantity": 1, "quantityUnit": "st", "vatRate": 25, "totalAmountIncludingVat": 400}
	cases := []struct {
		name   string
		setup  []string // paths called before, each must succeed
		path   string
		body   any
		status int
		msg    string
	}{
		{"capture more than authorized", nil, "capture", map[string]any{"orderLines": []any{big}}, 400, "Cannot capture"},
		{"refund before capture", nil, "refund", map[string]any{}, 400, "Nothing has been captured"},
		{"refund more than captured", []string{"capture"}, "refund", map[string]any{"orderLines": []any{big}}, 400, "Cannot refund"},
		{"refund twice", []string{"capture", "refund"}, "refund", map[string]any{}, 400, "Nothing to refund"},
		{"cancel with nothing authorized", []string{"cancel"}, "cancel", map[string]any{}, 400, "Nothing to cancel"},
		{"capture after full capture", []string{"capture"}, "capture", map[string]any{}, 400, "Nothing to capture"},
		{"add lines over max limit", nil, "order", map[string]any{"orderLines": []any{map[string]any{"description": "x",
			"quantity": 1, "quantityUnit": "st", "vatRate": 25, "totalAmountIncludingVat": 49700}}}, 400, "maximum purchase limit"},
		{"bad line decimals", nil, "capture", `{"orderLines":[{"description":"x","quantity":1,"quantityUnit":"st","vatRate":25,"totalAmountIncludingVat":1.005}]}`,
			400, "orderLines[0].totalAmountIncludingVat"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := newEnv(t, mapisim.Options{})
			id := e.accepted()
			for _, s := range c.setup {
				e.must(http.StatusOK, "POST", "/v2/payments/"+id+"/"+s, "", nil)
			}
			before := e.get(id)
			status, body := e.do("POST", "/v2/payments/"+id+"/"+c.path, c.body)
			if status != c.status || !strings.Contains(string(body), c.msg) {
				t.Errorf("got %d %s, want %d containing %q", status, body, c.status, c.msg)
			}
			assertErrorBody(t, body)
			if diff := cmp.Diff(before, e.get(id)); diff != "" {
				t.Errorf("refused call changed the payment (-before +after):\n%s", diff)
			}
		})
	}
}

func TestAfterShopOnNonAccepted(t *testing.T) {
	e := newEnv(t, mapisim.Options{})
	frozen := e.create(e.createReq("198209123705"))
	e.sign(frozen.ID, mapisim.Approve)
	pending := e.create(e.createReq("198305147715"))
	for _, id := range []string{frozen.ID, pending.ID} {
		for _, path := range []string{"capture", "cancel", "refund"} {
			status, body := e.do("POST", "/v2/payments/"+id+"/"+path, map[string]any{})
			if status != http.StatusBadRequest || !strings.Contains(string(body), "not possible") {
				t.Errorf("%s on %s: %d %s, want 400", path, id, status, body)
			}
		}
	}
}

func TestTransactionIDReuse(t *testing.T) {
	e := newEnv(t, mapisim.Options{})
	id := e.accepted()
	e.must(http.StatusOK, "POST", "/v2/payments/"+id+"/capture", map[string]any{"transactionId": "T1", "orderLines": []any{product}}, nil)
	status, body := e.do("POST", "/v2/payments/"+id+"/capture", map[string]any{"transactionId": "T1", "orderLines": []any{shipping}})
	if status != http.StatusConflict {
		t.Errorf("reused transactionId: %d %s, want 409", status, body)
	}
	// The same id on another action type is a different action.
	e.must(http.StatusOK, "POST", "/v2/payments/"+id+"/refund", map[string]any{"transactionId": "T1"}, nil)
	p := e.get(id)
	if got := p.Order.FindAction("T1"); got == nil || got.Type != mapi.LogCapture {
		t.Errorf("FindAction(T1) = %+v, want the capture", got)
	}
	if p.Order.CapturedAmount != 30150 || p.Order.RefundedAmount != 30150 {
		t.Errorf("captured %s refunded %s, want 301.50 both", p.Order.CapturedAmount, p.Order.RefundedAmount)
	}
}

func TestPortal(t *testing.T) {
	e := newEnv(t, mapisim.Options{})
	id := e.accepted()
	p, err := e.sim.Portal(id, mapi.LogCapture, nil)
	if err != nil {
		t.Fatal(err)
	}
	last := p.Order.ActionLog[len(p.Order.ActionLog)-1]
	if last.Creator == nil || *last.Creator != mapisim.PortalCreator || p.Order.CapturedAmount != 35050 {
		t.Errorf("portal capture: creator %v captured %s", last.Creator, p.Order.CapturedAmount)
	}
	e.sim.Flush()
	got := e.cb.received()
	var mc mapi.ManagementCallback
	if err := json.Unmarshal([]byte(got[len(got)-1].Body), &mc); err != nil {
		t.Fatal(err)
	}
	if mc.Action != mapi.ManagementCapture || mc.ActionID != last.ActionID || mc.PaymentID != id {
		t.Errorf("management callback %+v, want CAPTURE of %s", mc, last.ActionID)
	}
	if got[len(got)-1].Query != "type=MANAGEMENT" {
		t.Errorf("callback query %q, want the one given at create", got[len(got)-1].Query)
	}
	if _, err := e.sim.Portal(id, mapi.LogCapture, nil); err == nil {
		t.Error("second full capture in the portal: no error")
	}
	if _, err := e.sim.Portal("nope", mapi.LogCapture, nil); err != mapisim.ErrNotFound {
		t.Errorf("unknown payment: %v", err)
	}
}

// assertErrorBody checks the shape of an error answer (docs/mapi.md §Errors).
func assertErrorBody(t *testing.T, body []byte) {
	t.Helper()
	var eb struct {
		Code, Message, Timestamp, TraceID string
	}
	if err := json.Unmarshal(body, &eb); err != nil || eb.Code == "" || eb.Message == "" || eb.TraceID == "" || eb.Timestamp == "" {
		t.Errorf("not a MAPI error body: %s (%v)", body, err)
	}
}
