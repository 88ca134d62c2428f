package main

import (
	"html"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"

	"github.com/kassa-dev/kassa/mapisim"
)

// personaAccepted is the simulator's persona whose payments are accepted
// (docs/mapi.md §Test personas).
const personaAccepted = "198305147715"

// wrongSecret is a well-formed secret that is not the endpoint's.
const wrongSecret = "whsec_QUJDQUJDQUJDQUJDQUJDQUJDQUJDQUJD"

func TestMoney(t *testing.T) {
	for m, want := range map[money]string{0: "0.00", 14900: "149.00", -2980: "-29.80", 5: "0.05", -5: "-0.05"} {
		if got := m.String(); got != want {
			t.Errorf("money(%d) = %q, want %q", int64(m), got, want)
		}
	}
}

// TestNewOrderLines: the shop's own lines, shipping and the campaign's
// discount add up to the total it sends kassa; bad quantities are refused.
func TestNewOrderLines(t *testing.T) {
	s, err := newShop(Config{Secret: wrongSecret})
	if err != nil {
		t.Fatal(err)
	}
	o, err := s.newOrder([]int64{2, 1})
	if err != nil {
		t.Fatal(err)
	}
	var types []string
	for _, l := range o.Lines {
		types = append(types, l.Type+" "+l.UnitPrice)
	}
	if got, want := strings.Join(types, ", "), "product 149.00, product 89.00, shipping 49.00, discount -38.70"; got != want {
		t.Errorf("lines %s, want %s", got, want)
	}
	if o.Total.String() != "397.30" || o.Reference != "Shop-1001" || o.State != stateAwaiting {
		t.Errorf("order %+v", o)
	}
	for _, qty := range [][]int64{{0, 0}, {}, {-1, 2}, {100}} {
		if _, err := s.newOrder(qty); err == nil {
			t.Errorf("newOrder(%v) = nil error", qty)
		}
	}
}

// TestWebhookVerified: a delivery signed with the endpoint's secret is
// applied once (a repeat with the same webhook-id is acknowledged, not
// applied again); a tampered body or another secret is 401, counted, and
// changes nothing.
func TestWebhookVerified(t *testing.T) {
	secret := "whsec_" + strings.Repeat("MTIz", 8)
	s, err := newShop(Config{Secret: secret})
	if err != nil {
		t.Fatal(err)
	}
	o, _ := s.newOrder([]int64{1})
	body := `{"id":"evt_7-v2","type":"order.status_changed","timestamp":"2026-06-01T12:00:00Z",` +
		`"data":{"before":"pending","after":"processing","order":{"id":7,"reference":"` + o.Reference + `"}}}`
	post := func(secret, body, sent string) int {
		wh, err := standardwebhooks.NewWebhook(secret)
		if err != nil {
			t.Fatal(err)
		}
		now := time.Now()
		sig, err := wh.Sign("evt_7-v2", now, []byte(body))
		if err != nil {
			t.Fatal(err)
		}
		r := httptest.NewRequest(http.MethodPost, webhookPath, strings.NewReader(sent))
		r.Header.Set("webhook-id", "evt_7-v2")
		r.Header.Set("webhook-timestamp", itoa(now.Unix()))
		r.Header.Set("webhook-signature", sig)
		w := httptest.NewRecorder()
		s.Handler().ServeHTTP(w, r)
		return w.Code
	}
	tampered := strings.Replace(body, `"after":"processing"`, `"after":"completed"`, 1)
	if code := post(secret, body, tampered); code != http.StatusUnauthorized {
		t.Errorf("tampered body: %d, want 401", code)
	}
	if code := post(wrongSecret, body, body); code != http.StatusUnauthorized {
		t.Errorf("another secret: %d, want 401", code)
	}
	if got, _ := s.order(o.Reference); got.State != stateAwaiting || s.refused.Load() != 2 {
		t.Fatalf("after two bad deliveries: state %q, refused %d; want unchanged, 2", got.State, s.refused.Load())
	}
	for range 2 {
		if code := post(secret, body, body); code != http.StatusNoContent {
			t.Fatalf("signed delivery: %d, want 204", code)
		}
	}
	got, _ := s.order(o.Reference)
	if got.State != statePaid || len(got.Events) != 1 {
		t.Fatalf("after the delivery and its repeat: state %q, events %q; want paid, one event", got.State, got.Events)
	}
}

