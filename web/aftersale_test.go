package web_test

import (
	"context"
	"encoding/base64"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/kassa-dev/kassa"
	"github.com/kassa-dev/kassa/mapi"
)

// paidOrder places an order for 2 × BOOK-001 (598.00) through the API and
// has the customer approve it.
func paidOrder(t *testing.T, st *stack) *kassa.Order {
	t.Helper()
	_, o := placeAPIOrder(t, st, personaAccepted)
	if _, err := st.Sim.Sign(o.PaymentID, "approve"); err != nil {
		t.Fatal(err)
	}
	return waitStatus(t, st.DB, o.ID, kassa.StatusProcessing)
}

// bankLog counts the entries of type typ in the payment's actionLog.
func bankLog(t *testing.T, st *stack, o *kassa.Order, typ mapi.ActionLogType) int {
	t.Helper()
	p, ok := st.Sim.Payment(o.PaymentID)
	if !ok {
		t.Fatalf("payment %s unknown to the simulator", o.PaymentID)
	}
	n := 0
	for _, l := range p.Order.ActionLog {
		if l.Type == typ {
			n++
		}
	}
	return n
}

type actionAnswer struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	Order   struct {
		Status   string `json:"status"`
		Captured string `json:"captured"`
		Refunded string `json:"refunded"`
	} `json:"order"`
	Action struct {
		ID            int64  `json:"id"`
		TransactionID string `json:"transactionId"`
		State         string `json:"state"`
		Amount        string `json:"amount"`
	} `json:"action"`
}

func TestAPIAfterSale(t *testing.T) {
	t.Parallel()
	st := newStack(t)
	o := paidOrder(t, st)
	c := client(t)
	base := st.URL + "/api/admin/orders/" + itoa(o.ID)
	auth := func(h map[string]string) map[string]string {
		req, _ := http.NewRequest(http.MethodGet, "/", nil)
		req.SetBasicAuth("admin", adminPassword)
		h["Authorization"] = req.Header.Get("Authorization")
		return h
	}

	if resp, _ := postJSON(t, c, base+"/capture", `{}`, nil); resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("capture without credentials: %d, want 401", resp.StatusCode)
	}
	if n := bankLog(t, st, o, mapi.LogCapture); n != 0 {
		t.Fatalf("an unauthenticated capture reached the bank (%d)", n)
	}

	one := `{"lines":[{"sku":"BOOK-001","quantity":1}]}`
	resp, body := postJSON(t, c, base+"/capture", one, auth(map[string]string{"Idempotency-Key": "cap-1"}))
	var got actionAnswer
	decode(t, body, &got)
	if resp.StatusCode != http.StatusOK || got.Action.State != "succeeded" || got.Order.Status != "processing" ||
		got.Order.Captured != "299.00" || got.Action.TransactionID != o.Number+"-capture-1" {
		t.Fatalf("partial capture: %d %s", resp.StatusCode, body)
	}
	resp, again := postJSON(t, c, base+"/capture", one, auth(map[string]string{"Idempotency-Key": "cap-1"}))
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Idempotent-Replayed") != "true" || again != body {
		t.Fatalf("replayed capture: %d %q %s", resp.StatusCode, resp.Header.Get("Idempotent-Replayed"), again)
	}
	if n := bankLog(t, st, o, mapi.LogCapture); n != 1 {
		t.Fatalf("%d CAPTURE entries after a replayed request, want 1", n)
	}
	if resp, _ := postJSON(t, c, base+"/capture", `{}`, auth(map[string]string{"Idempotency-Key": "cap-1"})); resp.StatusCode != http.StatusConflict {
		t.Fatalf("same key, other body: %d, want 409", resp.StatusCode)
	}

	for name, bad := range map[string]string{
		"nothing said": `{}`,
		"empty lines":  `{"lines":[]}`,
		"null lines":   `{"lines":null}`,
		"all false":    `{"all":false}`,
		"an amount":    `{"amount":"1.00"}`,
	} {
		for _, verb := range []string{"capture", "cancel"} {
			if resp, body := postJSON(t, c, base+"/"+verb, bad, auth(map[string]string{})); resp.StatusCode != http.StatusUnprocessableEntity {
				t.Errorf("%s %s: %d %s, want 422", verb, name, resp.StatusCode, body)
			}
		}
	}
	if n := bankLog(t, st, o, mapi.LogCapture) + bankLog(t, st, o, mapi.LogCancel); n != 1 {
		t.Fatalf("%d CAPTURE and CANCEL entries after refused requests, want the 1 capture", n)
	}
	resp, body = postJSON(t, c, base+"/capture", `{"all":true}`, auth(map[string]string{}))
	decode(t, body, &got)
	if resp.StatusCode != http.StatusOK || got.Order.Status != "completed" || got.Order.Captured != "598.00" {
		t.Fatalf("capture the rest: %d %s", resp.StatusCode, body)
	}

	for name, bad := range map[string]string{
		"nothing said":  `{}`,
		"too many":      `{"lines":[{"sku":"BOOK-001","quantity":5}]}`,
		"bad amount":    `{"amount":"12.345"}`,
		"unknown field": `{"amount":"10.00","everything":true}`,
	} {
		if resp, body := postJSON(t, c, base+"/refund", bad, auth(map[string]string{})); resp.StatusCode != http.StatusUnprocessableEntity {
			t.Fatalf("refund %s: %d %s, want 422", name, resp.StatusCode, body)
		}
	}
	resp, body = postJSON(t, c, base+"/refund", `{"amount":"50.00"}`, auth(map[string]string{}))
	decode(t, body, &got)
	if resp.StatusCode != http.StatusOK || got.Order.Refunded != "50.00" || got.Order.Status != "completed" {
		t.Fatalf("refund 50.00: %d %s", resp.StatusCode, body)
	}
	if n := bankLog(t, st, o, mapi.LogRefund); n != 1 {
		t.Fatalf("%d REFUND entries, want 1", n)
	}

	resp, body = do(t, c, http.MethodGet, st.URL+"/api/admin/actions?order="+itoa(o.ID), nil, auth(map[string]string{}))
	var list struct {
		Actions []struct {
			Kind  string `json:"kind"`
			State string `json:"state"`
		} `json:"actions"`
		Total int `json:"total"`
	}
	decode(t, body, &list)
	if resp.StatusCode != http.StatusOK || list.Total != 3 {
		t.Fatalf("actions of the order: %d %s; want 3", resp.StatusCode, body)
	}
}

