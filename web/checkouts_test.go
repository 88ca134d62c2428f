package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/kassa-dev/kassa"
)

// merchantCheckout is a checkout a merchant's shop sends: its own lines
// (SKUs the catalog does not know), shipping and a discount.
func merchantCheckout(ref string) map[string]any {
	return map[string]any{
		"reference": ref,
		"lines": []any{
			map[string]any{"type": "product", "sku": "MUG-RED", "description": "Red mug", "quantity": 2, "unitPrice": "149.00", "vatRate": 25},
			map[string]any{"type": "shipping", "description": "Postnord", "quantity": 1, "unitPrice": "49.00", "vatRate": 25},
			map[string]any{"type": "discount", "sku": "SPRING10", "description": "Spring discount", "quantity": 1, "unitPrice": "-29.80", "vatRate": 25},
		},
		"total":      "317.20",
		"customer":   map[string]any{"email": "vincent@example.com"},
		"successUrl": "https://shop.example/thanks?lang=sv",
		"failUrl":    "https://shop.example/cart",
		"metadata":   map[string]any{"cart": "c-17"},
	}
}

type checkoutAnswer struct {
	ID                  int64
	Number, Status, URL string
	Reference, Total    string
	SuccessURL, FailURL string
	Metadata            map[string]string
	Order               *struct{ Status, Total string }
}

// createCheckout posts body to /api/checkouts with key.
func postCheckout(t *testing.T, st *stack, key, body string, header map[string]string) (*http.Response, string) {
	t.Helper()
	h := map[string]string{"Authorization": "Bearer " + key}
	for k, v := range header {
		h[k] = v
	}
	return postJSON(t, client(t), st.URL+"/api/checkouts", body, h)
}

// TestHostedCheckout: a merchant creates a checkout with its own lines and a
// discount; the shopper opens its URL, sees exactly those lines, fills in
// the form, signs at the simulator and is sent on to the merchant's
// successUrl with the order id and reference; the API reads the outcome.
func TestHostedCheckout(t *testing.T) {
	t.Parallel()
	st := newStack(t)
	key, _ := createKey(t, st, "shop")
	resp, body := postCheckout(t, st, key, mustJSON(t, merchantCheckout("Shop-4711")), map[string]string{"Idempotency-Key": "c1"})
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("POST /api/checkouts: %d %s", resp.StatusCode, body)
	}
	var a checkoutAnswer
	decode(t, body, &a)
	if a.Status != "pending" || a.Total != "317.20" || a.Reference != "Shop-4711" || !strings.HasPrefix(a.URL, st.URL+"/checkout/hosted/") {
		t.Fatalf("answer %+v", a)
	}
	if resp, again := postCheckout(t, st, key, mustJSON(t, merchantCheckout("Shop-4711")), map[string]string{"Idempotency-Key": "c1"}); resp.StatusCode != http.StatusCreated || again != body {
		t.Fatalf("the same key again: %d, same answer %v", resp.StatusCode, again == body)
	}
	if n := len(orders(t, st)); n != 1 {
		t.Fatalf("%d orders after a retried POST, want 1", n)
	}
	if p, err := st.DB.Product(t.Context(), "BOOK-001"); err != nil || p.Stock != 25 {
		t.Fatalf("catalog stock touched: %+v %v", p, err)
	}

	c := client(t)
	resp, page := do(t, c, http.MethodGet, a.URL, nil, nil)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("hosted page: %d", resp.StatusCode)
	}
	wantSays(t, "the hosted checkout", page, []string{"2 × Red mug", "Postnord", "Spring discount", "317,20", "vincent@example.com"},
		"Change the cart")
	if resp, _ := do(t, c, http.MethodGet, strings.Replace(a.URL, "key=", "key=x", 1), nil, nil); resp.StatusCode != http.StatusNotFound {
		t.Errorf("hosted page with a wrong key: %d, want 404", resp.StatusCode)
	}

	form := checkoutForm(personaAccepted)
	form.Del("terms")
	resp, page = postForm(t, c, a.URL, form)
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(page, "Red mug") {
		t.Fatalf("purchase without the terms: %d, want 422 with the form", resp.StatusCode)
	}
	bad := checkoutForm(personaAccepted)
	bad.Set("customer.address.postalCode", "x")
	if resp, _ = postForm(t, c, a.URL, bad); resp.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("purchase with a bad postal code: %d, want 422", resp.StatusCode)
	}
	resp, _ = postForm(t, c, a.URL, checkoutForm(personaAccepted))
	sign := resp.Header.Get("Location")
	if resp.StatusCode != http.StatusSeeOther || !strings.Contains(sign, "/sim/sign/") {
		t.Fatalf("purchase: %d to %q, want the signing page", resp.StatusCode, sign)
	}
	resp, _ = postForm(t, c, sign, url.Values{"decision": {"approve"}})
	_, page = do(t, c, http.MethodGet, resp.Header.Get("Location"), nil, nil)
	want := "https://shop.example/thanks?lang=sv&amp;orderId=" + itoa(a.ID) + "&amp;reference=Shop-4711"
	if !strings.Contains(page, `href="`+want+`"`) || !strings.Contains(page, `http-equiv="refresh"`) {
		t.Fatalf("thank-you page does not send the shopper on to %s:\n%s", want, page)
	}
	o := waitStatus(t, st.DB, a.ID, kassa.StatusProcessing)
	if o.Customer.Address.LastName != "Alexandersson" || o.PaymentMethodID == "" {
		t.Fatalf("order after the purchase: %+v", o)
	}

	resp, body = do(t, client(t), http.MethodGet, st.URL+"/api/checkouts/"+itoa(a.ID), nil, map[string]string{"Authorization": "Bearer " + key})
	var got checkoutAnswer
	decode(t, body, &got)
	if resp.StatusCode != http.StatusOK || got.Status != "processing" || got.Order == nil || got.Metadata["cart"] != "c-17" {
		t.Fatalf("GET /api/checkouts: %d %s", resp.StatusCode, body)
	}
	_, body = bearerGet(t, client(t), st.URL+"/api/admin/orders?q=shop-4711", key)
	if !strings.Contains(body, `"reference": "Shop-4711"`) || !strings.Contains(body, `"total": 1`) {
		t.Fatalf("the admin order list does not find the reference:\n%s", body)
	}
	if resp, _ := postForm(t, c, a.URL, checkoutForm(personaAccepted)); resp.StatusCode != http.StatusSeeOther ||
		!strings.Contains(resp.Header.Get("Location"), "/return") {
		t.Fatalf("a second purchase of a paid checkout: %d to %q, want its outcome page", resp.StatusCode, resp.Header.Get("Location"))
	}
}

