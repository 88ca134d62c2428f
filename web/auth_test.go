package web_test

import (
	"context"
	"encoding/base64"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/kassa-dev/kassa"
	"github.com/kassa-dev/kassa/checkout"
	"github.com/kassa-dev/kassa/mapi"
	"github.com/kassa-dev/kassa/mapisim"
	"github.com/kassa-dev/kassa/web"
)

// basicGet reads an admin API path with Basic credentials through c.
func basicGet(t *testing.T, c *http.Client, u, pass string) *http.Response {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, u, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.SetBasicAuth("admin", pass)
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp
}

// clientFrom returns a client whose connections come from the loopback
// address ip, another client than the default 127.0.0.1.
func clientFrom(t *testing.T, ip string) *http.Client {
	t.Helper()
	c := client(t)
	d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(ip)}}
	c.Transport = &http.Transport{DialContext: d.DialContext}
	return c
}

func TestBasicAuthLimited(t *testing.T) {
	t.Parallel()
	st := newStack(t)
	c := client(t)
	u := st.URL + "/api/admin/orders"
	var statuses []int
	for range 20 {
		statuses = append(statuses, basicGet(t, c, u, "guess").StatusCode)
	}
	for i, got := range statuses {
		want := http.StatusUnauthorized
		if i >= 10 {
			want = http.StatusTooManyRequests
		}
		if got != want {
			t.Fatalf("wrong password %d: status %d, want %d (all: %v)", i+1, got, want, statuses)
		}
	}
	resp := basicGet(t, c, u, adminPassword)
	if resp.StatusCode != http.StatusTooManyRequests || resp.Header.Get("Retry-After") == "" {
		t.Errorf("right password from the limited client: %d, Retry-After %q; want 429 with Retry-After",
			resp.StatusCode, resp.Header.Get("Retry-After"))
	}
	if resp := basicGet(t, clientFrom(t, "127.0.0.2"), u, adminPassword); resp.StatusCode != http.StatusOK {
		t.Errorf("right password from another client: %d, want 200", resp.StatusCode)
	}
	// The login form shares the limiter: the limited client waits there too.
	resp, body := postForm(t, c, st.URL+"/admin/login", url.Values{"password": {adminPassword}})
	if resp.StatusCode != http.StatusTooManyRequests || !strings.Contains(body, "Try again in") {
		t.Errorf("login form from the limited client: %d, want 429 with a page saying when to try again", resp.StatusCode)
	}
}

// TestSignInLimitSharedByServers: two servers on one store (two
// instances of a fleet behind a round-robin balancer) count one client's
// failed sign-ins together: the 11th failure across both is refused, on
// either, and so is the right password then.
func TestSignInLimitSharedByServers(t *testing.T) {
	t.Parallel()
	st := newStack(t)
	servers := []string{st.URL, restart(t, st, adminPassword)}
	c := client(t)
	var statuses []int
	for i := range 12 {
		statuses = append(statuses, basicGet(t, c, servers[i%2]+"/api/admin/orders", "guess").StatusCode)
	}
	for i, got := range statuses {
		want := http.StatusUnauthorized
		if i >= 10 {
			want = http.StatusTooManyRequests
		}
		if got != want {
			t.Fatalf("wrong password %d (server %d): status %d, want %d (all: %v)", i+1, i%2+1, got, want, statuses)
		}
	}
	for i, u := range servers {
		if resp := basicGet(t, c, u+"/api/admin/orders", adminPassword); resp.StatusCode != http.StatusTooManyRequests {
			t.Errorf("right password on server %d while limited: %d, want 429", i+1, resp.StatusCode)
		}
	}
	resp, body := postForm(t, c, servers[1]+"/admin/login", url.Values{"password": {adminPassword}})
	if resp.StatusCode != http.StatusTooManyRequests || !strings.Contains(body, "Try again in") {
		t.Errorf("login form on server 2 while limited: %d, want 429 saying when to try again", resp.StatusCode)
	}
}

// brokenLimits is a store whose limits cannot be read or taken.
type brokenLimits struct{ web.Store }

var errBrokenLimits = errors.New("rate_limits: disk I/O error")

func (brokenLimits) LimitWait(context.Context, time.Time, ...kassa.Limit) (time.Duration, error) {
	return 0, errBrokenLimits
}

func (brokenLimits) TakeLimit(context.Context, time.Time, ...kassa.Limit) (time.Duration, error) {
	return 0, errBrokenLimits
}

func (brokenLimits) PurgeLimits(context.Context, time.Time, int) (int64, error) {
	return 0, errBrokenLimits
}