func TestAdminAfterSaleForms(t *testing.T) {
	t.Parallel()
	st := newStack(t)
	o := paidOrder(t, st)
	c := client(t)
	csrf := login(t, c, st.URL)
	page := st.URL + "/admin/orders/" + itoa(o.ID)

	if resp, _ := postForm(t, c, page+"/capture", url.Values{"all": {"1"}}); resp.StatusCode != http.StatusForbidden {
		t.Fatalf("capture without CSRF token: %d, want 403", resp.StatusCode)
	}
	if n := bankLog(t, st, o, mapi.LogCapture); n != 0 {
		t.Fatalf("a capture without CSRF token reached the bank (%d)", n)
	}
	resp, body := postForm(t, c, page+"/refund", url.Values{"csrf": {csrf}})
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "Enter a quantity") {
		t.Fatalf("empty refund form: %d; want 422 with a message", resp.StatusCode)
	}
	resp, _ = postForm(t, c, page+"/capture", url.Values{"csrf": {csrf}, "all": {"1"}})
	if resp.StatusCode != http.StatusSeeOther || !strings.Contains(resp.Header.Get("Location"), "?done=") {
		t.Fatalf("complete: %d → %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	_, body = do(t, c, http.MethodGet, st.URL+resp.Header.Get("Location"), nil, nil)
	if !strings.Contains(body, "Resurs Bank accepted the capture") || !strings.Contains(body, o.Number+"-capture-1") {
		t.Fatal("the order page does not confirm the capture")
	}
	waitStatus(t, st.DB, o.ID, kassa.StatusCompleted)

	resp, _ = postForm(t, c, page+"/refund", url.Values{"csrf": {csrf}, "qty.BOOK-001": {"1"}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("refund one line: %d", resp.StatusCode)
	}
	got, err := st.DB.Order(context.Background(), o.ID)
	if err != nil || got.Refunded != 29900 || got.Status != kassa.StatusCompleted {
		t.Fatalf("after refunding a line: %+v, %v; want 299.00 refunded, completed", got, err)
	}
	resp, body = postForm(t, c, page+"/refund", url.Values{"csrf": {csrf}, "qty.BOOK-001": {"2"}})
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "Only 1 of 2") {
		t.Fatalf("refund beyond what is left: %d; want 422 naming what is left", resp.StatusCode)
	}
	_, body = do(t, c, http.MethodGet, st.URL+"/admin/actions?state=succeeded", nil, nil)
	if !strings.Contains(body, o.Number+"-refund-1") {
		t.Fatal("the actions page does not list the refund")
	}
}

// TestBrowserAdminCapturesAndRefunds: an admin completes a paid order and
// sees it captured, then refunds one line and sees the refunded amount.
func TestBrowserAdminCapturesAndRefunds(t *testing.T) {
	t.Parallel()
	ctx := browser(t, 1280, 900, 90*time.Second)
	st := newStack(t)
	o := paidOrder(t, st)
	step(t, ctx, "admin login",
		chromedp.Navigate(st.URL+"/admin/orders/"+itoa(o.ID)),
		chromedp.WaitVisible(chromedp.CSS(`#password`)),
		chromedp.SendKeys(chromedp.CSS(`#password`), adminPassword),
		chromedp.Submit(chromedp.CSS(`#password`)),
		chromedp.WaitVisible(chromedp.CSS(`#complete`)))
	step(t, ctx, "complete the order",
		chromedp.Click(chromedp.CSS(`#complete`)),
		chromedp.WaitVisible(chromedp.CSS(`tr[data-tx="`+o.Number+`-capture-1"]`)))
	if msg := textOf(t, ctx, "p.alert.ok"); !strings.Contains(msg, "accepted the capture") {
		t.Fatalf("notice after completing: %q", msg)
	}
	if h := textOf(t, ctx, "h1"); !strings.Contains(h, "completed") {
		t.Fatalf("order heading after completing: %q, want completed", h)
	}
	if amounts := textOf(t, ctx, "#payment dl.facts"); !strings.Contains(amounts, "captured 598,00") {
		t.Fatalf("payment panel after completing: %q, want captured 598,00", amounts)
	}
	step(t, ctx, "refund one line",
		chromedp.SendKeys(chromedp.CSS(`#qty-BOOK-001`), "1"),
		chromedp.Click(chromedp.CSS(`#refund-lines`)),
		chromedp.WaitVisible(chromedp.CSS(`tr[data-tx="`+o.Number+`-refund-1"]`)))
	if msg := textOf(t, ctx, "p.alert.ok"); !strings.Contains(msg, "accepted the refund") {
		t.Fatalf("notice after refunding: %q", msg)
	}
	if table := textOf(t, ctx, "#actions"); !strings.Contains(table, o.Number+"-refund-1") || !strings.Contains(table, "299,00") {
		t.Fatalf("actions table after refunding: %q", table)
	}
	if amounts := textOf(t, ctx, "#payment dl.facts"); !strings.Contains(amounts, "refunded 299,00") {
		t.Fatalf("payment panel after refunding: %q, want refunded 299,00", amounts)
	}
	screenshot(t, ctx, "admin-aftersale.png")
}

func TestAPIModify(t *testing.T) {
	t.Parallel()
	st := newStack(t)
	o := paidOrder(t, st) // 2 × BOOK-001, 598.00
	c := client(t)
	h := map[string]string{"Idempotency-Key": "mod-1"}
	req, _ := http.NewRequest(http.MethodGet, "/", nil)
	req.SetBasicAuth("admin", adminPassword)
	h["Authorization"] = req.Header.Get("Authorization")
	u := st.URL + "/api/admin/orders/" + itoa(o.ID) + "/lines"

	resp, body := postJSON(t, c, u, `{"lines":[{"sku":"BOOK-001","quantity":5}]}`, map[string]string{"Authorization": h["Authorization"]})
	if resp.StatusCode != http.StatusConflict || !strings.Contains(body, "authorized") {
		t.Fatalf("modify above the authorization: %d %s, want 409", resp.StatusCode, body)
	}
	resp, body = postJSON(t, c, u, `{"lines":[{"sku":"BOOK-001","quantity":1}]}`, h)
	var got struct {
		Order struct {
			Status, Total, Authorized string
			Lines                     []struct{ SKU string }
		} `json:"order"`
		Action struct{ State string } `json:"action"`
	}
	decode(t, body, &got)
	if resp.StatusCode != http.StatusOK || got.Action.State != "succeeded" || got.Order.Total != "348.00" ||
		got.Order.Authorized != "348.00" || got.Order.Status != "processing" || len(got.Order.Lines) != 2 {
		t.Fatalf("modify to one book: %d %s", resp.StatusCode, body)
	}
	if n := bankLog(t, st, o, mapi.LogModifyOrder); n != 1 {
		t.Fatalf("%d MODIFY_ORDER entries, want 1", n)
	}
}

// TestAdminAPICSRF: a browser sends cached Basic credentials with a request
// another site makes it send, so the admin API refuses writes that are
// cross-origin or not JSON, and none of them reaches the bank.
func TestAdminAPICSRF(t *testing.T) {
	t.Parallel()
	st := newStack(t)
	o := paidOrder(t, st)
	c := client(t)
	u := st.URL + "/api/admin/orders/" + itoa(o.ID) + "/capture"
	creds := "Basic " + base64.StdEncoding.EncodeToString([]byte("admin:"+adminPassword))
	jsonType := "application/json"
	for _, tc := range []struct {
		name   string
		header map[string]string
		want   int
	}{
		{"Sec-Fetch-Site cross-site", map[string]string{"Content-Type": jsonType, "Sec-Fetch-Site": "cross-site"}, http.StatusForbidden},
		{"Sec-Fetch-Site same-site", map[string]string{"Content-Type": jsonType, "Sec-Fetch-Site": "same-site"}, http.StatusForbidden},
		{"foreign Origin", map[string]string{"Content-Type": jsonType, "Origin": "https://evil.example"}, http.StatusForbidden},
		{"null Origin", map[string]string{"Content-Type": jsonType, "Origin": "null"}, http.StatusForbidden},
		{"text/plain body", map[string]string{"Content-Type": "text/plain"}, http.StatusUnsupportedMediaType},
		{"form body", map[string]string{"Content-Type": "application/x-www-form-urlencoded"}, http.StatusUnsupportedMediaType},
		{"no Content-Type", map[string]string{}, http.StatusUnsupportedMediaType},
	} {
		tc.header["Authorization"] = creds
		resp, body := do(t, c, http.MethodPost, u, strings.NewReader(`{}`), tc.header)
		if resp.StatusCode != tc.want {
			t.Errorf("%s: %d %s, want %d", tc.name, resp.StatusCode, body, tc.want)
		}
	}
	if n := bankLog(t, st, o, mapi.LogCapture); n != 0 {
		t.Fatalf("a refused request captured the payment (%d CAPTURE entries)", n)
	}
	// Reads stay open to any caller with credentials; so does a same-origin
	// write with a JSON body.
	resp, body := do(t, c, http.MethodGet, st.URL+"/api/admin/orders/"+itoa(o.ID), nil,
		map[string]string{"Authorization": creds, "Sec-Fetch-Site": "cross-site"})
	if resp.StatusCode != http.StatusOK {
		t.Errorf("cross-site read: %d %s, want 200", resp.StatusCode, body)
	}
	resp, body = do(t, c, http.MethodPost, u, strings.NewReader(`{"all":true}`), map[string]string{"Authorization": creds,
		"Content-Type": "application/json; charset=utf-8", "Origin": st.URL, "Sec-Fetch-Site": "same-origin"})
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("same-origin JSON capture: %d %s, want 200", resp.StatusCode, body)
	}
	if n := bankLog(t, st, o, mapi.LogCapture); n != 1 {
		t.Fatalf("%d CAPTURE entries after the accepted capture, want 1", n)
	}
}

