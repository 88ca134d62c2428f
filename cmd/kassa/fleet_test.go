package main

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kassa-dev/kassa/mapi"
	"github.com/kassa-dev/kassa/mapisim"
)

// fleetSchema creates a fresh, empty schema in $KASSA_TEST_POSTGRES (or
// skips t), drops it when t ends, and returns the URL that selects it.
func fleetSchema(t *testing.T) string {
	t.Helper()
	base := os.Getenv("KASSA_TEST_POSTGRES")
	if base == "" {
		t.Skip("KASSA_TEST_POSTGRES is not set")
	}
	db, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatal(err)
	}
	name := fmt.Sprintf("kassa_fleet_%016x", rand.Uint64())
	if _, err := db.Exec("CREATE SCHEMA " + name); err != nil {
		t.Fatalf("create schema: %v", err)
	}
	t.Cleanup(func() {
		_, _ = db.Exec("DROP SCHEMA " + name + " CASCADE")
		db.Close()
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("search_path", name)
	u.RawQuery = q.Encode()
	return u.String()
}

// instance is one `kassa serve` of a fleet.
type instance struct {
	base, banner string
	stop         func() error
}

// startFleet starts n `kassa serve` at the same moment on dbURL, each
// with its own connection pool, all talking to the simulator at simURL,
// and waits until every one has started or ended. It fails t unless all
// came up.
func startFleet(t *testing.T, n int, dbURL, simURL string, extra ...string) []*instance {
	t.Helper()
	for _, k := range []string{"KASSA_ADDR", "KASSA_BASE_URL", "KASSA_MAPI_URL", "KASSA_MAPI_ENV",
		"KASSA_ADMIN_PASSWORD", "KASSA_MAPI_CLIENT_ID", "KASSA_MAPI_CLIENT_SECRET", "KASSA_MAPI_STORE_ID",
		"KASSA_METRICS_ADDR", "KASSA_DATABASE_URL", "KASSA_TRUSTED_PROXIES"} {
		t.Setenv(k, "")
	}
	fleet := make([]*instance, n)
	errs := make([]error, n)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range n {
		args := []string{"serve", "--addr", "127.0.0.1:0", "--metrics-addr", "off", "--data", t.TempDir(),
			"--database-url", dbURL, "--mapi-url", simURL}
		args = append(args, extra...)
		wg.Go(func() {
			fleet[i], errs[i] = startInstance(start, args)
		})
	}
	close(start)
	wg.Wait()
	t.Cleanup(func() {
		for _, in := range fleet {
			if in != nil {
				if err := in.stop(); err != nil {
					t.Errorf("stop: %v", err)
				}
			}
		}
	})
	for i, err := range errs {
		if err != nil {
			t.Fatalf("instance %d of %d did not come up: %v", i+1, n, err)
		}
	}
	return fleet
}

// startInstance runs `kassa <args>` once start is closed and returns when
// its banner is out, or with its error when it ended first.
func startInstance(start <-chan struct{}, args []string) (*instance, error) {
	ctx, cancel := context.WithCancel(context.Background())
	var stdout, stderr syncBuffer
	done := make(chan error, 1)
	<-start
	go func() { done <- run(ctx, args, &stdout, &stderr) }()
	deadline := time.After(60 * time.Second)
	for !shopRe.MatchString(stdout.String()) {
		select {
		case err := <-done:
			cancel()
			return nil, fmt.Errorf("serve ended: %v\n%s", err, stderr.String())
		case <-deadline:
			cancel()
			return nil, fmt.Errorf("serve did not start:\n%s", stderr.String())
		case <-time.After(10 * time.Millisecond):
		}
	}
	banner := stdout.String()
	stop := func() error {
		cancel()
		select {
		case err := <-done:
			return err
		case <-time.After(30 * time.Second):
			return fmt.Errorf("serve did not shut down")
		}
	}
	return &instance{base: shopRe.FindStringSubmatch(banner)[1], banner: banner, stop: stop}, nil
}

// TestFleetStartsTogether starts several instances at the same moment on
// an empty PostgreSQL schema: all come up (migrations under their advisory
// lock), all print the same generated admin password, and all sign
// cookies with the same key, so that a session made on one instance is
// good on another and a cart follows the customer whichever answers.
func TestFleetStartsTogether(t *testing.T) {
	dbURL := fleetSchema(t)
	sim := httptest.NewServer(nil)
	sim.Config.Handler = mapisim.New(mapisim.Options{BaseURL: sim.URL, Seed: 1})
	defer sim.Close()
	fleet := startFleet(t, 4, dbURL, sim.URL)

	pass := ""
	for i, in := range fleet {
		m := passwordRe.FindStringSubmatch(in.banner)
		if m == nil {
			t.Fatalf("instance %d prints no password:\n%s", i+1, in.banner)
		}
		if pass == "" {
			pass = m[1]
		} else if m[1] != pass {
			t.Fatalf("instance %d generated password %q, instance 1 %q: instances disagree", i+1, m[1], pass)
		}
	}
	jar, _ := cookiejar.New(nil)
	c := noRedirectClient()
	c.Jar = jar
	login := mustDo(t, c, "POST", fleet[0].base+"/admin/login", "application/x-www-form-urlencoded",
		url.Values{"password": {pass}}.Encode())
	if login.code != http.StatusSeeOther {
		t.Fatalf("login on instance 1: %d", login.code)
	}
	cookies := jar.Cookies(mustParse(t, fleet[0].base))
	for i, in := range fleet[1:] {
		u := mustParse(t, in.base)
		jar.SetCookies(u, cookies) // same host, another port: the browser behind a balancer
		if page := mustDo(t, c, "GET", in.base+"/admin", "", ""); page.code != http.StatusOK {
			t.Errorf("instance %d: the session made on instance 1 gets %d, want the dashboard", i+2, page.code)
		}
	}
}

// TestFleetCaptureRace: two admins capture the same order at the same
// moment on two instances, with different Idempotency-Keys. The database
// serialises them: one captures, the other gets a 409 with a message a
// person can read, and Resurs sees exactly one capture.
func TestFleetCaptureRace(t *testing.T) {
	dbURL := fleetSchema(t)
	sim := httptest.NewServer(nil)
	bank := mapisim.New(mapisim.Options{BaseURL: sim.URL, Seed: 2})
	sim.Config.Handler = bank
	defer sim.Close()
	fleet := startFleet(t, 2, dbURL, sim.URL)
	pass := passwordRe.FindStringSubmatch(fleet[0].banner)[1]

	for round := range 4 {
		id, _ := paidServeOrder(t, fleet[round%2].base)
		codes := make([]int, 2)
		bodies := make([]string, 2)
		start := make(chan struct{})
		var wg sync.WaitGroup
		for i, in := range fleet {
			wg.Go(func() {
				<-start
				codes[i], bodies[i] = capture(t, in.base, pass, id, fmt.Sprintf("race-%d-%d", round, i))
			})
		}
		close(start)
		wg.Wait()
		won, lost := 0, 0
		for i := range codes {
			switch codes[i] {
			case http.StatusOK, http.StatusCreated:
				won++
			case http.StatusConflict:
				lost++
				var problem struct{ Message string }
				if json.Unmarshal([]byte(bodies[i]), &problem) != nil || problem.Message == "" ||
					strings.Contains(problem.Message, "record already exists") {
					t.Errorf("round %d: the loser's 409 says %s; want a message a person can act on", round, bodies[i])
				}
			default:
				t.Errorf("round %d: capture on instance %d answered %d %s", round, i+1, codes[i], bodies[i])
			}
		}
		if won != 1 || lost != 1 {
			t.Errorf("round %d: %d captures succeeded and %d got 409 (%v); want one of each", round, won, lost, codes)
		}
		captures := 0
		for _, p := range bank.Payments() {
			if p.Order.OrderReference != orderNumber(t, fleet[0].base, pass, id) {
				continue
			}
			for _, a := range p.Order.ActionLog {
				if a.Type == mapi.LogCapture {
					captures++
				}
			}
		}
		if captures != 1 {
			t.Errorf("round %d: Resurs saw %d captures of order %d, want 1", round, captures, id)
		}
		if refused := actionsIn(t, fleet[1].base, pass, id, "refused"); refused != 0 {
			t.Errorf("round %d: %d refused actions on the order; the loser must not have reached Resurs", round, refused)
		}
	}
}

// capture asks instance base to capture all of order id.
func capture(t *testing.T, base, pass string, id int64, key string) (int, string) {
	req, err := http.NewRequest("POST", base+"/api/admin/orders/"+strconv.FormatInt(id, 10)+"/capture",
		strings.NewReader(`{"all":true}`))
	if err != nil {
		t.Error(err)
		return 0, ""
	}
	req.SetBasicAuth("admin", pass)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Idempotency-Key", key)
	resp, err := noRedirectClient().Do(req)
	if err != nil {
		t.Error(err)
		return 0, ""
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Error(err)
	}
	return resp.StatusCode, string(b)
}

// adminGet reads an admin API path as JSON into v.
func adminGet(t *testing.T, base, pass, path string, v any) {
	t.Helper()
	req, _ := http.NewRequest("GET", base+path, nil)
	req.SetBasicAuth("admin", pass)
	resp, err := noRedirectClient().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
		t.Fatalf("GET %s: %d: %v", path, resp.StatusCode, err)
	}
}

