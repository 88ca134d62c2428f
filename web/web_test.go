package web_test

import (
	"context"
	"encoding/base64"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/kassa-dev/kassa"
	"github.com/kassa-dev/kassa/mapisim"
)

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// placeAPIOrder places an order through the JSON API and returns it as stored.
func placeAPIOrder(t testing.TB, st *stack, gid string) (created, *kassa.Order) {
	t.Helper()
	resp, answer := postJSON(t, client(t), st.URL+"/api/orders", mustJSON(t, orderJSON(gid)), nil)
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("place order: %d %s", resp.StatusCode, answer)
	}
	var c created
	decode(t, answer, &c)
	o, err := st.DB.Order(context.Background(), c.ID)
	if err != nil {
		t.Fatal(err)
	}
	return c, o
}

func TestCallbackEndpoints(t *testing.T) {
	t.Parallel()
	st := newStack(t)
	_, o := placeAPIOrder(t, st, personaAccepted)
	token := url.QueryEscape(fmt.Sprintf("%d.%s", o.ID, o.CallbackToken))
	good := fmt.Sprintf(`{"paymentId":%q,"status":"AUTHORIZED","created":"2026-01-02T10:00:00.000Z"}`, o.PaymentID)
	c := client(t)
	tests := []struct {
		name, kind, token, body string
		want                    int
	}{
		{"good", "authorization", token, good, http.StatusAccepted},
		{"duplicate", "authorization", token, good, http.StatusAccepted},
		{"bad token", "authorization", url.QueryEscape(fmt.Sprintf("%d.forged", o.ID)), good, http.StatusForbidden},
		{"missing token", "authorization", "", good, http.StatusForbidden},
		{"malformed body", "authorization", token, `{"paymentId":`, http.StatusBadRequest},
		{"not a uuid", "authorization", token, `{"paymentId":"x","status":"AUTHORIZED","created":"2026-01-02T10:00:00Z"}`, http.StatusBadRequest},
		{"oversized", "management", token, `{"pad":"` + strings.Repeat("x", 65<<10) + `"}`, http.StatusRequestEntityTooLarge},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, body := postJSON(t, c, st.URL+"/callbacks/resurs/"+tt.kind+"?t="+tt.token, tt.body, nil)
			if resp.StatusCode != tt.want {
				t.Errorf("status %d, want %d: %s", resp.StatusCode, tt.want, body)
			}
		})
	}
	// Forged and malformed callbacks changed nothing: the order is still
	// pending (nobody signed the payment).
	got, err := st.DB.Order(context.Background(), o.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != kassa.StatusPending {
		t.Errorf("status %s after callbacks for an unsigned payment, want pending", got.Status)
	}
	if resp, _ := do(t, c, http.MethodGet, st.URL+"/callbacks/resurs/authorization", nil, nil); resp.StatusCode < 400 {
		t.Errorf("GET on the callback URL: %d, want it refused", resp.StatusCode)
	}
}

func TestSecurityHeaders(t *testing.T) {
	t.Parallel()
	st := newStack(t)
	for _, path := range []string{"/", "/api/products", "/admin/login", "/no-such-page"} {
		resp, _ := do(t, client(t), http.MethodGet, st.URL+path, nil, nil)
		h := resp.Header
		csp := h.Get("Content-Security-Policy")
		if !strings.Contains(csp, "frame-ancestors 'none'") || !strings.Contains(csp, "script-src 'self'") ||
			strings.Contains(csp, "unsafe-inline") {
			t.Errorf("%s: CSP %q", path, csp)
		}
		if h.Get("X-Content-Type-Options") != "nosniff" || h.Get("Referrer-Policy") == "" {
			t.Errorf("%s: headers %v", path, h)
		}
	}
}

