package web_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/kassa-dev/kassa"
	"github.com/kassa-dev/kassa/checkout"
	"github.com/kassa-dev/kassa/mapi"
	"github.com/kassa-dev/kassa/mapisim"
	"github.com/kassa-dev/kassa/sqlite"
	"github.com/kassa-dev/kassa/web"
)

const adminPassword = "test-admin-password"

// Test personas (docs/mapi.md §Test personas).
const (
	personaAccepted = "198305147715"
	personaRejected = "197211072793"
)

// stack is the real shop on a loopback listener: SQLite in a temp file,
// the checkout engine, the simulator mounted at /sim.
type stack struct {
	URL    string
	DB     *sqlite.DB
	Sim    *mapisim.Sim
	Engine *checkout.Engine
}

// stackOption adjusts the engine's and the server's configuration.
type stackOption func(*checkout.Config, *web.Config)

func newStack(t testing.TB, opts ...stackOption) *stack {
	t.Helper()
	ctx := context.Background()
	srv := httptest.NewUnstartedServer(nil)
	base := "http://" + srv.Listener.Addr().String()
	db, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "kassa.db"))
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range kassa.DemoCatalog() {
		if err := db.PutProduct(ctx, p); err != nil {
			t.Fatal(err)
		}
	}
	var logTo io.Writer = io.Discard
	if os.Getenv("KASSA_TEST_LOG") != "" {
		logTo = os.Stderr // KASSA_TEST_LOG=1 shows the shop's log
	}
	log := slog.New(slog.NewTextHandler(logTo, nil))
	sim := mapisim.New(mapisim.Options{BaseURL: base + "/sim", Seed: 1})
	bank := mapi.New(mapi.Config{BaseURL: base + "/sim", ClientID: mapisim.DefaultClientID,
		ClientSecret: mapisim.DefaultClientSecret})
	ecfg := checkout.Config{Store: db, Bank: bank, StoreID: mapisim.DefaultStoreID, BaseURL: base, Logger: log}
	wcfg := web.Config{Store: db, Bank: bank, StoreID: mapisim.DefaultStoreID, BaseURL: base,
		AdminPassword: adminPassword, Logger: log, Sim: sim, Environment: "simulator"}
	for _, o := range opts {
		o(&ecfg, &wcfg)
	}
	eng, err := checkout.New(ecfg)
	if err != nil {
		t.Fatal(err)
	}
	wcfg.Engine = eng
	w, err := web.New(wcfg)
	if err != nil {
		t.Fatal(err)
	}
	srv.Config.Handler = checkAPI(t, w.Handler())
	srv.Start()
	if err := eng.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		srv.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := eng.Stop(ctx); err != nil {
			t.Errorf("engine stop: %v", err)
		}
		sim.Close()
		db.Close()
	})
	return &stack{URL: base, DB: db, Sim: sim, Engine: eng}
}

// client returns an HTTP client with a cookie jar that does not follow
// redirects, so each step of a flow is checked. It is an English
// browser (Accept-Language: en), as the tests check English words;
// clientIn gives a browser of another language.
func client(t testing.TB) *http.Client { t.Helper(); return clientIn(t, "en") }

// clientIn is client with the browser languages accept ("" for none).
func clientIn(t testing.TB, accept string) *http.Client {
	t.Helper()
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &http.Client{Jar: jar, Timeout: 20 * time.Second, Transport: acceptLanguage(accept),
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

// acceptLanguage is a transport that sends Accept-Language: accept
// unless the request has its own.
type acceptLanguage string

func (a acceptLanguage) RoundTrip(r *http.Request) (*http.Response, error) {
	if a != "" && r.Header.Get("Accept-Language") == "" {
		r = r.Clone(r.Context())
		r.Header.Set("Accept-Language", string(a))
	}
	return http.DefaultTransport.RoundTrip(r)
}

// do sends a request and returns the response with its body read.
func do(t testing.TB, c *http.Client, method, u string, body io.Reader, header map[string]string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(method, u, body)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
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

func postForm(t *testing.T, c *http.Client, u string, v url.Values) (*http.Response, string) {
	t.Helper()
	return do(t, c, http.MethodPost, u, strings.NewReader(v.Encode()),
		map[string]string{"Content-Type": "application/x-www-form-urlencoded"})
}

func postJSON(t testing.TB, c *http.Client, u, body string, header map[string]string) (*http.Response, string) {
	t.Helper()
	h := map[string]string{"Content-Type": "application/json"}
	for k, v := range header {
		h[k] = v
	}
	return do(t, c, http.MethodPost, u, strings.NewReader(body), h)
}

func decode(t testing.TB, body string, v any) {
	t.Helper()
	if err := json.Unmarshal([]byte(body), v); err != nil {
		t.Fatalf("decode %q: %v", body, err)
	}
}

// orderJSON is a valid order request; mutate it to make bad ones.
func orderJSON(governmentID string) map[string]any {
	return map[string]any{
		"lines":           []any{map[string]any{"sku": "BOOK-001", "quantity": 2}},
		"paymentMethodId": mapisim.MethodInvoice,
		"customer": map[string]any{
			"type": "NATURAL", "governmentId": governmentID, "email": "vincent@example.com", "phone": "0701112233",
			"address": map[string]any{"firstName": "Vincent", "lastName": "Alexandersson",
				"addressRow1": "Glassgatan 15", "postalCode": "41655", "postalArea": "Göteborg", "countryCode": "SE"},
		},
	}
}

func mustJSON(t testing.TB, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// waitStatus polls the order until it has status want (callbacks are
// processed asynchronously by the engine's workers), bounded by a deadline.
func waitStatus(t *testing.T, db *sqlite.DB, id int64, want kassa.Status) *kassa.Order {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		o, err := db.Order(context.Background(), id)
		if err != nil {
			t.Fatal(err)
		}
		if o.Status == want {
			return o
		}
		if time.Now().After(deadline) {
			t.Fatalf("order %d: status %s, want %s", id, o.Status, want)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

var csrfRe = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// login logs c in as admin and returns a CSRF token from the dashboard.
func login(t *testing.T, c *http.Client, base string) string {
	t.Helper()
	resp, _ := postForm(t, c, base+"/admin/login", url.Values{"password": {adminPassword}, "next": {"/admin"}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("login: status %d", resp.StatusCode)
	}
	_, page := do(t, c, http.MethodGet, base+"/admin", nil, nil)
	m := csrfRe.FindStringSubmatch(page)
	if m == nil {
		t.Fatal("no CSRF token on the dashboard")
	}
	return m[1]
}

// follow returns resp, or the page it redirects to within the shop (the
// checkout form's post-redirect-get).
func follow(t *testing.T, c *http.Client, st *stack, resp *http.Response, body string) (*http.Response, string) {
	t.Helper()
	loc := resp.Header.Get("Location")
	if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(loc, "/") {
		return resp, body
	}
	return do(t, c, http.MethodGet, st.URL+loc, nil, nil)
}
