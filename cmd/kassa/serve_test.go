package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// syncBuffer is a bytes.Buffer safe for the server goroutine and the test.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

var (
	shopRe     = regexp.MustCompile(`shop:\s+(http://\S+)/\n`)
	metricsRe  = regexp.MustCompile(`metrics:\s+(\S+)\n`)
	passwordRe = regexp.MustCompile(`password (\S+)\n`)
)

// startServe runs `kassa serve` on a free loopback port and returns its
// base URL, its banner and a stop function that checks a clean shutdown.
func startServe(t *testing.T, args ...string) (string, string, func()) {
	t.Helper()
	for _, k := range []string{"KASSA_ADDR", "KASSA_BASE_URL", "KASSA_MAPI_URL", "KASSA_MAPI_ENV",
		"KASSA_ADMIN_PASSWORD", "KASSA_MAPI_CLIENT_ID", "KASSA_MAPI_CLIENT_SECRET", "KASSA_MAPI_STORE_ID",
		"KASSA_METRICS_ADDR"} {
		t.Setenv(k, "")
	}
	ctx, cancel := context.WithCancel(context.Background())
	var stdout, stderr syncBuffer
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, append([]string{"serve", "--addr", "127.0.0.1:0", "--metrics-addr", "127.0.0.1:0"}, args...),
			&stdout, &stderr)
	}()
	deadline := time.Now().Add(20 * time.Second)
	for !shopRe.MatchString(stdout.String()) {
		select {
		case err := <-done:
			cancel()
			t.Fatalf("serve ended early: %v\n%s", err, stderr.String())
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			cancel()
			t.Fatalf("serve did not start:\n%s\n%s", stdout.String(), stderr.String())
		}
	}
	banner := stdout.String()
	stop := func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("serve: %v", err)
			}
		case <-time.After(20 * time.Second):
			t.Error("serve did not shut down")
		}
	}
	return shopRe.FindStringSubmatch(banner)[1], banner, stop
}

// TestServeFlow runs the whole flow against `kassa serve` with plain
// net/http: place an order through the JSON API, follow redirectUrl to the
// simulator's signing page, approve, follow the 303 to the thank-you page,
// and find the order processing.
func TestServeFlow(t *testing.T) {
	base, banner, stop := startServe(t, "--data", t.TempDir(), "--admin-password", "secret-pw")
	defer stop()
	c := noRedirectClient()
	resp := mustDo(t, c, http.MethodPost, base+"/api/orders", "application/json", bookOrderJSON)
	var created struct {
		ID          int64
		Status, Key string
		RedirectURL string
	}
	if resp.code != http.StatusCreated || json.Unmarshal([]byte(resp.body), &created) != nil {
		t.Fatalf("place order: %d %s", resp.code, resp.body)
	}
	if created.Status != "pending" || !strings.HasPrefix(created.RedirectURL, base+"/sim/sign/") {
		t.Fatalf("created: %+v", created)
	}
	sign := mustDo(t, c, http.MethodGet, created.RedirectURL, "", "")
	if sign.code != http.StatusOK || !strings.Contains(sign.body, "approve") {
		t.Fatalf("signing page: %d", sign.code)
	}
	signed := mustDo(t, c, http.MethodPost, created.RedirectURL, "application/x-www-form-urlencoded",
		url.Values{"decision": {"approve"}}.Encode())
	back := signed.header.Get("Location")
	if signed.code != http.StatusSeeOther || !strings.HasPrefix(back, base+"/checkout/orders/") {
		t.Fatalf("approve: %d %q", signed.code, back)
	}
	thanks := mustDo(t, c, http.MethodGet, back, "", "")
	// The shop speaks its store's language (Swedish) to a client that asks for none.
	if thanks.code != http.StatusOK || !strings.Contains(thanks.body, "Din beställning är bekräftad") {
		t.Fatalf("thank-you page: %d\n%s", thanks.code, thanks.body)
	}
	view := mustDo(t, c, http.MethodGet, base+"/api/orders/"+strconv.FormatInt(created.ID, 10)+"?key="+url.QueryEscape(created.Key), "", "")
	var got struct{ Status string }
	if json.Unmarshal([]byte(view.body), &got) != nil || got.Status != "processing" {
		t.Errorf("order: %s", view.body)
	}
	// Operations endpoints.
	if r := mustDo(t, c, http.MethodGet, base+"/healthz", "", ""); r.code != http.StatusOK {
		t.Errorf("healthz: %d", r.code)
	}
	m := metricsRe.FindStringSubmatch(banner)
	if m == nil || !strings.HasPrefix(m[1], "http://127.0.0.1:") || strings.HasPrefix(m[1], base) {
		t.Fatalf("banner names no metrics listener of its own:\n%s", banner)
	}
	if r := mustDo(t, c, http.MethodGet, m[1], "", ""); !strings.Contains(r.body, "kassa_mapi_requests_total") {
		t.Errorf("metrics lack kassa_mapi_requests_total")
	}
	if r := mustDo(t, c, http.MethodGet, base+"/metrics", "", ""); r.code != http.StatusNotFound || strings.Contains(r.body, "kassa_") {
		t.Errorf("the shop's listener serves /metrics: %d", r.code)
	}
}

