package web_test

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kassa-dev/kassa"
)

// readmeStatus is one status the README's API tables promise: the call
// ("POST /api/orders") and one item of its status column ("409 not enough
// stock").
type readmeStatus struct{ call, item string }

// readmeStatuses reads the status columns of the README's API tables.
func readmeStatuses(t *testing.T) []readmeStatus {
	t.Helper()
	b, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	callRe := regexp.MustCompile("^`([A-Z]+ [^`?]+)")
	var out []readmeStatus
	status := -1 // the status column of the table being read
	for line := range strings.Lines(string(b)) {
		cells := tableCells(line)
		switch {
		case cells == nil:
			status = -1
		case slices.Contains(cells, "status"):
			status = slices.Index(cells, "status")
		case status >= 0 && status < len(cells):
			m := callRe.FindStringSubmatch(cells[0])
			if m == nil {
				continue // the header's rule
			}
			for item := range strings.SplitSeq(cells[status], ";") {
				out = append(out, readmeStatus{call: m[1], item: strings.TrimSpace(item)})
			}
		}
	}
	return out
}

// tableCells splits a Markdown table row into its trimmed cells (an
// escaped \| stays in its cell), or returns nil for any other line.
func tableCells(line string) []string {
	line = strings.TrimSpace(line)
	if !strings.HasPrefix(line, "|") {
		return nil
	}
	line = strings.ReplaceAll(strings.Trim(line, "|"), `\|`, "\x00")
	var cells []string
	for c := range strings.SplitSeq(line, "|") {
		cells = append(cells, strings.ReplaceAll(strings.TrimSpace(c), "\x00", "|"))
	}
	return cells
}