// TestSignInFailsClosed: when the store cannot say whether a client may
// try, signing in is refused with the reason, on the login form (503)
// and on the admin API (500, a failure of the store), even with the right
// password: a broken store must not allow unlimited guessing.
func TestSignInFailsClosed(t *testing.T) {
	t.Parallel()
	st := newStack(t, func(_ *checkout.Config, w *web.Config) { w.Store = brokenLimits{w.Store} })
	resp, body := postForm(t, client(t), st.URL+"/admin/login", url.Values{"password": {adminPassword}})
	if resp.StatusCode != http.StatusServiceUnavailable || !strings.Contains(body, "Signing in is not possible right now") {
		t.Errorf("login form: %d, want 503 with the reason\n%s", resp.StatusCode, body)
	}
	resp, body = postForm(t, clientIn(t, "sv"), st.URL+"/admin/login", url.Values{"password": {adminPassword}})
	if resp.StatusCode != http.StatusServiceUnavailable || !strings.Contains(body, "Det går inte att logga in just nu") {
		t.Errorf("login form in Swedish: %d, want 503 with the reason in Swedish\n%s", resp.StatusCode, body)
	}
	resp, body = do(t, client(t), http.MethodGet, st.URL+"/api/admin/orders", nil,
		map[string]string{"Authorization": "Basic " + base64.StdEncoding.EncodeToString([]byte("admin:"+adminPassword))})
	if resp.StatusCode != http.StatusInternalServerError || !strings.Contains(body, "Signing in is not possible right now") {
		t.Errorf("admin API: %d %s, want 500 with the reason", resp.StatusCode, body)
	}
	resp, _ = bearerGet(t, client(t), st.URL+"/api/admin/orders", "kassa_sk_whatever")
	if resp.StatusCode != http.StatusInternalServerError {
		t.Errorf("admin API with an API key: %d, want 500", resp.StatusCode)
	}
}

// sessionCookie returns c's admin session cookie.
func sessionCookie(t *testing.T, c *http.Client, base string) *http.Cookie {
	t.Helper()
	u, _ := url.Parse(base + "/admin")
	for _, ck := range c.Jar.Cookies(u) {
		if ck.Name == "kassa_admin" {
			return ck
		}
	}
	t.Fatal("no admin session cookie")
	return nil
}

// withCookie returns a new client that carries only ck.
func withCookie(t *testing.T, base string, ck *http.Cookie) *http.Client {
	t.Helper()
	c := client(t)
	u, _ := url.Parse(base + "/admin")
	c.Jar.SetCookies(u, []*http.Cookie{{Name: ck.Name, Value: ck.Value, Path: "/admin"}})
	return c
}

// wantLoggedOut fails t unless c is sent to the login form.
func wantLoggedOut(t *testing.T, c *http.Client, base, why string) {
	t.Helper()
	resp, _ := do(t, c, http.MethodGet, base+"/admin", nil, nil)
	if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), "/admin/login") {
		t.Errorf("%s: %d %s, want a redirect to the login", why, resp.StatusCode, resp.Header.Get("Location"))
	}
}

// wantLoggedIn fails t unless c sees the dashboard.
func wantLoggedIn(t *testing.T, c *http.Client, base, why string) {
	t.Helper()
	if resp, _ := do(t, c, http.MethodGet, base+"/admin", nil, nil); resp.StatusCode != http.StatusOK {
		t.Errorf("%s: %d, want the dashboard", why, resp.StatusCode)
	}
}

func TestLogoutEndsSession(t *testing.T) {
	t.Parallel()
	st := newStack(t)
	c := client(t)
	csrf := login(t, c, st.URL)
	old := sessionCookie(t, c, st.URL)
	if resp, _ := postForm(t, c, st.URL+"/admin/logout", url.Values{"csrf": {csrf}}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("logout: %d", resp.StatusCode)
	}
	wantLoggedOut(t, withCookie(t, st.URL, old), st.URL, "the cookie of a session logged out")
}

var otherSessionRe = regexp.MustCompile(`action="(/admin/sessions/[0-9a-f]{64}/end)"[^>]*>[^<]*<input[^>]*><button[^>]*>End</button>`)