// failedOrder places an order through the API as the rejected persona and
// has the customer sign it: Resurs declines it.
func failedOrder(t *testing.T, st *stack) *kassa.Order {
	t.Helper()
	_, o := placeAPIOrder(t, st, personaRejected)
	if _, err := st.Sim.Sign(o.PaymentID, "approve"); err != nil {
		t.Fatal(err)
	}
	return waitStatus(t, st.DB, o.ID, kassa.StatusFailed)
}

// TestAdminOrderOffersWhatThePaymentAllows: the order page shows an action
// only when the live payment allows it, says why the others are missing,
// and its "Possible actions" line names the same actions as its buttons.
func TestAdminOrderOffersWhatThePaymentAllows(t *testing.T) {
	t.Parallel()
	st := newStack(t)
	c := client(t)
	csrf := login(t, c, st.URL)
	paid, failed := paidOrder(t, st), failedOrder(t, st)
	_, pending := placeAPIOrder(t, st, personaAccepted)
	refunded := paidOrder(t, st)
	for _, verb := range []string{"capture", "refund"} {
		if resp, body := postForm(t, c, st.URL+"/admin/orders/"+itoa(refunded.ID)+"/"+verb,
			url.Values{"csrf": {csrf}, "all": {"1"}, "confirm": {"1"}}); resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("%s everything: %d %s", verb, resp.StatusCode, body)
		}
	}
	buttons := []string{`id="complete"`, `id="cancel-all"`, `id="refund-all"`, `id="cancel-order"`,
		`id="capture-lines"`, `id="cancel-lines"`, `id="refund-lines"`, `id="refund-amount"`, `id="modify"`}
	for _, tc := range []struct {
		name     string
		order    *kassa.Order
		offered  []string
		possible string
		why      string
	}{
		{"paid", paid, []string{`id="complete"`, `id="cancel-all"`, `id="capture-lines"`, `id="cancel-lines"`, `id="modify"`},
			"CAPTURE PARTIAL_CAPTURE CANCEL PARTIAL_CANCEL", "Nothing is left to refund"},
		{"failed", failed, nil, "none", "The payment is REJECTED at Resurs Bank"},
		{"pending", pending, []string{`id="cancel-order"`}, "CANCEL", ""},
		{"refunded", refunded, nil, "none", "Nothing is left to refund"},
	} {
		_, page := do(t, c, http.MethodGet, st.URL+"/admin/orders/"+itoa(tc.order.ID), nil, nil)
		for _, b := range buttons {
			if want := slices.Contains(tc.offered, b); strings.Contains(page, b) != want {
				t.Errorf("%s order: %s shown = %v, want %v", tc.name, b, !want, want)
			}
		}
		if got := possibleLine(page); got != tc.possible {
			t.Errorf("%s order: possible actions %q, want %q", tc.name, got, tc.possible)
		}
		if !strings.Contains(page, tc.why) {
			t.Errorf("%s order: the page does not say %q", tc.name, tc.why)
		}
	}
}

