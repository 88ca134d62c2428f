package web_test

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/kassa-dev/kassa"
	"github.com/kassa-dev/kassa/mapi"
	"github.com/kassa-dev/kassa/mapisim"
	"github.com/kassa-dev/kassa/web"
)

func TestAPIProducts(t *testing.T) {
	t.Parallel()
	st := newStack(t)
	resp, body := do(t, client(t), http.MethodGet, st.URL+"/api/products", nil, nil)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d: %s", resp.StatusCode, body)
	}
	var got []struct {
		SKU, Name, Description, Price string
		VATRate                       json.Number
		Stock                         int64
	}
	decode(t, body, &got)
	want := kassa.DemoCatalog()
	if len(got) != len(want) {
		t.Fatalf("got %d products, want %d", len(got), len(want))
	}
	bySKU := map[string]kassa.Product{}
	for _, p := range want {
		bySKU[p.SKU] = p
	}
	for _, g := range got {
		w := bySKU[g.SKU]
		if g.Price != w.Price.String() || g.Name != w.Name || g.Stock != w.Stock {
			t.Errorf("%s: got %+v, want %+v", g.SKU, g, w)
		}
		if wantRate := map[int64]string{2500: "25", 1200: "12", 600: "6"}[w.VATRate]; string(g.VATRate) != wantRate {
			t.Errorf("%s: vatRate %s, want %s", g.SKU, g.VATRate, wantRate)
		}
	}
	// Amounts are strings with two decimals, never JSON numbers.
	if !strings.Contains(body, `"price": "`) {
		t.Errorf("price is not a string: %s", body)
	}
}

func TestAPIPaymentMethods(t *testing.T) {
	t.Parallel()
	st := newStack(t)
	c := client(t)
	resp, body := do(t, c, http.MethodGet, st.URL+"/api/payment-methods?amount=1299.00&customerType=NATURAL", nil, nil)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d: %s", resp.StatusCode, body)
	}
	var methods []struct {
		ID, Name, Type, MinPurchaseLimit, MaxPurchaseLimit string
		LegalLinks                                         []struct{ URL, Type string }
	}
	decode(t, body, &methods)
	ids := map[string]bool{}
	for _, m := range methods {
		ids[m.ID] = true
	}
	if !ids[mapisim.MethodInvoice] || !ids[mapisim.MethodPartPayment] {
		t.Errorf("invoice and part payment missing for 1299.00: %s", body)
	}
	// Part payment is for private persons only, and from 500 kr.
	_, body = do(t, c, http.MethodGet, st.URL+"/api/payment-methods?amount=1299&customerType=LEGAL", nil, nil)
	if strings.Contains(body, mapisim.MethodPartPayment) {
		t.Errorf("part payment offered to a company: %s", body)
	}
	_, body = do(t, c, http.MethodGet, st.URL+"/api/payment-methods?amount=100", nil, nil)
	if strings.Contains(body, mapisim.MethodPartPayment) {
		t.Errorf("part payment offered for 100 kr: %s", body)
	}

	for _, q := range []string{"", "amount=", "amount=abc", "amount=-1", "amount=0", "amount=1.234", "amount=1e3",
		"amount=100&customerType=ROBOT", "amount=99999999999999"} {
		resp, body := do(t, c, http.MethodGet, st.URL+"/api/payment-methods?"+q, nil, nil)
		if resp.StatusCode != http.StatusUnprocessableEntity {
			t.Errorf("%q: status %d, want 422", q, resp.StatusCode)
			continue
		}
		var e struct{ Errors []kassa.FieldError }
		decode(t, body, &e)
		if len(e.Errors) != 1 || (e.Errors[0].Field != "amount" && e.Errors[0].Field != "customerType") {
			t.Errorf("%q: errors %+v", q, e.Errors)
		}
	}
}