// TestServeMetricsOff: --metrics-addr off serves no metrics, and says so.
func TestServeMetricsOff(t *testing.T) {
	base, banner, stop := startServe(t, "--data", t.TempDir(), "--metrics-addr", "off")
	defer stop()
	if m := metricsRe.FindStringSubmatch(banner); m == nil || m[1] != "off" {
		t.Errorf("banner does not say metrics are off:\n%s", banner)
	}
	if r := mustDo(t, noRedirectClient(), http.MethodGet, base+"/metrics", "", ""); r.code != http.StatusNotFound {
		t.Errorf("GET /metrics on the shop: %d, want 404", r.code)
	}
}

// TestServeMetricsDefault: unless configured, metrics listen on loopback.
func TestServeMetricsDefault(t *testing.T) {
	t.Setenv("KASSA_METRICS_ADDR", "")
	cfg, err := parseServeFlags(nil, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	host, _, err := net.SplitHostPort(cfg.MetricsAddr)
	if ip := net.ParseIP(host); err != nil || ip == nil || !ip.IsLoopback() {
		t.Errorf("default --metrics-addr %q, want a loopback address", cfg.MetricsAddr)
	}
}

// TestServeAdminPassword: without a configured password one is generated
// at first start, stored, and printed again at the next start.
func TestServeAdminPassword(t *testing.T) {
	dir := t.TempDir()
	_, banner1, stop := startServe(t, "--data", dir)
	stop()
	_, banner2, stop := startServe(t, "--data", dir)
	stop()
	p1, p2 := passwordRe.FindStringSubmatch(banner1), passwordRe.FindStringSubmatch(banner2)
	if p1 == nil || p2 == nil || p1[1] != p2[1] || len(p1[1]) < 12 {
		t.Errorf("passwords %q and %q: want the same generated one", p1, p2)
	}
}

// TestServeAdminPasswordChanged: after the admin changed the password in
// the admin, the next start does not print the old one, which no longer
// works, but says where the password is.
func TestServeAdminPasswordChanged(t *testing.T) {
	dir := t.TempDir()
	const old, next = "the-configured-password", "a-password-set-in-the-admin"
	base, banner, stop := startServe(t, "--data", dir, "--admin-password", old)
	if !strings.Contains(banner, "password "+old) {
		t.Errorf("first banner does not print the configured password:\n%s", banner)
	}
	jar, _ := cookiejar.New(nil)
	c := noRedirectClient()
	c.Jar = jar
	mustDo(t, c, "POST", base+"/admin/login", "application/x-www-form-urlencoded", url.Values{"password": {old}}.Encode())
	page := mustDo(t, c, "GET", base+"/admin/sessions", "", "")
	m := regexp.MustCompile(`name="csrf" value="([^"]+)"`).FindStringSubmatch(page.body)
	if m == nil {
		t.Fatalf("no CSRF token on the sessions page (%d)", page.code)
	}
	form := url.Values{"csrf": {m[1]}, "current": {old}, "new": {next}, "confirm": {next}}
	if a := mustDo(t, c, "POST", base+"/admin/password", "application/x-www-form-urlencoded", form.Encode()); a.code != http.StatusSeeOther {
		t.Fatalf("change the password: %d", a.code)
	}
	stop()
	_, banner, stop = startServe(t, "--data", dir, "--admin-password", old)
	stop()
	if strings.Contains(banner, old) || !strings.Contains(banner, "the password set in the admin") {
		t.Errorf("banner after the change:\n%s\nwant no old password, and where the password is", banner)
	}
}

func TestServeFlags(t *testing.T) {
	for _, args := range [][]string{{"--hold", "10s"}, {"--sim-speed", "0"}, {"--mapi-env", "mars"}, {"extra"},
		{"--metrics-addr", "nowhere"}, {"--metrics-addr", ""}} {
		var stderr bytes.Buffer
		err := run(context.Background(), append([]string{"serve", "--addr", "127.0.0.1:0", "--data", t.TempDir()}, args...),
			io.Discard, &stderr)
		if err == nil {
			t.Errorf("%q: no error", args)
		}
	}
	err := run(context.Background(), []string{"serve", "--addr", "127.0.0.1:0", "--data", t.TempDir(), "--mapi-env", "test"},
		io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "--mapi-client-id") {
		t.Errorf("test env without credentials: %v", err)
	}
}

type answer struct {
	code   int
	header http.Header
	body   string
}

func mustDo(t *testing.T, c *http.Client, method, u, contentType, body string) answer {
	t.Helper()
	req, err := http.NewRequest(method, u, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
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
	return answer{code: resp.StatusCode, header: resp.Header, body: string(b)}
}

func TestDatabaseURLFlag(t *testing.T) {
	const env, flagURL = "postgres://kassa:s3cret@127.0.0.1:5432/shop?sslmode=disable", "postgres://other@127.0.0.1/x"
	t.Setenv("KASSA_DATABASE_URL", env)
	c, err := parseServeFlags(nil, io.Discard)
	if err != nil || c.DatabaseURL != env {
		t.Fatalf("from KASSA_DATABASE_URL: %+v, %v", c, err)
	}
	if c, err = parseServeFlags([]string{"--database-url", flagURL}, io.Discard); err != nil || c.DatabaseURL != flagURL {
		t.Fatalf("--database-url wins over the variable: %+v, %v", c, err)
	}
	got := databaseName(&serveConfig{DatabaseURL: env})
	if strings.Contains(got, "s3cret") || !strings.Contains(got, "127.0.0.1:5432/shop") {
		t.Errorf("databaseName = %q; want the database without its password", got)
	}
	if got, want := databaseName(&serveConfig{Data: "d"}), "d/kassa.db"; got != want {
		t.Errorf("databaseName without a URL = %q, want %q", got, want)
	}
}

// bookOrderJSON is a JSON API order for one BOOK-001 by the accepted persona.
const bookOrderJSON = `{"lines":[{"sku":"BOOK-001","quantity":1}],"paymentMethodId":"c0de5e00-0000-4000-8000-000000000001",
 "customer":{"type":"NATURAL","governmentId":"198305147715","email":"a@example.com","phone":"0701112233",
 "address":{"firstName":"Vincent","lastName":"Alexandersson","addressRow1":"Glassgatan 15","postalCode":"41655",
 "postalArea":"Göteborg","countryCode":"SE"}}}`

// noRedirectClient returns redirects as answers, so a test can check them.
func noRedirectClient() *http.Client {
	return &http.Client{Timeout: 15 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}