// orderNumber is order id's number ("K000001").
func orderNumber(t *testing.T, base, pass string, id int64) string {
	var o struct{ Number string }
	adminGet(t, base, pass, "/api/admin/orders/"+strconv.FormatInt(id, 10), &o)
	return o.Number
}

// actionsIn counts order id's actions in state.
func actionsIn(t *testing.T, base, pass string, id int64, state string) int {
	var list struct {
		Actions []struct{ OrderID int64 }
	}
	adminGet(t, base, pass, "/api/admin/actions?state="+state, &list)
	n := 0
	for _, a := range list.Actions {
		if a.OrderID == id {
			n++
		}
	}
	return n
}

func mustParse(t *testing.T, raw string) *url.URL {
	t.Helper()
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// TestFleetPasswordChange: a password set in the admin on one instance is
// the password on every instance at once, and the old one stops working
// on all of them.
func TestFleetPasswordChange(t *testing.T) {
	dbURL := fleetSchema(t)
	sim := httptest.NewServer(nil)
	sim.Config.Handler = mapisim.New(mapisim.Options{BaseURL: sim.URL, Seed: 3})
	defer sim.Close()
	const old, next = "the-configured-password", "a-password-set-in-the-admin"
	fleet := startFleet(t, 2, dbURL, sim.URL, "--admin-password", old)
	basic := func(in *instance, pass string) int {
		req, _ := http.NewRequest("GET", in.base+"/api/admin/orders", nil)
		req.SetBasicAuth("admin", pass)
		resp, err := noRedirectClient().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if got := basic(fleet[1], old); got != http.StatusOK {
		t.Fatalf("configured password on instance 2: %d", got)
	}
	jar, _ := cookiejar.New(nil)
	c := noRedirectClient()
	c.Jar = jar
	mustDo(t, c, "POST", fleet[0].base+"/admin/login", "application/x-www-form-urlencoded", url.Values{"password": {old}}.Encode())
	page := mustDo(t, c, "GET", fleet[0].base+"/admin/sessions", "", "")
	m := regexp.MustCompile(`name="csrf" value="([^"]+)"`).FindStringSubmatch(page.body)
	if m == nil {
		t.Fatalf("no CSRF token on the sessions page (%d)", page.code)
	}
	form := url.Values{"csrf": {m[1]}, "current": {old}, "new": {next}, "confirm": {next}}
	if a := mustDo(t, c, "POST", fleet[0].base+"/admin/password", "application/x-www-form-urlencoded", form.Encode()); a.code != http.StatusSeeOther {
		t.Fatalf("change the password on instance 1: %d", a.code)
	}
	for i, in := range fleet {
		if got := basic(in, next); got != http.StatusOK {
			t.Errorf("instance %d: the new password gets %d, want 200", i+1, got)
		}
		if got := basic(in, old); got != http.StatusUnauthorized {
			t.Errorf("instance %d: the old password gets %d, want 401", i+1, got)
		}
	}
}