func TestAPICreateOrderInvalid(t *testing.T) {
	t.Parallel()
	st := newStack(t)
	c := client(t)
	tests := []struct {
		name   string
		mutate func(m map[string]any)
		raw    string // used instead of the mutated fixture when set
		field  string
	}{
		{name: "unknown top-level field", mutate: func(m map[string]any) { m["coupon"] = "FREE" }, field: "coupon"},
		{name: "unknown nested field", mutate: func(m map[string]any) { cust(m)["age"] = 40 }, field: "customer.age"},
		{name: "quantity as string", mutate: func(m map[string]any) {
			m["lines"] = []any{map[string]any{"sku": "BOOK-001", "quantity": "2"}}
		}, field: "lines.quantity"},
		{name: "no lines", mutate: func(m map[string]any) { m["lines"] = []any{} }, field: "lines"},
		{name: "zero quantity", mutate: func(m map[string]any) {
			m["lines"] = []any{map[string]any{"sku": "BOOK-001", "quantity": 0}}
		}, field: "lines[0].quantity"},
		{name: "quantity 100", mutate: func(m map[string]any) {
			m["lines"] = []any{map[string]any{"sku": "BOOK-001", "quantity": 100}}
		}, field: "lines[0].quantity"},
		{name: "bad e-mail", mutate: func(m map[string]any) { cust(m)["email"] = "not-an-email" }, field: "customer.email"},
		{name: "bad customer type", mutate: func(m map[string]any) { cust(m)["type"] = "ROBOT" }, field: "customer.type"},
		{name: "bad postal code", mutate: func(m map[string]any) { addr(m)["postalCode"] = "ABC" }, field: "customer.address.postalCode"},
		{name: "missing street", mutate: func(m map[string]any) { addr(m)["addressRow1"] = "" }, field: "customer.address.addressRow1"},
		{name: "missing payment method", mutate: func(m map[string]any) { m["paymentMethodId"] = "" }, field: "paymentMethodId"},
		{name: "language the shop does not speak", mutate: func(m map[string]any) { m["lang"] = "de" }, field: "lang"},
		{name: "language not a string", mutate: func(m map[string]any) { m["lang"] = 1 }, field: "lang"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body := tt.raw
			if body == "" {
				m := orderJSON(personaAccepted)
				tt.mutate(m)
				body = mustJSON(t, m)
			}
			resp, answer := postJSON(t, c, st.URL+"/api/orders", body, nil)
			if resp.StatusCode != http.StatusUnprocessableEntity {
				t.Fatalf("status %d, want 422: %s", resp.StatusCode, answer)
			}
			var e struct {
				Code   string
				Errors []kassa.FieldError
			}
			decode(t, answer, &e)
			if e.Code != kassa.EINVALID || !hasField(e.Errors, tt.field) {
				t.Errorf("code %q, errors %+v: want a field error on %q", e.Code, e.Errors, tt.field)
			}
		})
	}
	if _, n, err := st.DB.Orders(context.Background(), kassa.OrderFilter{}); err != nil || n != 0 {
		t.Errorf("orders after bad requests: %d (%v), want 0", n, err)
	}
	p, err := st.DB.Product(context.Background(), "BOOK-001")
	if err != nil || p.Stock != 25 {
		t.Errorf("stock of BOOK-001: %d (%v), want 25 untouched", p.Stock, err)
	}
}

func cust(m map[string]any) map[string]any { return m["customer"].(map[string]any) }
func addr(m map[string]any) map[string]any { return cust(m)["address"].(map[string]any) }

func hasField(errs []kassa.FieldError, field string) bool {
	for _, e := range errs {
		if e.Field == field {
			return true
		}
	}
	return false
}

type created struct {
	ID          int64
	Number      string
	Status      string
	Key         string
	RedirectURL string
}

func TestAPICreateOrderIdempotency(t *testing.T) {
	t.Parallel()
	st := newStack(t)
	c := client(t)
	body := mustJSON(t, orderJSON(personaAccepted))
	key := map[string]string{"Idempotency-Key": "order-42"}

	resp1, a1 := postJSON(t, c, st.URL+"/api/orders", body, key)
	resp2, a2 := postJSON(t, c, st.URL+"/api/orders", body, key)
	if resp1.StatusCode != http.StatusCreated || resp2.StatusCode != http.StatusCreated {
		t.Fatalf("statuses %d, %d: %s", resp1.StatusCode, resp2.StatusCode, a1)
	}
	var o1, o2 created
	decode(t, a1, &o1)
	decode(t, a2, &o2)
	if diff := cmp.Diff(o1, o2); diff != "" {
		t.Errorf("replayed answer differs (-first +second):\n%s", diff)
	}
	if resp2.Header.Get("Idempotent-Replayed") != "true" {
		t.Error("replay not marked")
	}
	other := orderJSON(personaAccepted)
	other["lines"] = []any{map[string]any{"sku": "BOOK-001", "quantity": 1}}
	resp3, a3 := postJSON(t, c, st.URL+"/api/orders", mustJSON(t, other), key)
	if resp3.StatusCode != http.StatusConflict {
		t.Errorf("same key, other body: status %d, want 409: %s", resp3.StatusCode, a3)
	}
	if _, n, _ := st.DB.Orders(context.Background(), kassa.OrderFilter{}); n != 1 {
		t.Errorf("%d orders, want 1", n)
	}
	if got := len(st.Sim.Payments()); got != 1 {
		t.Errorf("%d payments at the bank, want 1", got)
	}
	// Without a key, the same body is a new order.
	resp4, _ := postJSON(t, c, st.URL+"/api/orders", body, nil)
	if resp4.StatusCode != http.StatusCreated {
		t.Errorf("no key: status %d", resp4.StatusCode)
	}
}