// possibleLine is the text of the order page's "Possible actions" line,
// its pills joined by spaces.
func possibleLine(page string) string {
	_, after, _ := strings.Cut(page, `<dd id="possible">`)
	line, _, _ := strings.Cut(after, "</dd>")
	line = regexp.MustCompile(`<[^>]+>`).ReplaceAllString(line, " ")
	return strings.Join(strings.Fields(line), " ")
}

// TestAdminConfirmsDestructiveActions: cancelling or refunding everything
// from the order page first shows the amount and acts only when confirmed.
func TestAdminConfirmsDestructiveActions(t *testing.T) {
	t.Parallel()
	st := newStack(t)
	c := client(t)
	csrf := login(t, c, st.URL)
	cancel, refund := paidOrder(t, st), paidOrder(t, st)
	base := func(o *kassa.Order) string { return st.URL + "/admin/orders/" + itoa(o.ID) }
	resp, page := postForm(t, c, base(refund)+"/refund", url.Values{"csrf": {csrf}, "all": {"1"}})
	if resp.StatusCode != http.StatusConflict || !strings.Contains(page, "Nothing is left to refund") {
		t.Fatalf("refund everything before a capture: %d; want 409 saying nothing is left", resp.StatusCode)
	}
	if resp, _ := postForm(t, c, base(refund)+"/capture", url.Values{"csrf": {csrf}, "all": {"1"}}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("complete: %d, want 303 without a confirmation", resp.StatusCode)
	}
	for _, tc := range []struct {
		order *kassa.Order
		verb  string
		typ   mapi.ActionLogType
		ask   string
		after kassa.Status
	}{
		{cancel, "cancel", mapi.LogCancel, "Yes, cancel 598,00\u00a0kr", kassa.StatusCancelled},
		{refund, "refund", mapi.LogRefund, "Yes, refund 598,00\u00a0kr", kassa.StatusRefunded},
	} {
		resp, page = postForm(t, c, base(tc.order)+"/"+tc.verb, url.Values{"csrf": {csrf}, "all": {"1"}})
		if resp.StatusCode != http.StatusOK || !strings.Contains(page, tc.ask) || !strings.Contains(page, `name="confirm" value="1"`) {
			t.Fatalf("%s everything: %d; want a confirmation page asking %q", tc.verb, resp.StatusCode, tc.ask)
		}
		if n := bankLog(t, st, tc.order, tc.typ); n != 0 {
			t.Fatalf("%s everything acted before it was confirmed (%d entries)", tc.verb, n)
		}
		resp, _ = postForm(t, c, base(tc.order)+"/"+tc.verb, url.Values{"csrf": {csrf}, "all": {"1"}, "confirm": {"1"}})
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("%s everything, confirmed: %d, want 303", tc.verb, resp.StatusCode)
		}
		waitStatus(t, st.DB, tc.order.ID, tc.after)
	}
}