func TestCheckoutRefusesBadInput(t *testing.T) {
	t.Parallel()
	st := newStack(t)
	key, _ := createKey(t, st, "shop")
	mutate := func(f func(m map[string]any)) string {
		m := merchantCheckout("R")
		f(m)
		return mustJSON(t, m)
	}
	line := func(m map[string]any, i int) map[string]any { return m["lines"].([]any)[i].(map[string]any) }
	for name, tc := range map[string]struct {
		body, field string
	}{
		"lines do not add up": {mutate(func(m map[string]any) { m["total"] = "300.00" }), "total"},
		"unknown type":        {mutate(func(m map[string]any) { line(m, 0)["type"] = "gift" }), "lines[0].type"},
		"three decimals":      {mutate(func(m map[string]any) { line(m, 0)["unitPrice"] = "149.001" }), "lines[0].unitPrice"},
		"positive discount":   {mutate(func(m map[string]any) { line(m, 2)["unitPrice"] = "29.80" }), "lines[2].unitPrice"},
		"no lines":            {mutate(func(m map[string]any) { m["lines"] = []any{} }), "lines"},
		"discount over all":   {mutate(func(m map[string]any) { line(m, 2)["unitPrice"] = "-400.00"; delete(m, "total") }), "lines"},
		"no success URL":      {mutate(func(m map[string]any) { delete(m, "successUrl") }), "successUrl"},
		"relative fail URL":   {mutate(func(m map[string]any) { m["failUrl"] = "/cart" }), "failUrl"},
		"no description":      {mutate(func(m map[string]any) { line(m, 1)["description"] = " " }), "lines[1].description"},
		"quantity zero":       {mutate(func(m map[string]any) { line(m, 0)["quantity"] = 0 }), "lines[0].quantity"},
		"unknown field":       {mutate(func(m map[string]any) { m["colour"] = "red" }), "colour"},
	} {
		resp, body := postCheckout(t, st, key, tc.body, nil)
		if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, `"field": "`+tc.field+`"`) {
			t.Errorf("%s: %d %s; want 422 naming %s", name, resp.StatusCode, body, tc.field)
		}
	}
	if n := len(orders(t, st)); n != 0 {
		t.Fatalf("%d orders created by bad requests", n)
	}
	if resp, _ := postJSON(t, client(t), st.URL+"/api/checkouts", mustJSON(t, merchantCheckout("R")), nil); resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("no key: %d, want 401", resp.StatusCode)
	}
}