func TestEndSessionFromList(t *testing.T) {
	t.Parallel()
	st := newStack(t)
	a, b := client(t), clientFrom(t, "127.0.0.3")
	csrf := login(t, a, st.URL)
	login(t, b, st.URL)

	_, page := do(t, a, http.MethodGet, st.URL+"/admin/sessions", nil, nil)
	for _, want := range []string{"this session", "127.0.0.1", "127.0.0.3", `href="/admin/sessions"`} {
		if !strings.Contains(page, want) {
			t.Errorf("sessions page lacks %q", want)
		}
	}
	m := otherSessionRe.FindStringSubmatch(page)
	if m == nil || strings.Count(page, "/end\"") != 2 {
		t.Fatalf("want two sessions, one of them another's to end:\n%s", page)
	}
	resp, _ := postForm(t, a, st.URL+m[1], url.Values{"csrf": {csrf}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("end a session: %d", resp.StatusCode)
	}
	wantLoggedOut(t, b, st.URL, "the session ended from the list")
	wantLoggedIn(t, a, st.URL, "the session that ended another")
	if resp, _ := postForm(t, a, st.URL+m[1], url.Values{"csrf": {csrf}}); resp.StatusCode != http.StatusNotFound {
		t.Errorf("ending it again: %d, want 404", resp.StatusCode)
	}
}

func TestPasswordChangeEndsOtherSessions(t *testing.T) {
	t.Parallel()
	st := newStack(t)
	a, b := client(t), client(t)
	csrf := login(t, a, st.URL)
	login(t, b, st.URL)
	const next = "a-new-and-longer-password"

	for _, bad := range []url.Values{
		{"current": {"wrong"}, "new": {next}, "confirm": {next}},
		{"current": {adminPassword}, "new": {"short"}, "confirm": {"short"}},
		{"current": {adminPassword}, "new": {next}, "confirm": {next + "x"}},
	} {
		bad.Set("csrf", csrf)
		if resp, _ := postForm(t, a, st.URL+"/admin/password", bad); resp.StatusCode != http.StatusUnprocessableEntity {
			t.Errorf("%v: %d, want 422", bad, resp.StatusCode)
		}
	}
	wantLoggedIn(t, b, st.URL, "another session after refused changes")

	resp, _ := postForm(t, a, st.URL+"/admin/password", url.Values{"csrf": {csrf}, "current": {adminPassword},
		"new": {next}, "confirm": {next}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("change the password: %d", resp.StatusCode)
	}
	wantLoggedOut(t, b, st.URL, "another session after the password change")
	wantLoggedIn(t, a, st.URL, "the session that changed the password")

	api := st.URL + "/api/admin/orders"
	if resp := basicGet(t, client(t), api, adminPassword); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("Basic with the old password: %d, want 401", resp.StatusCode)
	}
	if resp := basicGet(t, client(t), api, next); resp.StatusCode != http.StatusOK {
		t.Errorf("Basic with the new password: %d, want 200", resp.StatusCode)
	}
}

// restart serves a new web.Server on st's store, engine and simulator,
// configured with password.
func restart(t *testing.T, st *stack, password string) string {
	t.Helper()
	bank := mapi.New(mapi.Config{BaseURL: st.URL + "/sim", ClientID: mapisim.DefaultClientID,
		ClientSecret: mapisim.DefaultClientSecret})
	w, err := web.New(web.Config{Engine: st.Engine, Store: st.DB, Bank: bank, StoreID: mapisim.DefaultStoreID,
		BaseURL: st.URL, AdminPassword: password, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(w.Handler())
	t.Cleanup(srv.Close)
	return srv.URL
}

func TestPasswordChangeSurvivesRestart(t *testing.T) {
	t.Parallel()
	st := newStack(t)
	c := client(t)
	csrf := login(t, c, st.URL)
	const next = "a-new-and-longer-password"
	resp, _ := postForm(t, c, st.URL+"/admin/password", url.Values{"csrf": {csrf}, "current": {adminPassword},
		"new": {next}, "confirm": {next}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("change the password: %d", resp.StatusCode)
	}
	// Its session survives a restart too: sessions are in the store.
	again := restart(t, st, adminPassword)
	wantLoggedIn(t, withCookie(t, again, sessionCookie(t, c, st.URL)), again, "the session after a restart")
	if resp := basicGet(t, client(t), again+"/api/admin/orders", next); resp.StatusCode != http.StatusOK {
		t.Errorf("the changed password after a restart: %d, want 200", resp.StatusCode)
	}
	if resp := basicGet(t, client(t), again+"/api/admin/orders", adminPassword); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("the replaced password after a restart: %d, want 401", resp.StatusCode)
	}
	// Configuring another password is the way back in.
	reset := restart(t, st, "the-operator-reset-it")
	if resp := basicGet(t, client(t), reset+"/api/admin/orders", "the-operator-reset-it"); resp.StatusCode != http.StatusOK {
		t.Errorf("a newly configured password: %d, want 200", resp.StatusCode)
	}
	// The password set in the admin is forgotten, also when the first
	// configured password comes back.
	back := restart(t, st, adminPassword)
	if resp := basicGet(t, client(t), back+"/api/admin/orders", next); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("the forgotten password: %d, want 401", resp.StatusCode)
	}
	if resp := basicGet(t, client(t), back+"/api/admin/orders", adminPassword); resp.StatusCode != http.StatusOK {
		t.Errorf("the configured password: %d, want 200", resp.StatusCode)
	}
}