// TestAdminRefundAmountTypedTheSwedishWay: the refund form takes 100,50
// and 1 000,50 as a person types them.
func TestAdminRefundAmountTypedTheSwedishWay(t *testing.T) {
	t.Parallel()
	st := newStack(t)
	c := client(t)
	csrf := login(t, c, st.URL)
	o := paidOrder(t, st)
	page := st.URL + "/admin/orders/" + itoa(o.ID)
	postForm(t, c, page+"/capture", url.Values{"csrf": {csrf}, "all": {"1"}})
	for _, typed := range []string{"100,50", "1\u00a000,50"} {
		resp, body := postForm(t, c, page+"/refund", url.Values{"csrf": {csrf}, "amount": {typed}})
		if typed == "100,50" && resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("refund %q: %d %s, want 303", typed, resp.StatusCode, body)
		}
		if typed != "100,50" && (resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "such as 100,50")) {
			t.Fatalf("refund %q: %d, want 422 with an example", typed, resp.StatusCode)
		}
	}
	resp, _ := postForm(t, c, page+"/refund", url.Values{"csrf": {csrf}, "amount": {"1 000,50"}})
	if resp.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("refund 1 000,50 of 598,00: %d, want 422 (more than captured)", resp.StatusCode)
	}
	if got, err := st.DB.Order(context.Background(), o.ID); err != nil || got.Refunded != 10050 {
		t.Fatalf("refunded %v, %v; want 100.50", got.Refunded, err)
	}
}