// integration is kassa, the example shop registered as a webhook endpoint,
// and a second copy of the shop registered as another endpoint but
// configured with a wrong secret.
type integration struct {
	kassa      *kassaStack
	key        string
	shop       *Shop
	shopURL    string
	wrong      *Shop
	endpointID int64 // of the wrong shop
}

func newIntegration(t *testing.T) *integration {
	t.Helper()
	k := newKassa(t)
	in := &integration{kassa: k, key: k.createKey(t, "example shop")}
	in.shop, in.shopURL = startShop(t, k, in.key, "", true)
	var wrongURL string
	in.wrong, wrongURL = startShop(t, k, in.key, wrongSecret, false)
	var ep endpoint
	body := `{"url": "` + wrongURL + webhookPath + `", "events": ["order.created"]}`
	if code := k.api(t, in.key, http.MethodPost, "/api/admin/webhooks", body, &ep); code != http.StatusCreated {
		t.Fatalf("register the second endpoint: %d", code)
	}
	in.endpointID = ep.ID
	return in
}

// paid checks what follows the shopper's payment of the shop's order ref:
// the shop learns it from signed webhooks (order.created, then
// order.status_changed → processing); a capture through kassa's API
// brings order.action and → completed; the shop with the wrong secret
// refused every delivery, and kassa's log shows its 401.
func (in *integration) paid(t *testing.T, ref string) {
	t.Helper()
	shop := in.shop
	waitFor(t, "the shop to mark "+ref+" paid", func() bool { o, _ := shop.order(ref); return o.State == statePaid })
	o, _ := shop.order(ref)
	if got, want := strings.Join(o.Events, "; "), "order.created; order.status_changed pending → processing"; got != want {
		t.Fatalf("events %q, want %q", got, want)
	}
	var captured struct{ Status string }
	if code := in.kassa.api(t, in.key, http.MethodPost, "/api/admin/orders/"+itoa(o.KassaID)+"/capture", `{"all": true}`,
		&captured); code != http.StatusOK {
		t.Fatalf("capture: %d %+v", code, captured)
	}
	waitFor(t, "the shop to see the capture", func() bool { o, _ := shop.order(ref); return o.State == stateShipped })
	o, _ = shop.order(ref)
	want := "order.created; order.status_changed pending → processing; order.action capture " + o.Total.String() +
		"; order.status_changed processing → completed"
	if got := strings.Join(o.Events, "; "); got != want {
		t.Fatalf("events %q, want %q", got, want)
	}
	if n := shop.refused.Load(); n != 0 {
		t.Errorf("the shop refused %d deliveries signed with its secret", n)
	}
	waitFor(t, "the shop with the wrong secret to refuse a delivery", func() bool { return in.wrong.refused.Load() > 0 })
	if o, _ := in.wrong.order(ref); o.State != "" {
		t.Errorf("the shop with the wrong secret has the order: %+v", o)
	}
	var log struct {
		Deliveries []struct{ LastStatus int }
	}
	in.kassa.api(t, in.key, http.MethodGet, "/api/admin/webhooks/"+itoa(in.endpointID)+"/deliveries", "", &log)
	if len(log.Deliveries) == 0 || log.Deliveries[0].LastStatus != http.StatusUnauthorized {
		t.Errorf("kassa's log of the wrong endpoint: %+v, want 401", log.Deliveries)
	}
}