// TestPagesHaveLength checks that a rendered page longer than net/http
// buffers before it chunks (2 KB; the catalog) is sent with its length.
func TestPagesHaveLength(t *testing.T) {
	t.Parallel()
	st := newStack(t)
	resp, body := do(t, client(t), http.MethodGet, st.URL+"/", nil, nil)
	if len(body) <= 2048 {
		t.Fatalf("the catalog page is %d bytes: too short to tell", len(body))
	}
	if resp.ContentLength != int64(len(body)) || len(resp.TransferEncoding) != 0 {
		t.Errorf("Content-Length %d, Transfer-Encoding %v, body %d bytes",
			resp.ContentLength, resp.TransferEncoding, len(body))
	}
}

func TestAdminPagesNeedLogin(t *testing.T) {
	t.Parallel()
	st := newStack(t)
	c := client(t)
	for _, path := range []string{"/admin", "/admin/orders", "/admin/orders/1", "/admin/callbacks", "/admin/settings"} {
		resp, _ := do(t, c, http.MethodGet, st.URL+path, nil, nil)
		if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), "/admin/login") {
			t.Errorf("%s: %d %s, want a redirect to the login", path, resp.StatusCode, resp.Header.Get("Location"))
		}
	}
	resp, _ := postForm(t, c, st.URL+"/admin/orders/1/sync", url.Values{})
	if resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("POST without a session: %d, want 401", resp.StatusCode)
	}
	resp, body := postForm(t, c, st.URL+"/admin/login", url.Values{"password": {"wrong"}})
	if resp.StatusCode != http.StatusUnauthorized || !strings.Contains(body, "Wrong password") {
		t.Errorf("wrong password: %d", resp.StatusCode)
	}
	// Tampering with the session cookie logs out.
	u, _ := url.Parse(st.URL)
	c.Jar.SetCookies(u, []*http.Cookie{{Name: "kassa_admin", Value: "eyJpIjoieCIsImUiOjk5OTk5OTk5OTl9.forged", Path: "/"}})
	if resp, _ := do(t, c, http.MethodGet, st.URL+"/admin", nil, nil); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("forged session: %d, want a redirect", resp.StatusCode)
	}
}

func TestAdminLoginRateLimited(t *testing.T) {
	t.Parallel()
	st := newStack(t)
	c := client(t)
	var last int
	for range 11 {
		resp, _ := postForm(t, c, st.URL+"/admin/login", url.Values{"password": {"guess"}})
		last = resp.StatusCode
	}
	if last != http.StatusTooManyRequests {
		t.Errorf("11th wrong attempt: %d, want 429", last)
	}
	// Even the right password waits now.
	if resp, _ := postForm(t, c, st.URL+"/admin/login", url.Values{"password": {adminPassword}}); resp.StatusCode != http.StatusTooManyRequests {
		t.Errorf("right password while limited: %d, want 429", resp.StatusCode)
	}
}

