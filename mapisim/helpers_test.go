package mapisim_test

import (
	"bytes"
	"encoding/json"
	"flag"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/kassa-dev/kassa/mapi"
	"github.com/kassa-dev/kassa/mapisim"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

var t0 = time.Date(2025, 3, 1, 10, 0, 0, 0, time.UTC)

// env is a simulator on a ManualClock behind an httptest server, with a
// callback receiver.
type env struct {
	t     testing.TB
	sim   *mapisim.Sim
	clock *mapisim.ManualClock
	srv   *httptest.Server
	token string
	cb    *receiver
}

func newEnv(t testing.TB, o mapisim.Options) *env {
	t.Helper()
	e := &env{t: t, clock: mapisim.NewManualClock(t0), cb: newReceiver(t)}
	o.Clock = e.clock
	if o.Seed == 0 {
		o.Seed = 42
	}
	e.sim = mapisim.New(o)
	e.srv = httptest.NewServer(e.sim)
	t.Cleanup(func() {
		e.sim.Close()
		e.srv.Close()
	})
	e.token = e.getToken()
	return e
}

func (e *env) getToken() string {
	e.t.Helper()
	form := url.Values{"grant_type": {"client_credentials"}, "client_id": {"kassa"},
		"client_secret": {"kassa-secret"}, "scope": {"merchant-api"}}
	resp, err := http.PostForm(e.srv.URL+"/oauth2/token", form)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&tok); err != nil || tok.AccessToken == "" {
		e.t.Fatalf("token: status %d, err %v", resp.StatusCode, err)
	}
	return tok.AccessToken
}

// do sends an authenticated JSON request and returns status and body.
func (e *env) do(method, path string, body any) (int, []byte) {
	e.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	default:
		buf, err := json.Marshal(b)
		if err != nil {
			e.t.Fatal(err)
		}
		rd = bytes.NewReader(buf)
	}
	req, err := http.NewRequest(method, e.srv.URL+path, rd)
	if err != nil {
		e.t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+e.token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	out, err := io.ReadAll(resp.Body)
	if err != nil {
		e.t.Fatal(err)
	}
	return resp.StatusCode, out
}

// must sends a request that must answer want, and decodes the answer into v.
func (e *env) must(want int, method, path string, body, v any) []byte {
	e.t.Helper()
	got, out := e.do(method, path, body)
	if got != want {
		e.t.Fatalf("%s %s: status %d, want %d; body %s", method, path, got, want, out)
	}
	if v != nil {
		if err := json.Unmarshal(out, v); err != nil {
			e.t.Fatalf("%s %s: decode %s: %v", method, path, out, err)
		}
	}
	return out
}

// createReq is a valid create-payment body for the SE invoice method:
// two lines, 301.50 + 49.00 = 350.50 SEK.
func (e *env) createReq(govID string) map[string]any {
	cust := map[string]any{"customerType": "NATURAL", "email": "test@example.com", "mobilePhone": "0701234567",
		"deliveryAddress": map[string]any{"fullName": "Vincent Williamsson Alexandersson", "firstName": "Vincent",
			"lastName": "Alexandersson", "addressRow1": "Glassgatan 15", "addressRow2": nil,
			"postalArea": "Göteborg", "postalCode": "41655", "countryCode": "SE"}}
	if govID != "" {
		cust["governmentId"] = govID
	}
	return map[string]any{
		"storeId": mapisim.DefaultStoreID, "paymentMethodId": mapisim.MethodInvoice,
		"order": map[string]any{"orderReference": "order-1", "orderLines": []any{
			map[string]any{"description": "Product 1", "reference": "SKU-1", "quantity": 2, "quantityUnit": "st",
				"vatRate": 25, "unitAmountIncludingVat": 150.75, "totalAmountIncludingVat": 301.5, "totalVatAmount": 60.3,
				"type": "PHYSICAL_GOODS"},
			map[string]any{"description": "Shipping", "reference": "shipping", "quantity": 1, "quantityUnit": "st",
				"vatRate": 25, "totalAmountIncludingVat": 49, "type": "SHIPPING"},
		}},
		"customer": cust,
		"metadata": map[string]any{"creator": "kassa test", "custom": []any{map[string]any{"key": "k", "value": "v"}}},
		"options": map[string]any{
			"initiatedOnCustomersDevice": true, "handleManualInspection": false, "handleFrozenPayments": true,
			"automaticCapture": false,
			"redirectionUrls": map[string]any{"customer": map[string]any{
				"successUrl": "https://shop.test/ok", "failUrl": "https://shop.test/fail"}, "coApplicant": nil, "merchant": nil},
			"callbacks": map[string]any{
				"authorization": map[string]any{"url": e.cb.url() + "/cb?type=AUTHORIZATION"},
				"management":    map[string]any{"url": e.cb.url() + "/cb?type=MANAGEMENT"}},
		},
	}
}

