package bench

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/kassa-dev/kassa"
	"github.com/kassa-dev/kassa/checkout"
	"github.com/kassa-dev/kassa/mapi"
	"github.com/kassa-dev/kassa/mapisim"
	"github.com/kassa-dev/kassa/postgres"
	"github.com/kassa-dev/kassa/sqlite"
	"github.com/kassa-dev/kassa/storecache"
	"github.com/kassa-dev/kassa/web"
)

// AdminConfig is a run of the admin benchmark (kassa bench --admin): the
// admin's requests timed one after another against an existing database,
// typically one filled by kassa seed.
type AdminConfig struct {
	Store       string        // "sqlite" (Dir) or "postgres" (DatabaseURL)
	Dir         string        // SQLite data directory holding kassa.db
	DatabaseURL string        // PostgreSQL URL of the database itself (no schema is created)
	Requests    int           // timed requests of each kind (default 200)
	MaxTime     time.Duration // and at most this long per kind (default 5s)
}

// AdminResult is the timings of each kind of admin request.
type AdminResult struct {
	Store    string       `json:"store"`
	Orders   int          `json:"orders"` // in the database when the run began
	Requests []AdminTimed `json:"requests"`
}

// AdminTimed is one kind of admin request and its times.
type AdminTimed struct {
	Name   string  `json:"name"`
	Path   string  `json:"path"`
	N      int     `json:"n"`
	P50ms  float64 `json:"p50Ms"`
	P99ms  float64 `json:"p99Ms"`
	MaxMs  float64 `json:"maxMs"`
	Status int     `json:"status"` // of the last answer
}

// RunAdmin opens the database, serves the shop's admin on a loopback
// port and times each admin request kind of adminRequests: a few
// unmeasured requests first, then up to cfg.Requests, for at most
// cfg.MaxTime, one at a time.
func RunAdmin(ctx context.Context, cfg AdminConfig) (_ *AdminResult, err error) {
	if cfg.Requests <= 0 {
		cfg.Requests = 200
	}
	if cfg.MaxTime <= 0 {
		cfg.MaxTime = 5 * time.Second
	}
	st, closeStore, err := openAdminStore(ctx, cfg)
	if err != nil {
		return nil, err
	}
	defer func() { err = errors.Join(err, closeStore()) }()
	base, password, stop, err := serveAdmin(ctx, st)
	if err != nil {
		return nil, err
	}
	defer stop()
	counts, err := st.OrderCounts(ctx)
	if err != nil {
		return nil, fmt.Errorf("bench: %w", err)
	}
	res := &AdminResult{Store: cfg.Store}
	for _, n := range counts {
		res.Orders += n
	}
	reqs, err := adminRequests(ctx, st)
	if err != nil {
		return nil, err
	}
	c, err := adminClient(ctx, base, password)
	if err != nil {
		return nil, err
	}
	for _, r := range reqs {
		t, err := timeRequests(ctx, c, base, password, r, cfg)
		if err != nil {
			return nil, err
		}
		res.Requests = append(res.Requests, t)
	}
	return res, nil
}

// openAdminStore opens the configured database as kassa serve does.
func openAdminStore(ctx context.Context, cfg AdminConfig) (kassa.Store, func() error, error) {
	switch cfg.Store {
	case "", "sqlite":
		if cfg.Dir == "" {
			return nil, nil, errors.New("bench: --admin needs --data (a database filled by kassa seed)")
		}
		db, err := sqlite.Open(ctx, filepath.Join(cfg.Dir, "kassa.db"))
		if err != nil {
			return nil, nil, fmt.Errorf("bench: %w", err)
		}
		return storecache.Wrap(db, db), db.Close, nil
	case "postgres":
		if cfg.DatabaseURL == "" {
			return nil, nil, errors.New("bench: --admin --store postgres needs --database-url")
		}
		db, err := postgres.Open(ctx, cfg.DatabaseURL)
		if err != nil {
			return nil, nil, fmt.Errorf("bench: %w", err)
		}
		return db, db.Close, nil
	}
	return nil, nil, fmt.Errorf("bench: unknown store %q", cfg.Store)
}