// TestEndToEnd: a shopper buys at the example shop over plain HTTP: Buy
// creates a checkout at kassa (the shop's lines and discount) and sends
// the shopper to it; the shopper fills in kassa's form, signs at the
// simulator and is sent on to the shop's successUrl.
func TestEndToEnd(t *testing.T) {
	t.Parallel()
	in := newIntegration(t)
	c := noRedirects(t)
	resp := send(t, c, http.MethodPost, in.shopURL+"/buy", url.Values{"qty": {"2", "1"}})
	hosted := resp.Header.Get("Location")
	if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(hosted, in.kassa.URL+"/checkout/hosted/") {
		t.Fatalf("Buy: %d to %q, want kassa's hosted checkout", resp.StatusCode, hosted)
	}
	page := body(t, send(t, c, http.MethodGet, hosted, nil))
	for _, want := range []string{"Red mug", "Linen tea towel", "Postnord", "Campaign: 10 % off", "397,30"} {
		if !strings.Contains(page, want) {
			t.Errorf("kassa's checkout page does not show %q", want)
		}
	}
	resp = send(t, c, http.MethodPost, hosted, checkoutForm(personaAccepted))
	sign := resp.Header.Get("Location")
	if resp.StatusCode != http.StatusSeeOther || !strings.Contains(sign, "/sim/sign/") {
		t.Fatalf("purchase: %d to %q, want the signing page", resp.StatusCode, sign)
	}
	resp = send(t, c, http.MethodPost, sign, url.Values{"decision": {"approve"}})
	page = body(t, send(t, c, http.MethodGet, resp.Header.Get("Location"), nil))
	next := continueLink(t, page)
	if !strings.HasPrefix(next, in.shopURL+"/thanks?") || !strings.Contains(next, "reference=Shop-1001") {
		t.Fatalf("kassa's thank-you page sends the shopper on to %q, want the shop's successUrl", next)
	}
	if page := body(t, send(t, c, http.MethodGet, next, nil)); !strings.Contains(page, "Order Shop-1001 (397.30 kr)") {
		t.Errorf("the shop's thank-you page:\n%s", page)
	}
	in.paid(t, "Shop-1001")
}

// continueLink is the href of the outcome page's "continue" button.
func continueLink(t *testing.T, page string) string {
	t.Helper()
	i := strings.Index(page, `id="continue"`)
	if i < 0 {
		t.Fatalf("no continue link on kassa's outcome page:\n%s", page)
	}
	start := strings.LastIndex(page[:i], `href="`)
	end := strings.Index(page[start+6:], `"`)
	return html.UnescapeString(page[start+6 : start+6+end])
}

// checkoutForm is kassa's checkout form filled in as persona gid, paying
// by invoice, terms accepted.
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

func noRedirects(t *testing.T) *http.Client {
	t.Helper()
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &http.Client{Jar: jar, Timeout: 20 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

// send sends a request (a form when form is not nil); the body is left
// for body to read.
func send(t *testing.T, c *http.Client, method, u string, form url.Values) *http.Response {
	t.Helper()
	var r *http.Request
	var err error
	if form != nil {
		r, err = http.NewRequest(method, u, strings.NewReader(form.Encode()))
	} else {
		r, err = http.NewRequest(method, u, nil)
	}
	if err != nil {
		t.Fatal(err)
	}
	if form != nil {
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	r.Header.Set("Accept-Language", "en")
	resp, err := c.Do(r)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { resp.Body.Close() })
	return resp
}

func body(t *testing.T, resp *http.Response) string {
	t.Helper()
	var b strings.Builder
	if _, err := io.Copy(&b, resp.Body); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// TestRegisterReusesEndpoint: --register twice for one URL registers one
// endpoint and takes its secret both times.
func TestRegisterReusesEndpoint(t *testing.T) {
	t.Parallel()
	k := newKassa(t)
	kc := newKassaClient(k.URL, k.createKey(t, "shop"))
	first, err := kc.registerWebhook(t.Context(), "http://127.0.0.1:9/webhooks/kassa")
	if err != nil || !strings.HasPrefix(first, "whsec_") {
		t.Fatalf("register: %q %v", first, err)
	}
	again, err := kc.registerWebhook(t.Context(), "http://127.0.0.1:9/webhooks/kassa")
	if err != nil || again != first {
		t.Fatalf("register again: %q %v, want the first secret", again, err)
	}
	var eps []endpoint
	if err := kc.do(t.Context(), http.MethodGet, "/api/admin/webhooks", "", nil, &eps); err != nil || len(eps) != 1 {
		t.Fatalf("%d endpoints (%v), want 1", len(eps), err)
	}
}