func TestAPICreateOrderTooLarge(t *testing.T) {
	t.Parallel()
	st := newStack(t)
	body := `{"lines":[],"pad":"` + strings.Repeat("x", 70<<10) + `"}`
	resp, answer := postJSON(t, client(t), st.URL+"/api/orders", body, nil)
	if resp.StatusCode != http.StatusRequestEntityTooLarge {
		t.Errorf("status %d, want 413: %.200s", resp.StatusCode, answer)
	}
}

func TestAPIOrderKey(t *testing.T) {
	t.Parallel()
	st := newStack(t)
	c := client(t)
	_, answer := postJSON(t, c, st.URL+"/api/orders", mustJSON(t, orderJSON(personaAccepted)), nil)
	var o created
	decode(t, answer, &o)

	resp, body := do(t, c, http.MethodGet, st.URL+"/api/orders/"+itoa(o.ID)+"?key="+o.Key, nil, nil)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("good key: status %d: %s", resp.StatusCode, body)
	}
	var view struct {
		Number, Status, Total string
		Lines                 []struct{ SKU string }
		Events                []struct{ To string }
	}
	decode(t, body, &view)
	if view.Number != o.Number || view.Total != "598.00" || len(view.Lines) != 1 || len(view.Events) == 0 {
		t.Errorf("order view: %+v", view)
	}
	respBad, bodyBad := do(t, c, http.MethodGet, st.URL+"/api/orders/"+itoa(o.ID)+"?key=wrong", nil, nil)
	respNone, bodyNone := do(t, c, http.MethodGet, st.URL+"/api/orders/999999?key=wrong", nil, nil)
	if respBad.StatusCode != http.StatusNotFound || respNone.StatusCode != http.StatusNotFound {
		t.Errorf("statuses %d and %d, want 404 both", respBad.StatusCode, respNone.StatusCode)
	}
	if bodyBad != bodyNone {
		t.Errorf("a bad key reveals the order exists:\n%s\nvs\n%s", bodyBad, bodyNone)
	}
}

func TestAdminAPIAuth(t *testing.T) {
	t.Parallel()
	st := newStack(t)
	c := client(t)
	for _, path := range []string{"/api/admin/orders", "/api/admin/orders/1", "/api/admin/callbacks"} {
		resp, _ := do(t, c, http.MethodGet, st.URL+path, nil, nil)
		if resp.StatusCode != http.StatusUnauthorized || resp.Header.Get("WWW-Authenticate") == "" {
			t.Errorf("%s without credentials: %d", path, resp.StatusCode)
		}
		req, _ := http.NewRequest(http.MethodGet, st.URL+path, nil)
		req.SetBasicAuth("admin", "wrong")
		if resp, err := c.Do(req); err != nil || resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("%s with a wrong password: %v %v", path, resp.StatusCode, err)
		}
	}
	resp, _ := do(t, c, http.MethodPost, st.URL+"/api/admin/orders/1/sync", nil, nil)
	if resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("sync without credentials: %d", resp.StatusCode)
	}

	_, answer := postJSON(t, c, st.URL+"/api/orders", mustJSON(t, orderJSON(personaAccepted)), nil)
	var o created
	decode(t, answer, &o)
	auth := func(method, path string) (*http.Response, string) {
		req, _ := http.NewRequest(method, st.URL+path, nil)
		req.SetBasicAuth("admin", adminPassword)
		resp, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		if err != nil {
			t.Fatal(err)
		}
		return resp, string(b)
	}
	resp, body := auth(http.MethodGet, "/api/admin/orders?status=pending&q="+o.Number)
	var list struct {
		Orders []struct {
			Number   string
			Customer struct{ GovernmentID string }
		}
		Total int
	}
	decode(t, body, &list)
	if resp.StatusCode != http.StatusOK || list.Total != 1 || list.Orders[0].Number != o.Number {
		t.Fatalf("admin list: %d %s", resp.StatusCode, body)
	}
	if got := list.Orders[0].Customer.GovernmentID; got != "********7715" {
		t.Errorf("government id shown as %q, want masked", got)
	}
	resp, body = auth(http.MethodPost, "/api/admin/orders/"+itoa(o.ID)+"/sync")
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, `"source": "api"`) {
		t.Errorf("admin sync: %d %s", resp.StatusCode, body)
	}
	if resp, _ := auth(http.MethodGet, "/api/admin/orders?status=bogus"); resp.StatusCode != http.StatusUnprocessableEntity {
		t.Errorf("bad status filter: %d", resp.StatusCode)
	}
}