func TestAdminCSRF(t *testing.T) {
	t.Parallel()
	st := newStack(t)
	created, o := placeAPIOrder(t, st, personaAccepted)
	c := client(t)
	csrf := login(t, c, st.URL)
	path := st.URL + "/admin/orders/" + itoa(o.ID) + "/sync"

	for _, token := range []string{"", "forged"} {
		resp, _ := postForm(t, c, path, url.Values{"csrf": {token}})
		if resp.StatusCode != http.StatusForbidden {
			t.Errorf("csrf %q: %d, want 403", token, resp.StatusCode)
		}
	}
	events, err := st.DB.Events(context.Background(), o.ID)
	if err != nil {
		t.Fatalf("events: %v", err)
	}
	for _, e := range events {
		if e.Source == kassa.SourceAdmin {
			t.Fatalf("a refused form synced the order: %+v", e)
		}
	}
	resp, _ := postForm(t, c, path, url.Values{"csrf": {csrf}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("with the token: %d, want 303", resp.StatusCode)
	}
	_, page := do(t, c, http.MethodGet, st.URL+resp.Header.Get("Location"), nil, nil)
	for _, want := range []string{created.Number, "Synced with Resurs", "Timeline", "admin", "••••••••7715"} {
		if !strings.Contains(page, want) {
			t.Errorf("order page lacks %q", want)
		}
	}
	if strings.Contains(page, personaAccepted) {
		t.Error("order page shows the full government id")
	}
	// The list finds it by number; the callbacks and settings pages render.
	_, page = do(t, c, http.MethodGet, st.URL+"/admin/orders?q="+created.Number, nil, nil)
	if !strings.Contains(page, "/admin/orders/"+itoa(o.ID)) {
		t.Error("search by number does not find the order")
	}
	for _, p := range []string{"/admin/callbacks", "/admin/settings", "/admin"} {
		if resp, _ := do(t, c, http.MethodGet, st.URL+p, nil, nil); resp.StatusCode != http.StatusOK {
			t.Errorf("%s: %d", p, resp.StatusCode)
		}
	}
}

var signRe = regexp.MustCompile(`/sim/sign/[0-9a-f-]+`)

// TestStorefrontFlow buys through the HTML pages with plain net/http:
// cart → checkout → Resurs signing page → thank-you page.
func TestStorefrontFlow(t *testing.T) {
	t.Parallel()
	st := newStack(t)
	c := client(t)
	resp, page := do(t, c, http.MethodGet, st.URL+"/", nil, nil)
	if resp.StatusCode != http.StatusOK || !strings.Contains(page, "Add to cart") {
		t.Fatalf("catalog: %d", resp.StatusCode)
	}
	if !strings.Contains(page, "/month") {
		t.Error("catalog shows no part-payment price")
	}
	resp, _ = postForm(t, c, st.URL+"/cart/items", url.Values{"sku": {"BOOK-001"}, "quantity": {"2"}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("add to cart: %d", resp.StatusCode)
	}
	_, page = do(t, c, http.MethodGet, st.URL+"/cart", nil, nil)
	if !strings.Contains(page, "598,00") {
		t.Errorf("cart does not show the total 598,00")
	}

	resp, page = postForm(t, c, st.URL+"/checkout", url.Values{"customer.type": {"NATURAL"},
		"customer.governmentId": {personaAccepted}, "action": {"address"}})
	_, page = follow(t, c, st, resp, page)
	if !strings.Contains(page, "Glassgatan 15") {
		t.Error("fetch my address did not fill in the address")
	}
	// A bad e-mail re-renders the form with the error next to the field.
	bad := checkoutForm(personaAccepted)
	bad.Set("customer.email", "nope")
	resp, page = postForm(t, c, st.URL+"/checkout", bad)
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(page, `class="field-error"`) {
		t.Errorf("bad e-mail: %d", resp.StatusCode)
	}

	resp, _ = postForm(t, c, st.URL+"/checkout", checkoutForm(personaAccepted))
	loc := resp.Header.Get("Location")
	if resp.StatusCode != http.StatusSeeOther || !signRe.MatchString(loc) {
		t.Fatalf("purchase: %d %q, want a redirect to the signing page", resp.StatusCode, loc)
	}
	resp, _ = postForm(t, c, loc, url.Values{"decision": {"approve"}})
	back := resp.Header.Get("Location")
	if resp.StatusCode != http.StatusSeeOther || !strings.Contains(back, "/return?key=") {
		t.Fatalf("sign: %d %q", resp.StatusCode, back)
	}
	_, page = do(t, c, http.MethodGet, back, nil, nil)
	if !strings.Contains(page, "Your order is confirmed") {
		t.Errorf("thank-you page does not say paid:\n%s", page)
	}
	_, page = do(t, c, http.MethodGet, st.URL+"/cart", nil, nil)
	if !strings.Contains(page, "Your cart is empty") {
		t.Error("cart not emptied after a paid order")
	}
	orders, _, err := st.DB.Orders(context.Background(), kassa.OrderFilter{})
	if err != nil {
		t.Fatalf("orders: %v", err)
	}
	if len(orders) != 1 || orders[0].Status != kassa.StatusProcessing {
		t.Fatalf("orders: %+v", orders)
	}
}

func TestStorefrontRejectedKeepsCart(t *testing.T) {
	t.Parallel()
	st := newStack(t)
	c := client(t)
	postForm(t, c, st.URL+"/cart/items", url.Values{"sku": {"BOOK-001"}})
	resp, _ := postForm(t, c, st.URL+"/checkout", checkoutForm(personaRejected))
	resp, _ = postForm(t, c, resp.Header.Get("Location"), url.Values{"decision": {"approve"}})
	back := resp.Header.Get("Location")
	if !strings.Contains(back, "/fail?key=") {
		t.Fatalf("rejected persona sent to %q, want the fail URL", back)
	}
	_, page := do(t, c, http.MethodGet, back, nil, nil)
	if !strings.Contains(page, "The payment was not completed") || !strings.Contains(page, "Your cart is kept") {
		t.Errorf("fail page:\n%s", page)
	}
	_, page = do(t, c, http.MethodGet, st.URL+"/cart", nil, nil)
	if !strings.Contains(page, "Svensk husmanskost") {
		t.Error("cart emptied after a failed payment")
	}
	orders, _, err := st.DB.Orders(context.Background(), kassa.OrderFilter{})
	if err != nil {
		t.Fatalf("orders: %v", err)
	}
	if len(orders) != 1 || orders[0].Status != kassa.StatusFailed {
		t.Fatalf("orders: %+v", orders)
	}
	// A tampered fail URL shows nothing.
	if resp, _ := do(t, c, http.MethodGet, st.URL+"/checkout/orders/"+itoa(orders[0].ID)+"/fail?key=x", nil, nil); resp.StatusCode != http.StatusNotFound {
		t.Errorf("tampered key: %d, want 404", resp.StatusCode)
	}
}

func TestCartRules(t *testing.T) {
	t.Parallel()
	st := newStack(t)
	c := client(t)
	// More than in stock (BOOK-002 has 3).
	resp, page := postForm(t, c, st.URL+"/cart/items", url.Values{"sku": {"BOOK-002"}, "quantity": {"4"}})
	if resp.StatusCode != http.StatusConflict || !strings.Contains(page, "Only 3") {
		t.Errorf("over stock: %d", resp.StatusCode)
	}
	for _, q := range []string{"0", "-1", "abc", "100"} {
		if resp, _ := postForm(t, c, st.URL+"/cart/items", url.Values{"sku": {"BOOK-001"}, "quantity": {q}}); resp.StatusCode != http.StatusUnprocessableEntity {
			t.Errorf("quantity %q: %d, want 422", q, resp.StatusCode)
		}
	}
	if resp, _ := postForm(t, c, st.URL+"/cart/items", url.Values{"sku": {"NOPE"}}); resp.StatusCode != http.StatusNotFound {
		t.Errorf("unknown sku: %d", resp.StatusCode)
	}
	postForm(t, c, st.URL+"/cart/items", url.Values{"sku": {"BOOK-001"}})
	postForm(t, c, st.URL+"/cart/items/BOOK-001", url.Values{"quantity": {"3"}})
	_, page = do(t, c, http.MethodGet, st.URL+"/cart", nil, nil)
	if !strings.Contains(page, `value="3"`) {
		t.Error("quantity not updated to 3")
	}
	postForm(t, c, st.URL+"/cart/items/BOOK-001/delete", nil)
	_, page = do(t, c, http.MethodGet, st.URL+"/cart", nil, nil)
	if !strings.Contains(page, "Your cart is empty") {
		t.Error("line not removed")
	}
	// A tampered cart cookie is an empty cart, not an error.
	u, _ := url.Parse(st.URL)
	c.Jar.SetCookies(u, []*http.Cookie{{Name: "kassa_cart", Value: "eyJsIjpbXX0.forged", Path: "/"}})
	if resp, page := do(t, c, http.MethodGet, st.URL+"/cart", nil, nil); resp.StatusCode != http.StatusOK || !strings.Contains(page, "Your cart is empty") {
		t.Errorf("tampered cart: %d", resp.StatusCode)
	}
}

func checkoutForm(gid string) url.Values {
	return url.Values{
		"action": {"purchase"}, "customer.type": {"NATURAL"}, "customer.governmentId": {gid},
		"customer.email": {"vincent@example.com"}, "customer.phone": {"0701112233"},
		"customer.address.firstName": {"Vincent"}, "customer.address.lastName": {"Alexandersson"},
		"customer.address.addressRow1": {"Glassgatan 15"}, "customer.address.postalCode": {"41655"},
		"customer.address.postalArea": {"Göteborg"}, "customer.address.countryCode": {"SE"},
		"paymentMethodId": {mapisim.MethodInvoice}, "terms": {"accepted"},
	}
}

func TestAdminSettings(t *testing.T) {
	t.Parallel()
	st := newStack(t)
	c := client(t)
	csrf := login(t, c, st.URL)
	resp, _ := postForm(t, c, st.URL+"/admin/settings", url.Values{"csrf": {csrf}, "env": {"test"},
		"clientId": {"my-client"}, "clientSecret": {"top-secret-value"}, "storeId": {mapisim.DefaultStoreID}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("save: %d", resp.StatusCode)
	}
	for key, want := range map[string]string{"mapi.env": "test", "mapi.client_id": "my-client",
		"mapi.client_secret": "top-secret-value", "mapi.store_id": mapisim.DefaultStoreID} {
		if got, _, err := st.DB.Setting(context.Background(), key); err != nil || got != want {
			t.Errorf("setting %s = %q (%v), want %q", key, got, err, want)
		}
	}
	_, page := do(t, c, http.MethodGet, st.URL+"/admin/settings?saved=1", nil, nil)
	if strings.Contains(page, "top-secret-value") {
		t.Error("the settings page shows the secret")
	}
	if !strings.Contains(page, "takes effect after a restart") || !strings.Contains(page, "Kassa Demo Butik") {
		t.Error("settings page lacks the restart notice or the store list")
	}
	// An empty secret keeps the stored one; a bad environment saves nothing.
	postForm(t, c, st.URL+"/admin/settings", url.Values{"csrf": {csrf}, "env": {"test"}, "clientId": {"other"},
		"storeId": {mapisim.DefaultStoreID}})
	if got, _, _ := st.DB.Setting(context.Background(), "mapi.client_secret"); got != "top-secret-value" {
		t.Errorf("secret after a save without one: %q", got)
	}
	resp, _ = postForm(t, c, st.URL+"/admin/settings", url.Values{"csrf": {csrf}, "env": {"mars"}, "clientId": {"x"}})
	if got, _, _ := st.DB.Setting(context.Background(), "mapi.client_id"); resp.StatusCode != http.StatusUnprocessableEntity || got != "other" {
		t.Errorf("bad environment: %d, client id %q", resp.StatusCode, got)
	}
	// The callback test makes the simulator call the shop back.
	resp, _ = postForm(t, c, st.URL+"/admin/settings/test-callback", url.Values{"csrf": {csrf}})
	if loc := resp.Header.Get("Location"); loc != "/admin/settings?test=OK" {
		t.Fatalf("callback test: %d %q", resp.StatusCode, loc)
	}
	if v, ok, _ := st.DB.Setting(context.Background(), "web.callback_test_received_at"); !ok || v == "" {
		t.Error("the test callback did not reach the shop")
	}
}

func TestAdminReprocessCallback(t *testing.T) {
	t.Parallel()
	st := newStack(t)
	_, o := placeAPIOrder(t, st, personaAccepted)
	if _, err := st.Sim.Sign(o.PaymentID, "approve"); err != nil {
		t.Fatal(err)
	}
	waitStatus(t, st.DB, o.ID, kassa.StatusProcessing)
	cbs, _, err := st.DB.Callbacks(context.Background(), kassa.CallbackFilter{OrderID: o.ID})
	if err != nil || len(cbs) == 0 {
		t.Fatalf("callbacks: %v %v", cbs, err)
	}
	c := client(t)
	csrf := login(t, c, st.URL)
	_, page := do(t, c, http.MethodGet, st.URL+"/admin/callbacks?order="+itoa(o.ID), nil, nil)
	if !strings.Contains(page, o.PaymentID) {
		t.Error("inbox does not show the callback payload")
	}
	resp, _ := postForm(t, c, st.URL+"/admin/callbacks/"+itoa(cbs[0].ID)+"/process", url.Values{"csrf": {csrf}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("process again: %d", resp.StatusCode)
	}
	if resp, _ := postForm(t, c, st.URL+"/admin/callbacks/999999/process", url.Values{"csrf": {csrf}}); resp.StatusCode != http.StatusNotFound {
		t.Errorf("unknown callback: %d, want 404", resp.StatusCode)
	}
}

// TestAdminListsKeepOrderFilter: the inbox's state filter form keeps the
// order it is filtered by, and the actions list's default (failed ones)
// keeps it too.
func TestAdminListsKeepOrderFilter(t *testing.T) {
	t.Parallel()
	st := newStack(t)
	c := client(t)
	login(t, c, st.URL)
	_, page := do(t, c, http.MethodGet, st.URL+"/admin/callbacks?order=5", nil, nil)
	if !strings.Contains(page, `<input type="hidden" name="order" value="5">`) {
		t.Error("the inbox's state filter form drops the order filter")
	}
	resp, _ := do(t, c, http.MethodGet, st.URL+"/admin/actions?order=5", nil, nil)
	if loc := resp.Header.Get("Location"); resp.StatusCode != http.StatusSeeOther || loc != "/admin/actions?state=failed&order=5" {
		t.Errorf("actions list without a state: %d to %q, want 303 to the failed ones of order 5", resp.StatusCode, loc)
	}
}

// TestAdminInboxShowsRetry: an entry waiting for its retry after a failed
// attempt shows its error and when it is tried again, on the page and in
// the JSON API.
func TestAdminInboxShowsRetry(t *testing.T) {
	t.Parallel()
	st := newStack(t)
	_, o := placeAPIOrder(t, st, personaAccepted)
	next := time.Date(2031, 5, 6, 7, 8, 9, 0, time.UTC) // never due while the test runs
	cb := &kassa.Callback{Kind: kassa.CallbackAuthorization, OrderID: o.ID, PaymentID: o.PaymentID,
		Body: []byte(`{"paymentId":"` + o.PaymentID + `"}`), State: kassa.CallbackReceived, Attempts: 2,
		Error: "could not read the payment: 503", NextAttemptAt: next}
	if _, err := st.DB.RecordCallback(context.Background(), cb, nil); err != nil {
		t.Fatal(err)
	}
	c := client(t)
	login(t, c, st.URL)
	_, page := do(t, c, http.MethodGet, st.URL+"/admin/callbacks?state=received", nil, nil)
	want := "next attempt 2031-05-06 09:08:09 CEST" // the shop's zone, Europe/Stockholm by default
	if !strings.Contains(page, want) || !strings.Contains(page, "could not read the payment: 503") {
		t.Errorf("inbox page does not show %q and the error", want)
	}
	basic := "Basic " + base64.StdEncoding.EncodeToString([]byte("admin:"+adminPassword))
	_, body := do(t, client(t), http.MethodGet, st.URL+"/api/admin/callbacks?state=received", nil,
		map[string]string{"Authorization": basic})
	if !strings.Contains(body, `"nextAttemptAt": "2031-05-06T07:08:09Z"`) {
		t.Errorf("admin API callbacks = %s; want nextAttemptAt", body)
	}
}

// TestCartOutOfStock: a product that sells out after it was put in the
// cart is shown with the reason, and can be removed.
func TestCartOutOfStock(t *testing.T) {
	t.Parallel()
	st := newStack(t)
	c := client(t)
	postForm(t, c, st.URL+"/cart/items", url.Values{"sku": {"BOOK-002"}, "quantity": {"2"}})
	p, err := st.DB.Product(context.Background(), "BOOK-002")
	if err != nil {
		t.Fatal(err)
	}
	p.Stock = 0
	if err := st.DB.PutProduct(context.Background(), p); err != nil {
		t.Fatal(err)
	}
	resp, page := do(t, c, http.MethodGet, st.URL+"/cart", nil, nil)
	if resp.StatusCode != http.StatusOK || !strings.Contains(page, `class="alert error"`) ||
		!strings.Contains(page, p.Name) || strings.Contains(page, `href="/checkout"`) {
		t.Errorf("cart with a sold-out product: %d\n%s", resp.StatusCode, page)
	}
	postForm(t, c, st.URL+"/cart/items/BOOK-002/delete", nil)
	if _, page := do(t, c, http.MethodGet, st.URL+"/cart", nil, nil); !strings.Contains(page, "Your cart is empty") {
		t.Error("sold-out line could not be removed")
	}
}

// TestCallbackTestNeedsNonce: the callback test URL records nothing for a
// caller without the nonce of an admin's test; the admin's test, through
// Resurs, is recorded.
func TestCallbackTestNeedsNonce(t *testing.T) {
	t.Parallel()
	st := newStack(t)
	c := client(t)
	for _, q := range []string{"", "?n=", "?n=00112233445566778899aabbccddeeff"} {
		for _, method := range []string{http.MethodPost, http.MethodGet} {
			resp, _ := do(t, c, method, st.URL+"/callbacks/resurs/test"+q, strings.NewReader(`{"test":true}`), nil)
			if resp.StatusCode != http.StatusForbidden {
				t.Errorf("%s %q: %d, want 403", method, q, resp.StatusCode)
			}
		}
	}
	if v, ok, err := st.DB.Setting(context.Background(), "web.callback_test_received_at"); err != nil || ok {
		t.Fatalf("an unauthenticated call was recorded: %q %v %v", v, ok, err)
	}
	csrf := login(t, c, st.URL)
	resp, _ := postForm(t, c, st.URL+"/admin/settings/test-callback", url.Values{"csrf": {csrf}})
	if loc := resp.Header.Get("Location"); loc != "/admin/settings?test=OK" {
		t.Fatalf("callback test: %d %q", resp.StatusCode, loc)
	}
	if v, ok, err := st.DB.Setting(context.Background(), "web.callback_test_received_at"); err != nil || !ok || v == "" {
		t.Fatalf("the admin's test was not recorded: %q %v %v", v, ok, err)
	}
}

// TestAdminTimeZone: admin times are shown in the shop's zone with its
// abbreviation, Europe/Stockholm until another is saved.
func TestAdminTimeZone(t *testing.T) {
	t.Parallel()
	st := newStack(t)
	c := client(t)
	csrf := login(t, c, st.URL)
	placeAPIOrder(t, st, personaAccepted)
	stamp := regexp.MustCompile(`\d{4}-\d\d-\d\d \d\d:\d\d (CET|CEST|EET|EEST)`)
	zoneShown := func() string {
		_, page := do(t, c, http.MethodGet, st.URL+"/admin/orders", nil, nil)
		m := stamp.FindStringSubmatch(page)
		if m == nil {
			t.Fatal("the orders list shows no time with its zone")
		}
		return m[1]
	}
	if z := zoneShown(); z != "CET" && z != "CEST" {
		t.Fatalf("default zone %s, want Stockholm's", z)
	}
	form := url.Values{"csrf": {csrf}, "env": {"simulator"}, "clientId": {"kassa"},
		"storeId": {mapisim.DefaultStoreID}, "timeZone": {"Mars/Olympus"}}
	if resp, body := postForm(t, c, st.URL+"/admin/settings", form); resp.StatusCode != http.StatusUnprocessableEntity ||
		!strings.Contains(body, "IANA name") {
		t.Fatalf("unknown zone: %d, want 422 naming the field", resp.StatusCode)
	}
	if z := zoneShown(); z != "CET" && z != "CEST" {
		t.Fatalf("zone after a refused save %s, want Stockholm's", z)
	}
	form.Set("timeZone", "Europe/Helsinki")
	if resp, _ := postForm(t, c, st.URL+"/admin/settings", form); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("save Europe/Helsinki: %d", resp.StatusCode)
	}
	if z := zoneShown(); z != "EET" && z != "EEST" {
		t.Fatalf("zone after saving Europe/Helsinki %s, want Helsinki's", z)
	}
}