// TestREADMEStatuses drives every status code the README's API tables
// promise through the real handlers, and fails when the README promises
// a status that no scenario here produces, or a scenario's status is not
// in the README: a README change without a code change fails, and so does
// the reverse.
func TestREADMEStatuses(t *testing.T) {
	t.Parallel()
	st := newStack(t)
	c := client(t)
	creds := map[string]string{"Authorization": "Basic " +
		base64.StdEncoding.EncodeToString([]byte("admin:"+adminPassword))}
	call := func(method, path, body string, header map[string]string) int {
		t.Helper()
		h := map[string]string{}
		if body != "" {
			h["Content-Type"] = "application/json"
		}
		for k, v := range header {
			h[k] = v
		}
		resp, _ := do(t, c, method, st.URL+path, strings.NewReader(body), h)
		return resp.StatusCode
	}
	with := func(k, v string) map[string]string {
		h := map[string]string{k: v}
		for k, v := range creds {
			h[k] = v
		}
		return h
	}
	placed, _ := placeAPIOrder(t, st, personaAccepted)
	order := "/api/orders/" + itoa(placed.ID)
	order1 := mustJSON(t, orderJSON(personaAccepted))
	tooMany := orderJSON(personaAccepted)
	tooMany["lines"] = []any{map[string]any{"sku": "BOOK-002", "quantity": 4}} // 3 in stock
	unknownSKU := orderJSON(personaAccepted)
	unknownSKU["lines"] = []any{map[string]any{"sku": "NOPE-001", "quantity": 1}}
	claimed := claimKey(t, st, "POST /api/orders\ncrashed", order1)
	capture, cancel, modify := paidOrder(t, st), paidOrder(t, st), paidOrder(t, st)
	admin := func(o *kassa.Order, verb string) string { return "/api/admin/orders/" + itoa(o.ID) + "/" + verb }

	// The scenarios run in this order: some rely on an earlier one (the
	// replay on the placement, the refund on the capture, the refused
	// captures on the capture not having run yet).
	scenarios := []struct {
		readmeStatus
		run func() int
	}{
		{readmeStatus{"GET /api/openapi.json", "200"}, func() int { return call("GET", "/api/openapi.json", "", nil) }},
		{readmeStatus{"GET /api/products", "200"}, func() int { return call("GET", "/api/products", "", nil) }},
		{readmeStatus{"GET /api/payment-methods", "200"}, func() int {
			return call("GET", "/api/payment-methods?amount=598.00&customerType=NATURAL", "", nil)
		}},
		{readmeStatus{"GET /api/payment-methods", "422 bad amount or customer type"}, func() int {
			return call("GET", "/api/payment-methods?amount=598.00&customerType=ALIEN", "", nil)
		}},
		{readmeStatus{"POST /api/orders", "201 placed"}, func() int {
			return call("POST", "/api/orders", order1, map[string]string{"Idempotency-Key": "readme-1"})
		}},
		{readmeStatus{"POST /api/orders", "201 same key and body, replayed"}, func() int {
			return call("POST", "/api/orders", order1, map[string]string{"Idempotency-Key": "readme-1"})
		}},
		{readmeStatus{"POST /api/orders", "422 invalid input"}, func() int {
			return call("POST", "/api/orders", `{"lines":[]}`, nil)
		}},
		{readmeStatus{"POST /api/orders", "422 unknown SKU"}, func() int {
			return call("POST", "/api/orders", mustJSON(t, unknownSKU), nil)
		}},
		{readmeStatus{"POST /api/orders", "409 not enough stock"}, func() int {
			return call("POST", "/api/orders", mustJSON(t, tooMany), nil)
		}},
		{readmeStatus{"POST /api/orders", "409 same key, other body"}, func() int {
			return call("POST", "/api/orders", mustJSON(t, tooMany), map[string]string{"Idempotency-Key": "readme-1"})
		}},
		{readmeStatus{"POST /api/orders", "409 key claimed, no answer"}, func() int {
			return call("POST", "/api/orders", order1, map[string]string{"Idempotency-Key": claimed})
		}},
		{readmeStatus{"POST /api/orders", "400 not JSON"}, func() int {
			return call("POST", "/api/orders", `{"lines":[`, nil)
		}},
		{readmeStatus{"POST /api/orders", "415 not sent as JSON"}, func() int {
			return call("POST", "/api/orders", order1, map[string]string{"Content-Type": "text/plain"})
		}},
		{readmeStatus{"POST /api/orders", "413 body over 64 KiB"}, func() int {
			return call("POST", "/api/orders", `{"x":"`+strings.Repeat("a", 65<<10)+`"}`, nil)
		}},
		{readmeStatus{"GET /api/orders/{id}", "200"}, func() int {
			return call("GET", order+"?key="+placed.Key, "", nil)
		}},
		{readmeStatus{"GET /api/orders/{id}", "404 wrong key"}, func() int {
			return call("GET", order+"?key=wrong", "", nil)
		}},
		{readmeStatus{"GET /api/orders/{id}", "404 unknown order"}, func() int {
			return call("GET", "/api/orders/999999?key="+placed.Key, "", nil)
		}},
		{readmeStatus{"GET /api/admin/orders", "200"}, func() int {
			return call("GET", "/api/admin/orders?status=processing", "", creds)
		}},
		{readmeStatus{"GET /api/admin/orders", "401 no credentials"}, func() int {
			return call("GET", "/api/admin/orders", "", nil)
		}},
		{readmeStatus{"GET /api/admin/orders", "422 bad filter"}, func() int {
			return call("GET", "/api/admin/orders?limit=0", "", creds)
		}},
		{readmeStatus{"GET /api/admin/orders/{id}", "200"}, func() int {
			return call("GET", "/api/admin/orders/"+itoa(placed.ID), "", creds)
		}},
		{readmeStatus{"GET /api/admin/orders/{id}", "404 unknown order"}, func() int {
			return call("GET", "/api/admin/orders/999999", "", creds)
		}},
		{readmeStatus{"POST /api/admin/orders/{id}/sync", "200"}, func() int {
			return call("POST", "/api/admin/orders/"+itoa(placed.ID)+"/sync", "", creds)
		}},
		{readmeStatus{"POST /api/admin/orders/{id}/sync", "404 unknown order"}, func() int {
			return call("POST", "/api/admin/orders/999999/sync", "", creds)
		}},
		{readmeStatus{"GET /api/admin/callbacks", "200"}, func() int {
			return call("GET", "/api/admin/callbacks?state=processed", "", creds)
		}},
		{readmeStatus{"GET /api/admin/callbacks", "422 bad filter"}, func() int {
			return call("GET", "/api/admin/callbacks?state=bogus", "", creds)
		}},
		{readmeStatus{"GET /api/admin/products", "200"}, func() int {
			return call("GET", "/api/admin/products?q=book&active=true", "", creds)
		}},
		{readmeStatus{"PUT /api/admin/products/{sku}", "201 created"}, func() int {
			return call("PUT", "/api/admin/products/README-1", `{"name":"Readme","price":"10.00","vatRate":25,"stock":3}`, creds)
		}},
		{readmeStatus{"PUT /api/admin/products/{sku}", "200 replaced"}, func() int {
			return call("PUT", "/api/admin/products/README-1", `{"name":"Readme","price":"12.00","vatRate":25}`, creds)
		}},
		{readmeStatus{"PUT /api/admin/products/{sku}", "422 invalid (field errors), nothing written"}, func() int {
			return call("PUT", "/api/admin/products/README-2", `{"name":"Readme"}`, creds)
		}},
		{readmeStatus{"GET /api/admin/products/{sku}", "200"}, func() int {
			return call("GET", "/api/admin/products/README-1", "", creds)
		}},
		{readmeStatus{"GET /api/admin/products/{sku}", "404 unknown product"}, func() int {
			return call("GET", "/api/admin/products/README-2", "", creds)
		}},
		{readmeStatus{"PATCH /api/admin/products/{sku}", "200"}, func() int {
			return call("PATCH", "/api/admin/products/README-1", `{"stockChange":-1,"reason":"damaged"}`, creds)
		}},
		{readmeStatus{"PATCH /api/admin/products/{sku}", "404 unknown product"}, func() int {
			return call("PATCH", "/api/admin/products/README-2", `{"price":"1.00"}`, creds)
		}},
		{readmeStatus{"PATCH /api/admin/products/{sku}", "409 stock would go below 0"}, func() int {
			return call("PATCH", "/api/admin/products/README-1", `{"stockChange":-3}`, creds)
		}},
		{readmeStatus{"PATCH /api/admin/products/{sku}", "422 invalid"}, func() int {
			return call("PATCH", "/api/admin/products/README-1", `{"vatRate":101}`, creds)
		}},
		{readmeStatus{"DELETE /api/admin/products/{sku}", "200"}, func() int {
			return call("DELETE", "/api/admin/products/README-1", "", creds)
		}},
		{readmeStatus{"DELETE /api/admin/products/{sku}", "404 unknown product"}, func() int {
			return call("DELETE", "/api/admin/products/README-2", "", creds)
		}},
		{readmeStatus{"GET /api/admin/pricing", "200"}, func() int { return call("GET", "/api/admin/pricing", "", creds) }},
		{readmeStatus{"PUT /api/admin/pricing", "422 invalid (field errors), nothing saved"}, func() int {
			return call("PUT", "/api/admin/pricing", `{"shippingOptions":[]}`, creds)
		}},
		{readmeStatus{"PUT /api/admin/pricing", "200"}, func() int {
			return call("PUT", "/api/admin/pricing", `{"shippingOptions":[{"id":"postnord","name":"PostNord","price":"49.00","vatRate":25}],
				"freeShippingFrom":"500.00","paymentFees":{"c0de5e00-0000-4000-8000-000000000001":{"name":"Invoice fee","amount":"29.00","vatRate":25}}}`, creds)
		}},
		{readmeStatus{"PUT /api/admin/discounts/{code}", "201 created"}, func() int {
			return call("PUT", "/api/admin/discounts/README10", `{"percent":10,"usageLimit":100,"validUntil":"2099-01-01T00:00:00Z"}`, creds)
		}},
		{readmeStatus{"PUT /api/admin/discounts/{code}", "200 replaced"}, func() int {
			return call("PUT", "/api/admin/discounts/readme10", `{"amount":"50.00","minOrder":"400.00"}`, creds)
		}},
		{readmeStatus{"PUT /api/admin/discounts/{code}", "422 invalid (field errors), nothing written"}, func() int {
			return call("PUT", "/api/admin/discounts/README20", `{"percent":10,"amount":"5.00"}`, creds)
		}},
		{readmeStatus{"GET /api/admin/discounts", "200"}, func() int { return call("GET", "/api/admin/discounts", "", creds) }},
		{readmeStatus{"GET /api/admin/discounts/{code}", "200"}, func() int {
			return call("GET", "/api/admin/discounts/README10", "", creds)
		}},
		{readmeStatus{"GET /api/admin/discounts/{code}", "404 unknown code"}, func() int {
			return call("GET", "/api/admin/discounts/NOPE", "", creds)
		}},
		{readmeStatus{"DELETE /api/admin/discounts/{code}", "204"}, func() int {
			return call("DELETE", "/api/admin/discounts/README10", "", creds)
		}},
		{readmeStatus{"DELETE /api/admin/discounts/{code}", "404 unknown code"}, func() int {
			return call("DELETE", "/api/admin/discounts/README10", "", creds)
		}},
		{readmeStatus{"POST /api/admin/orders/{id}/capture", "409 not paid"}, func() int {
			return call("POST", "/api/admin/orders/"+itoa(placed.ID)+"/capture", `{"all":true}`, creds)
		}},
		{readmeStatus{"POST /api/admin/orders/{id}/cancel", "200 pending, cancelled in the shop"}, func() int {
			return call("POST", "/api/admin/orders/"+itoa(placed.ID)+"/cancel", `{"all":true}`, creds)
		}},
		{readmeStatus{"POST /api/admin/orders/{id}/capture", "422 nothing named"}, func() int {
			return call("POST", admin(capture, "capture"), `{"lines":[]}`, creds)
		}},
		{readmeStatus{"POST /api/admin/orders/{id}/cancel", "422 nothing named"}, func() int {
			return call("POST", admin(cancel, "cancel"), "{}", creds)
		}},
		{readmeStatus{"POST /api/admin/orders/{id}/capture", "415 not JSON"}, func() int {
			return call("POST", admin(capture, "capture"), "{}", with("Content-Type", "text/plain"))
		}},
		{readmeStatus{"POST /api/admin/orders/{id}/capture", "403 cross-origin"}, func() int {
			return call("POST", admin(capture, "capture"), "{}", with("Sec-Fetch-Site", "cross-site"))
		}},
		{readmeStatus{"POST /api/admin/orders/{id}/capture", "200"}, func() int {
			return call("POST", admin(capture, "capture"), `{"all":true}`, creds)
		}},
		{readmeStatus{"POST /api/admin/orders/{id}/refund", "422 nothing named"}, func() int {
			return call("POST", admin(capture, "refund"), "{}", creds)
		}},
		{readmeStatus{"POST /api/admin/orders/{id}/refund", "200"}, func() int {
			return call("POST", admin(capture, "refund"), `{"amount":"100.00"}`, creds)
		}},
		{readmeStatus{"POST /api/admin/orders/{id}/cancel", "200"}, func() int {
			return call("POST", admin(cancel, "cancel"), `{"all":true}`, creds)
		}},
		{readmeStatus{"POST /api/admin/orders/{id}/lines", "409 above the authorization"}, func() int {
			return call("POST", admin(modify, "lines"), `{"lines":[{"sku":"BOOK-001","quantity":5}]}`, creds)
		}},
		{readmeStatus{"POST /api/admin/orders/{id}/lines", "200"}, func() int {
			return call("POST", admin(modify, "lines"), `{"lines":[{"sku":"BOOK-001","quantity":1}]}`, creds)
		}},
		{readmeStatus{"GET /api/admin/actions", "200"}, func() int {
			return call("GET", "/api/admin/actions?state=failed", "", creds)
		}},
		{readmeStatus{"GET /api/admin/actions", "422 bad filter"}, func() int {
			return call("GET", "/api/admin/actions?state=bogus", "", creds)
		}},
		{readmeStatus{"POST /api/admin/actions/{id}/retry", "404 unknown action"}, func() int {
			return call("POST", "/api/admin/actions/999999/retry", "", creds)
		}},
		{readmeStatus{"POST /api/admin/webhooks", "201"}, func() int {
			return call("POST", "/api/admin/webhooks", `{"url":"http://127.0.0.1:9/hooks"}`, creds)
		}},
		{readmeStatus{"POST /api/admin/webhooks", "422 bad URL or event type"}, func() int {
			return call("POST", "/api/admin/webhooks", `{"url":"http://127.0.0.1:9/","events":["order.eaten"]}`, creds)
		}},
		{readmeStatus{"GET /api/admin/webhooks", "200"}, func() int { return call("GET", "/api/admin/webhooks", "", creds) }},
		{readmeStatus{"GET /api/admin/webhooks/{id}", "200"}, func() int { return call("GET", "/api/admin/webhooks/1", "", creds) }},
		{readmeStatus{"GET /api/admin/webhooks/{id}", "404 unknown endpoint"}, func() int {
			return call("GET", "/api/admin/webhooks/999", "", creds)
		}},
		{readmeStatus{"POST /api/checkouts", "201 created"}, func() int {
			return call("POST", "/api/checkouts", mustJSON(t, merchantCheckout("R-1")), creds)
		}},
		{readmeStatus{"POST /api/checkouts", "422 lines not adding up"}, func() int {
			bad := merchantCheckout("R-2")
			bad["total"] = "1.00"
			return call("POST", "/api/checkouts", mustJSON(t, bad), creds)
		}},
		{readmeStatus{"POST /api/checkouts", "401 no key"}, func() int {
			return call("POST", "/api/checkouts", mustJSON(t, merchantCheckout("R-3")), nil)
		}},
		{readmeStatus{"GET /api/checkouts/{id}", "200"}, func() int {
			list, _, _ := st.DB.Orders(context.Background(), kassa.OrderFilter{Query: "R-1"})
			return call("GET", "/api/checkouts/"+itoa(list[0].ID), "", creds)
		}},
		{readmeStatus{"GET /api/checkouts/{id}", "404 not a checkout"}, func() int {
			return call("GET", "/api/checkouts/"+itoa(placed.ID), "", creds)
		}},
		{readmeStatus{"GET /api/admin/webhooks/{id}/deliveries", "200"}, func() int {
			return call("GET", "/api/admin/webhooks/1/deliveries?state=queued", "", creds)
		}},
		{readmeStatus{"GET /api/admin/webhooks/{id}/deliveries", "422 bad filter"}, func() int {
			return call("GET", "/api/admin/webhooks/1/deliveries?state=eaten", "", creds)
		}},
		{readmeStatus{"POST /api/admin/webhook-deliveries/{id}/resend", "200"}, func() int {
			ds, _, _ := st.DB.WebhookDeliveries(context.Background(), kassa.WebhookDeliveryFilter{EndpointID: 1})
			return call("POST", "/api/admin/webhook-deliveries/"+itoa(ds[0].ID)+"/resend", "", creds)
		}},
		{readmeStatus{"POST /api/admin/webhook-deliveries/{id}/resend", "404 unknown delivery"}, func() int {
			return call("POST", "/api/admin/webhook-deliveries/999/resend", "", creds)
		}},
		{readmeStatus{"PATCH /api/admin/webhooks/{id}", "200"}, func() int {
			return call("PATCH", "/api/admin/webhooks/1", `{"enabled":false}`, creds)
		}},
		{readmeStatus{"DELETE /api/admin/webhooks/{id}", "204"}, func() int {
			return call("DELETE", "/api/admin/webhooks/1", "", creds)
		}},
	}

	promised := readmeStatuses(t)
	if len(promised) == 0 {
		t.Fatal("no status column found in the README's API tables")
	}
	var driven []readmeStatus
	for _, sc := range scenarios {
		driven = append(driven, sc.readmeStatus)
		if !slices.Contains(promised, sc.readmeStatus) {
			t.Errorf("%s → %q: driven here, not in the README's API tables", sc.call, sc.item)
			continue
		}
		want, _, _ := strings.Cut(sc.item, " ")
		if got := itoa(int64(sc.run())); got != want {
			t.Errorf("%s → %q: status %s", sc.call, sc.item, got)
		}
	}
	for _, p := range promised {
		if !slices.Contains(driven, p) {
			t.Errorf("%s → %q: promised by the README, no scenario drives it", p.call, p.item)
		}
	}
}

// claimKey stores a claim without an answer for the idempotency key
// stored as key, as a request cut off by a crash leaves it, and returns
// the Idempotency-Key header that names it.
func claimKey(t *testing.T, st *stack, key, body string) string {
	t.Helper()
	now := time.Now()
	a := kassa.Answer{Key: key, BodyHash: sha256.Sum256([]byte(body)), At: now}
	if _, _, err := st.DB.ClaimAnswer(context.Background(), a, time.Time{}, now.Add(-24*time.Hour)); err != nil {
		t.Fatal(err)
	}
	_, header, _ := strings.Cut(key, "\n")
	return header
}