// TestAPICreateOrderIdempotencyConcurrent: ten simultaneous requests with
// one key create one order, and all get its answer.
func TestAPICreateOrderIdempotencyConcurrent(t *testing.T) {
	t.Parallel()
	st := newStack(t)
	body := mustJSON(t, orderJSON(personaAccepted))
	var wg sync.WaitGroup
	answers := make([]created, 10)
	statuses := make([]int, 10)
	for i := range answers {
		wg.Go(func() {
			req, _ := http.NewRequest(http.MethodPost, st.URL+"/api/orders", strings.NewReader(body))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Idempotency-Key", "same")
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Error(err)
				return
			}
			defer resp.Body.Close()
			statuses[i] = resp.StatusCode
			if err := json.NewDecoder(resp.Body).Decode(&answers[i]); err != nil {
				t.Errorf("answer %d: decode: %v", i, err)
			}
		})
	}
	wg.Wait()
	if answers[0].ID == 0 {
		t.Fatalf("answer 0 has no order id: %+v", answers[0])
	}
	for i := range answers {
		if statuses[i] != http.StatusCreated || answers[i] != answers[0] {
			t.Errorf("answer %d: %d %+v, want 201 %+v", i, statuses[i], answers[i], answers[0])
		}
	}
	if _, n, _ := st.DB.Orders(context.Background(), kassa.OrderFilter{}); n != 1 {
		t.Errorf("%d orders, want 1", n)
	}
}

// restarted serves a second web server over st's store and engine, as the
// shop after a restart would (its idempotency memory is empty), with the
// clock now. It returns its base URL.
func restarted(t *testing.T, st *stack, now func() time.Time) string {
	t.Helper()
	bank := mapi.New(mapi.Config{BaseURL: st.URL + "/sim", ClientID: mapisim.DefaultClientID,
		ClientSecret: mapisim.DefaultClientSecret})
	w, err := web.New(web.Config{Engine: st.Engine, Store: st.DB, Bank: bank, StoreID: mapisim.DefaultStoreID,
		BaseURL: st.URL, AdminPassword: adminPassword, Now: now})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(w.Handler())
	t.Cleanup(srv.Close)
	return srv.URL
}

// TestAPIIdempotencySurvivesRestart: the answer of a request with an
// Idempotency-Key is kept in the store, so the same request sent to the
// shop after a restart gets it again and places no second order; another
// body with that key is still refused. Once the answer is older than a
// day, the key may be used again.
func TestAPIIdempotencySurvivesRestart(t *testing.T) {
	t.Parallel()
	st := newStack(t)
	c := client(t)
	body := mustJSON(t, orderJSON(personaAccepted))
	key := map[string]string{"Idempotency-Key": "order-restart"}
	resp1, a1 := postJSON(t, c, st.URL+"/api/orders", body, key)
	if resp1.StatusCode != http.StatusCreated {
		t.Fatalf("first request: %d %s", resp1.StatusCode, a1)
	}

	clock := time.Now()
	url2 := restarted(t, st, func() time.Time { return clock })
	resp2, a2 := postJSON(t, c, url2+"/api/orders", body, key)
	if resp2.StatusCode != http.StatusCreated || resp2.Header.Get("Idempotent-Replayed") != "true" || a2 != a1 {
		t.Fatalf("after the restart: %d replayed=%q %s; want 201, the first answer %s",
			resp2.StatusCode, resp2.Header.Get("Idempotent-Replayed"), a2, a1)
	}
	other := orderJSON(personaAccepted)
	other["lines"] = []any{map[string]any{"sku": "BOOK-001", "quantity": 1}}
	if resp, a := postJSON(t, c, url2+"/api/orders", mustJSON(t, other), key); resp.StatusCode != http.StatusConflict {
		t.Errorf("after the restart, same key, other body: %d %s, want 409", resp.StatusCode, a)
	}
	if _, n, _ := st.DB.Orders(context.Background(), kassa.OrderFilter{}); n != 1 {
		t.Fatalf("%d orders, want 1", n)
	}

	// Another order 23.5 hours later runs the hourly purge of old answers
	// (the first one is not old yet), so that 40 minutes later, when it
	// is, the purge is not due and begin itself must clear the old answer.
	clock = clock.Add(23*time.Hour + 30*time.Minute)
	if resp, a := postJSON(t, c, url2+"/api/orders", body, map[string]string{"Idempotency-Key": "filler"}); resp.StatusCode != http.StatusCreated {
		t.Fatalf("another key: %d %s", resp.StatusCode, a)
	}
	clock = clock.Add(40 * time.Minute)
	resp3, a3 := postJSON(t, c, url2+"/api/orders", body, key)
	if resp3.StatusCode != http.StatusCreated || resp3.Header.Get("Idempotent-Replayed") != "" || a3 == a1 {
		t.Fatalf("a day later: %d replayed=%q %s; want a new order", resp3.StatusCode,
			resp3.Header.Get("Idempotent-Replayed"), a3)
	}
	resp4, a4 := postJSON(t, c, url2+"/api/orders", body, key)
	if resp4.Header.Get("Idempotent-Replayed") != "true" || a4 != a3 {
		t.Fatalf("the key's new answer is not kept: %d %s, want %s", resp4.StatusCode, a4, a3)
	}
	if _, n, _ := st.DB.Orders(context.Background(), kassa.OrderFilter{}); n != 3 {
		t.Fatalf("%d orders, want 3 (the first, the other key's, the reused key's)", n)
	}
}