func (e *env) create(req map[string]any) mapi.Payment {
	e.t.Helper()
	var p mapi.Payment
	e.must(http.StatusOK, "POST", "/v2/payments", req, &p)
	return p
}

func (e *env) get(id string) mapi.Payment {
	e.t.Helper()
	var p mapi.Payment
	e.must(http.StatusOK, "GET", "/v2/payments/"+id, nil, &p)
	return p
}

func (e *env) sign(id string, d mapisim.Decision) string {
	e.t.Helper()
	to, err := e.sim.Sign(id, d)
	if err != nil {
		e.t.Fatalf("sign %s %s: %v", id, d, err)
	}
	return to
}

// advance moves the clock and waits for the deliveries it started.
// Tokens expire on the clock too, so a fresh one is fetched.
func (e *env) advance(d time.Duration) {
	e.clock.Advance(d)
	e.sim.Flush()
	e.token = e.getToken()
}

// receiver is a callback endpoint that answers with scripted statuses.
type receiver struct {
	t       testing.TB
	srv     *httptest.Server
	mu      sync.Mutex
	got     []received
	answers []int // status of the next answers; 204 when empty
}

type received struct {
	Query string
	Body  string
}

func newReceiver(t testing.TB) *receiver {
	r := &receiver{t: t}
	r.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		b, _ := io.ReadAll(req.Body)
		r.mu.Lock()
		r.got = append(r.got, received{Query: req.URL.RawQuery, Body: string(b)})
		status := http.StatusNoContent
		if len(r.answers) > 0 {
			status, r.answers = r.answers[0], r.answers[1:]
		}
		r.mu.Unlock()
		w.WriteHeader(status)
	}))
	t.Cleanup(r.srv.Close)
	return r
}

func (r *receiver) url() string { return r.srv.URL }

func (r *receiver) script(statuses ...int) {
	r.mu.Lock()
	r.answers = append(r.answers, statuses...)
	r.mu.Unlock()
}

func (r *receiver) received() []received {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]received(nil), r.got...)
}

// statuses returns the "status" (authorization) or "action" (management)
// of every callback received, in order. A body that does not parse, or
// has neither field, fails the test: it must not compare equal to anything.
func (r *receiver) statuses() []string {
	r.t.Helper()
	var out []string
	for _, g := range r.received() {
		var b struct{ Status, Action string }
		if err := json.Unmarshal([]byte(g.Body), &b); err != nil {
			r.t.Errorf("callback body %q: %v", g.Body, err)
			out = append(out, "<unparsable>")
			continue
		}
		if b.Status+b.Action == "" {
			r.t.Errorf("callback body %q has neither status nor action", g.Body)
		}
		out = append(out, b.Status+b.Action)
	}
	return out
}

var (
	uuidRE  = regexp.MustCompile(`[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}`)
	timeRE  = regexp.MustCompile(`"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z?"`)
	tokenRE = regexp.MustCompile(`"access_token":"[0-9a-f]+"`)
	portRE  = regexp.MustCompile(`127\.0\.0\.1:\d+`)
	fixedID = map[string]bool{mapisim.DefaultStoreID: true, mapisim.StoreNO: true, mapisim.StoreFI: true,
		mapisim.StoreDK: true, mapisim.MethodInvoice: true, mapisim.MethodPartPayment: true,
		mapisim.MethodResursCard: true, mapisim.MethodCard: true, mapisim.MethodSwish: true}
)

// normalize replaces generated ids, times, tokens and ports so that a
// golden file holds only the shape and the values that matter.
func normalize(b []byte) []byte {
	s := uuidRE.ReplaceAllStringFunc(string(b), func(id string) string {
		if fixedID[id] || strings.HasPrefix(id, "c0de") {
			return id
		}
		return "<uuid>"
	})
	s = timeRE.ReplaceAllString(s, `"<time>"`)
	s = tokenRE.ReplaceAllString(s, `"access_token":"<token>"`)
	s = portRE.ReplaceAllString(s, "127.0.0.1:<port>")
	var out bytes.Buffer
	if err := json.Indent(&out, []byte(s), "", "  "); err != nil {
		return []byte(s)
	}
	out.WriteByte('\n')
	return out.Bytes()
}

// golden compares normalized JSON with testdata/name.json (-update rewrites it).
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name+".json")
	got = normalize(got)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if diff := cmp.Diff(string(want), string(got)); diff != "" {
		t.Errorf("%s mismatch (-want +got):\n%s", path, diff)
	}
}
