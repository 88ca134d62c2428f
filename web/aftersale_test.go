package web_test

import (
	"context"
	"encoding/base64"
	"net/http"
	"net/url"
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

	resp, body = postJSON(t, c, base+"/capture", `{}`, auth(map[string]string{}))
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
	resp, body = do(t, c, http.MethodPost, u, strings.NewReader(`{}`), map[string]string{"Authorization": creds,
		"Content-Type": "application/json; charset=utf-8", "Origin": st.URL, "Sec-Fetch-Site": "same-origin"})
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("same-origin JSON capture: %d %s, want 200", resp.StatusCode, body)
	}
	if n := bankLog(t, st, o, mapi.LogCapture); n != 1 {
		t.Fatalf("%d CAPTURE entries after the accepted capture, want 1", n)
	}
}