// TestAPIIdempotencyInterrupted: a key whose request claimed it but
// stored no answer (its process died while it ran) is refused with 409,
// and nothing runs again, as long as the claim could belong to a request
// still running. Placing an order then runs again once the claim is stale;
// a capture never does (a second run could capture or refund twice).
func TestAPIIdempotencyInterrupted(t *testing.T) {
	t.Parallel()
	st := newStack(t)
	c := client(t)
	ctx := context.Background()
	clock := time.Now()
	url2 := restarted(t, st, func() time.Time { return clock })
	claim := func(key, body string) {
		t.Helper()
		a := kassa.Answer{Key: key, BodyHash: sha256.Sum256([]byte(body)), At: clock}
		if _, claimed, err := st.DB.ClaimAnswer(ctx, a, time.Time{}, time.Time{}); err != nil || !claimed {
			t.Fatalf("claim %q: %v, %v", key, claimed, err)
		}
	}
	orders := func() int {
		_, n, err := st.DB.Orders(ctx, kassa.OrderFilter{})
		if err != nil {
			t.Fatal(err)
		}
		return n
	}

	body := mustJSON(t, orderJSON(personaAccepted))
	claim("POST /api/orders\ncrashed-1", body)
	key := map[string]string{"Idempotency-Key": "crashed-1"}
	resp, a := postJSON(t, c, url2+"/api/orders", body, key)
	if resp.StatusCode != http.StatusConflict || !strings.Contains(a, "interrupted") || orders() != 0 {
		t.Fatalf("retry of an interrupted order: %d %s, %d orders; want 409 saying it was interrupted, no order",
			resp.StatusCode, a, orders())
	}
	clock = clock.Add(6 * time.Minute)
	resp, a = postJSON(t, c, url2+"/api/orders", body, key)
	if resp.StatusCode != http.StatusCreated || orders() != 1 {
		t.Fatalf("retry once the claim is stale: %d %s, %d orders; want 201 and one order", resp.StatusCode, a, orders())
	}
	if again, b := postJSON(t, c, url2+"/api/orders", body, key); again.Header.Get("Idempotent-Replayed") != "true" || b != a {
		t.Fatalf("the rerun's answer is not kept: %d %s", again.StatusCode, b)
	}

	path := "/api/admin/orders/4711/capture"
	claim("POST "+path+"\ncap-crashed", "{}")
	clock = clock.Add(time.Hour)
	req, _ := http.NewRequest(http.MethodGet, "/", nil)
	req.SetBasicAuth("admin", adminPassword)
	hdr := map[string]string{"Idempotency-Key": "cap-crashed", "Authorization": req.Header.Get("Authorization")}
	if resp, a := postJSON(t, c, url2+path, "{}", hdr); resp.StatusCode != http.StatusConflict || !strings.Contains(a, "interrupted") {
		t.Fatalf("retry of an interrupted capture an hour later: %d %s; want 409 saying it was interrupted", resp.StatusCode, a)
	}
}