// serveAdmin serves the shop (its engine not started: nothing runs in the
// background) and /metrics on a loopback port, with the simulator as the
// bank, and returns its URL and admin password.
func serveAdmin(ctx context.Context, st kassa.Store) (base, password string, stop func(), err error) {
	sim := mapisim.New(mapisim.Options{Seed: 1})
	simURL, stopSim, err := serveLoopback(sim)
	if err != nil {
		sim.Close()
		return "", "", nil, err
	}
	mux := http.NewServeMux()
	base, stopShop, err := serveLoopback(mux)
	if err != nil {
		stopSim()
		sim.Close()
		return "", "", nil, err
	}
	stop = func() { stopShop(); stopSim(); sim.Close() }
	reg := prometheus.NewRegistry()
	bank := mapi.New(mapi.Config{BaseURL: simURL, ClientID: mapisim.DefaultClientID,
		ClientSecret: mapisim.DefaultClientSecret})
	log := slog.New(slog.DiscardHandler)
	eng, err := checkout.New(checkout.Config{Store: st, Bank: bank, StoreID: mapisim.DefaultStoreID, BaseURL: base,
		Logger: log, Metrics: checkout.NewMetrics(reg)})
	if err != nil {
		stop()
		return "", "", nil, fmt.Errorf("bench: %w", err)
	}
	password = randomHex(12)
	w, err := web.New(web.Config{Engine: eng, Store: st, Bank: bank, StoreID: mapisim.DefaultStoreID,
		BaseURL: base, AdminPassword: password, Logger: log})
	if err != nil {
		stop()
		return "", "", nil, fmt.Errorf("bench: %w", err)
	}
	mux.Handle("GET /metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	mux.Handle("/", w.Handler())
	return base, password, stop, nil
}

// adminRequest is one kind of admin request: a path, and whether it is an
// admin page (session) rather than the API (Basic auth).
type adminRequest struct {
	name, path string
	page       bool
}

// adminRequests returns the requests timed, with their arguments taken
// from the database: an order in the middle (its e-mail, number, payment
// id), the oldest page.
func adminRequests(ctx context.Context, st kassa.Store) ([]adminRequest, error) {
	newest, _, err := st.Orders(ctx, kassa.OrderFilter{Limit: 1})
	if err != nil {
		return nil, fmt.Errorf("bench: %w", err)
	}
	if len(newest) == 0 {
		return nil, errors.New("bench: the database has no orders (fill it with kassa seed)")
	}
	oldest, _, err := st.Orders(ctx, kassa.OrderFilter{Limit: 1, Before: 1})
	if err != nil || len(oldest) == 0 {
		oldest = newest
	}
	mid, err := middleOrder(ctx, st, (oldest[0].ID+newest[0].ID)/2)
	if err != nil {
		return nil, err
	}
	deep := min(oldest[0].ID+100, newest[0].ID)
	q := url.QueryEscape
	id := strconv.FormatInt(mid.ID, 10)
	return []adminRequest{
		{"orders: first page", "/api/admin/orders?limit=50", false},
		{"orders: status processing", "/api/admin/orders?status=processing&limit=50", false},
		{"orders: status on-hold (rare)", "/api/admin/orders?status=on-hold&limit=50", false},
		{"orders: deep page (after)", "/api/admin/orders?limit=50&after=" + strconv.FormatInt(deep, 10), false},
		{"orders: offset 10000", "/api/admin/orders?limit=50&offset=10000", false},
		{"search: common first name", "/api/admin/orders?limit=50&q=" + q(mid.Customer.Address.FirstName), false},
		{"search: first and last name", "/api/admin/orders?limit=50&q=" +
			q(mid.Customer.Address.FirstName+" "+mid.Customer.Address.LastName), false},
		{"search: e-mail", "/api/admin/orders?limit=50&q=" + q(mid.Customer.Email), false},
		{"search: number", "/api/admin/orders?limit=50&q=" + q(mid.Number), false},
		{"search: payment id", "/api/admin/orders?limit=50&q=" + q(cmpOr(mid.PaymentID, "none")), false},
		{"search: name + status refunded", "/api/admin/orders?limit=50&status=refunded&q=" +
			q(mid.Customer.Address.LastName), false},
		{"order (API)", "/api/admin/orders/" + id, false},
		{"callbacks: first page", "/api/admin/callbacks?limit=50", false},
		{"callbacks: duplicates", "/api/admin/callbacks?state=duplicate&limit=50", false},
		{"actions: failed", "/api/admin/actions?state=failed", false},
		{"admin: dashboard", "/admin", true},
		{"admin: orders page", "/admin/orders", true},
		{"admin: order page", "/admin/orders/" + id, true},
		{"admin: e-mails page", "/admin/emails", true},
		{"metrics", "/metrics", false},
	}, nil
}

// middleOrder returns the order id, or the nearest older one.
func middleOrder(ctx context.Context, st kassa.Store, id int64) (*kassa.Order, error) {
	list, _, err := st.Orders(ctx, kassa.OrderFilter{Limit: 1, After: id + 1})
	if err != nil || len(list) == 0 {
		return nil, fmt.Errorf("bench: no order at or before %d: %v", id, err)
	}
	return list[0], nil
}

func cmpOr(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// adminClient signs in to the admin and returns a client holding the
// session cookie.
func adminClient(ctx context.Context, base, password string) (*http.Client, error) {
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, Timeout: time.Minute,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, base+"/admin/login",
		strings.NewReader(url.Values{"password": {password}, "next": {"/admin"}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := c.Do(req)
	if err != nil {
		return nil, fmt.Errorf("bench: admin login: %w", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther {
		return nil, fmt.Errorf("bench: admin login: status %d", resp.StatusCode)
	}
	return c, nil
}

// adminWarmup is the unmeasured requests of each kind.
const adminWarmup = 3

// timeRequests sends r until cfg.Requests were timed or cfg.MaxTime has
// passed, after adminWarmup unmeasured ones.
func timeRequests(ctx context.Context, c *http.Client, base, password string, r adminRequest, cfg AdminConfig) (AdminTimed, error) {
	t := AdminTimed{Name: r.name, Path: r.path}
	var times []time.Duration
	deadline := time.Now().Add(cfg.MaxTime)
	for i := 0; i < adminWarmup+cfg.Requests && time.Now().Before(deadline); i++ {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+r.path, nil)
		if err != nil {
			return t, err
		}
		if !r.page {
			req.SetBasicAuth("admin", password)
		}
		start := time.Now()
		resp, err := c.Do(req)
		if err != nil {
			return t, fmt.Errorf("bench: %s: %w", r.path, err)
		}
		_, err = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		d := time.Since(start)
		if err != nil {
			return t, fmt.Errorf("bench: %s: %w", r.path, err)
		}
		t.Status = resp.StatusCode
		if i >= adminWarmup {
			times = append(times, d)
		}
	}
	slices.Sort(times)
	t.N = len(times)
	if t.N > 0 {
		t.P50ms, t.P99ms = ms(rank(times, 50)), ms(rank(times, 99))
		t.MaxMs = ms(times[len(times)-1])
	}
	return t, nil
}

// WriteText prints the result as a table.
func (r *AdminResult) WriteText(w io.Writer) error {
	fmt.Fprintf(w, "admin requests on %s, %d orders\n", r.Store, r.Orders)
	tw := tabwriter.NewWriter(w, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "request\tn\tp50 ms\tp99 ms\tmax ms\tstatus")
	for _, t := range r.Requests {
		fmt.Fprintf(tw, "%s\t%d\t%.2f\t%.2f\t%.2f\t%d\n", t.Name, t.N, t.P50ms, t.P99ms, t.MaxMs, t.Status)
	}
	return tw.Flush()
}

// WriteJSON prints the result as one JSON object.
func (r *AdminResult) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}