// TestAdminCancelPendingOrder: the owner can ask to cancel a pending order;
// while the customer can still sign, Resurs (the simulator) refuses, and
// the order is cancelled in the shop all the same: the page says so.
func TestAdminCancelPendingOrder(t *testing.T) {
	t.Parallel()
	st := newStack(t)
	c := client(t)
	csrf := login(t, c, st.URL)
	_, o := placeAPIOrder(t, st, personaAccepted)
	page := st.URL + "/admin/orders/" + itoa(o.ID)
	resp, body := postForm(t, c, page+"/cancel", url.Values{"csrf": {csrf}, "all": {"1"}})
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, "Cancel order "+o.Number+"?") ||
		!strings.Contains(body, "598,00\u00a0kr") {
		t.Fatalf("cancel a pending order: %d; want a confirmation naming the order and its total", resp.StatusCode)
	}
	resp, _ = postForm(t, c, page+"/cancel", url.Values{"csrf": {csrf}, "all": {"1"}, "confirm": {"1"}})
	if resp.StatusCode != http.StatusSeeOther || !strings.Contains(resp.Header.Get("Location"), "?done=") {
		t.Fatalf("cancel a signable pending order: %d → %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	if _, body = do(t, c, http.MethodGet, st.URL+resp.Header.Get("Location"), nil, nil); !strings.Contains(body, "the order is cancelled in the shop") {
		t.Fatal("the order page does not say the order is cancelled in the shop")
	}
	waitStatus(t, st.DB, o.ID, kassa.StatusCancelled)
}
