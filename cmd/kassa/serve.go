package main

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/kassa-dev/kassa"
	"github.com/kassa-dev/kassa/checkout"
	"github.com/kassa-dev/kassa/mapi"
	"github.com/kassa-dev/kassa/mapisim"
	"github.com/kassa-dev/kassa/web"
)

func init() {
	register(command{name: "serve", summary: "run the shop (default command)", run: serve})
}

// adminPasswordSetting holds the generated admin password.
const adminPasswordSetting = "web.admin_password"

// serveConfig is the configuration of `kassa serve`; every field has a
// flag, a KASSA_* variable and a default.
type serveConfig struct {
	Addr          string
	Data          string
	DatabaseURL   string // PostgreSQL; empty = SQLite in Data
	BaseURL       string
	Hold          time.Duration
	AdminPassword string
	MAPIURL       string
	MAPIEnv       string // simulator | test | prod
	ClientID      string
	ClientSecret  string
	StoreID       string
	SimSpeed      float64
	Secure        bool
	LogLevel      string
	MetricsAddr   string         // Prometheus listener; "off" = none
	Proxies       []netip.Prefix // trusted proxies whose X-Forwarded-For names the client
	Limits        limitConfig
	Mail          mailConfig
}

func parseServeFlags(args []string, stderr io.Writer) (*serveConfig, error) {
	c := &serveConfig{}
	fs := newFlagSet("serve", stderr)
	if err := c.define(fs); err != nil {
		return nil, err
	}
	fs.StringVar(&c.MetricsAddr, "metrics-addr", envOr("KASSA_METRICS_ADDR", defaultMetricsAddr),
		"listen address of /metrics (Prometheus), apart from the shop's; off: none (KASSA_METRICS_ADDR)")
	if err := parseFlags(fs, args); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("serve: unexpected arguments %q", fs.Args())
	}
	if err := c.check(); err != nil {
		return nil, fmt.Errorf("serve: %w", err)
	}
	if c.MetricsAddr != metricsOff && !validAddr(c.MetricsAddr) {
		return nil, fmt.Errorf("serve: --metrics-addr must be host:port or %s, not %q", metricsOff, c.MetricsAddr)
	}
	return c, nil
}

// define registers the shop's flags on fs with their KASSA_* defaults;
// serve and the commands that work on the same shop (orders) share them.
func (c *serveConfig) define(fs *flag.FlagSet) error {
	fs.StringVar(&c.Addr, "addr", envOr("KASSA_ADDR", "localhost:8080"), "`address` (host:port) to listen on (KASSA_ADDR)")
	fs.StringVar(&c.Data, "data", envOr("KASSA_DATA", "./data"), "data `directory`; the SQLite database is <data>/kassa.db (KASSA_DATA)")
	fs.StringVar(&c.DatabaseURL, "database-url", envOr("KASSA_DATABASE_URL", ""), "PostgreSQL database `URL` to use instead of SQLite in --data, e.g. postgres://kassa@127.0.0.1:5432/kassa?sslmode=disable; a search_path parameter selects the schema; several shops may share it (KASSA_DATABASE_URL)")
	fs.StringVar(&c.BaseURL, "base-url", envOr("KASSA_BASE_URL", ""), "public `URL` of the shop, used in Resurs' return and callback URLs; default http://<addr> (KASSA_BASE_URL)")
	hold, err := time.ParseDuration(envOr("KASSA_HOLD", "120m"))
	if err != nil {
		return fmt.Errorf("KASSA_HOLD: %w", err)
	}
	fs.DurationVar(&c.Hold, "hold", hold, "how long an unpaid order holds its stock, which is also the payment's time to live; 1m to 720h (KASSA_HOLD)")
	fs.StringVar(&c.AdminPassword, "admin-password", envOr("KASSA_ADMIN_PASSWORD", ""), "admin `password`; when empty, one is generated and stored at first start (KASSA_ADMIN_PASSWORD)")
	fs.StringVar(&c.MAPIURL, "mapi-url", envOr("KASSA_MAPI_URL", ""), "base `URL` of another MAPI-compatible server, such as a simulator started with \"kassa sim\"; overrides --mapi-env (KASSA_MAPI_URL)")
	fs.StringVar(&c.MAPIEnv, "mapi-env", envOr("KASSA_MAPI_ENV", ""), "which Resurs to use: simulator (built in), test or prod; default: the admin settings, else simulator (KASSA_MAPI_ENV)")
	fs.StringVar(&c.ClientID, "mapi-client-id", envOr("KASSA_MAPI_CLIENT_ID", ""), "MAPI client `id`, needed for --mapi-env test or prod (KASSA_MAPI_CLIENT_ID)")
	fs.StringVar(&c.ClientSecret, "mapi-client-secret", envOr("KASSA_MAPI_CLIENT_SECRET", envOr("KASSA_MAPI_SECRET", "")), "MAPI client `secret`, needed for --mapi-env test or prod (KASSA_MAPI_CLIENT_SECRET)")
	fs.StringVar(&c.StoreID, "mapi-store-id", envOr("KASSA_MAPI_STORE_ID", ""), "MAPI store `id` (a UUID), needed for --mapi-env test or prod (KASSA_MAPI_STORE_ID)")
	speed, err := strconv.ParseFloat(envOr("KASSA_SIM_SPEED", "1"), 64)
	if err != nil {
		return fmt.Errorf("KASSA_SIM_SPEED: %w", err)
	}
	fs.Float64Var(&c.SimSpeed, "sim-speed", speed, "clock `factor` of the built-in simulator: 60 makes a minute pass in a second (KASSA_SIM_SPEED)")
	fs.BoolVar(&c.Secure, "secure-cookies", envOr("KASSA_SECURE_COOKIES", "") == "true", "send cookies only over HTTPS; always so when the base URL is https (KASSA_SECURE_COOKIES=true)")
	fs.StringVar(&c.LogLevel, "log-level", envOr("KASSA_LOG_LEVEL", "info"), "`level` of the log: debug, info, warn or error (KASSA_LOG_LEVEL)")
	fs.Func("trusted-proxies", "comma-separated `CIDR`s of the load balancers in front of the shop, whose X-Forwarded-For names the client (KASSA_TRUSTED_PROXIES)",
		func(v string) (err error) { c.Proxies, err = web.ParseTrustedProxies(v); return err })
	if v := os.Getenv("KASSA_TRUSTED_PROXIES"); v != "" {
		if c.Proxies, err = web.ParseTrustedProxies(v); err != nil {
			return fmt.Errorf("KASSA_TRUSTED_PROXIES: %w", err)
		}
	}
	c.defineMail(fs)
	return c.defineLimits(fs)
}

// defaultMetricsAddr is where /metrics is served unless configured:
// loopback only, next to the shop's default port.
const defaultMetricsAddr = "127.0.0.1:8081"

// metricsOff as --metrics-addr serves no metrics.
const metricsOff = "off"

// validAddr reports whether addr is a host:port listen address.
func validAddr(addr string) bool {
	_, port, err := net.SplitHostPort(addr)
	return err == nil && port != ""
}

// shop is everything serve wires together; close releases it in order.
type shop struct {
	db         kassa.Store
	sim        *mapisim.Sim
	simAPI     *http.Server // the simulator's API on its Unix socket, for `kassa orders`
	engine     *checkout.Engine
	server     *http.Server
	metrics    *http.Server // nil with --metrics-addr off
	metricsURL string       // printed in the banner; empty with --metrics-addr off
	bank       string       // MAPI base URL
	env        string
	store      string
	country    kassa.Country // the store's, which the shop sells in
	pass       string
	changed    bool // a password set in the admin replaced pass
}

func serve(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	cfg, err := parseServeFlags(args, stderr)
	if err != nil {
		return err
	}
	log := newLogger(stderr, cfg.LogLevel)
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("serve: %w", err)
	}
	if cfg.BaseURL == "" {
		cfg.BaseURL = baseURL(cfg.Addr, ln.Addr())
	}
	cfg.BaseURL = strings.TrimRight(cfg.BaseURL, "/")
	s, err := openShop(ctx, cfg, log)
	if err != nil {
		ln.Close()
		return err
	}
	mln, err := s.listenMetrics(cfg.MetricsAddr)
	if err != nil {
		ln.Close()
		return errors.Join(err, s.close(log))
	}
	printBanner(stdout, cfg, s)
	errc := make(chan error, 2)
	go func() { errc <- s.server.Serve(ln) }()
	if mln != nil {
		go func() { errc <- s.metrics.Serve(mln) }()
	}
	select {
	case err = <-errc:
	case <-ctx.Done():
	}
	return errors.Join(err, s.close(log))
}

// openShop opens the store, the bank (simulator or real), the engine and
// the web server.
func openShop(ctx context.Context, cfg *serveConfig, log *slog.Logger) (s *shop, err error) {
	s = &shop{}
	defer func() {
		if err != nil {
			_ = s.release()
		}
	}()
	db, err := openDatabase(ctx, cfg)
	if err != nil {
		return s, fmt.Errorf("serve: %w", err)
	}
	s.db = db
	if err = seedCatalog(ctx, s.db); err != nil {
		return s, err
	}
	if s.pass, err = adminPassword(ctx, s.db, cfg.AdminPassword); err != nil {
		return s, err
	}
	bankCfg, err := s.chooseBank(ctx, cfg, log)
	if err != nil {
		return s, err
	}
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	metrics := checkout.NewMetrics(reg)
	bankCfg.Observe = metrics.ObserveMAPI
	bank := mapi.New(bankCfg)
	mailer, err := cfg.Mail.mailer()
	if err != nil {
		return s, fmt.Errorf("serve: %w", err)
	}
	if s.country, err = storeCountry(ctx, bank, s.store, s.db, log); err != nil {
		return s, fmt.Errorf("serve: %w", err)
	}
	s.engine, err = checkout.New(checkout.Config{Store: s.db, Bank: bank, StoreID: s.store, BaseURL: cfg.BaseURL,
		Country: s.country.Code, Currency: s.country.Currency,
		Hold: cfg.Hold, Logger: log, Metrics: metrics,
		MaxOpenOrders: cfg.Limits.MaxUnpaidOrders, MaxHeldUnits: cfg.Limits.MaxUnpaidUnits,
		Mailer: mailer, ShopEmail: cfg.Mail.ShopEmail, SweepTurns: sweepTurns(cfg, s.db)})
	if err != nil {
		return s, fmt.Errorf("serve: %w", err)
	}
	if err = s.engine.Start(ctx); err != nil {
		s.engine = nil
		return s, fmt.Errorf("serve: start engine: %w", err)
	}
	w, err := web.New(web.Config{Engine: s.engine, Store: s.db, Bank: bank, StoreID: s.store, BaseURL: cfg.BaseURL,
		AdminPassword: s.pass, Logger: log, Sim: customerPages(s.sim), Secure: cfg.Secure || strings.HasPrefix(cfg.BaseURL, "https://"),
		MAPIErrorRate: mapiErrorRate(reg), Environment: s.env, ClientID: bankCfg.ClientID,
		MaxAddressLookups: cfg.Limits.AddressLookups, AddressLookupWindow: cfg.Limits.AddressLookupWindow,
		MailConfigured: cfg.Mail.SMTPURL != "", Country: s.country.Code, Currency: s.country.Currency,
		TrustedProxies: cfg.Proxies, Shared: cfg.DatabaseURL != ""})
	if err != nil {
		return s, fmt.Errorf("serve: %w", err)
	}
	s.changed = w.AdminPasswordChanged()
	s.server = &http.Server{Handler: w.Handler(), ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 30 * time.Second,
		WriteTimeout: 60 * time.Second, IdleTimeout: 120 * time.Second, ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelWarn)}
	if cfg.MetricsAddr != metricsOff {
		s.metrics = metricsServer(reg, log)
	}
	return s, nil
}

// sweepTurns is where instances sharing a PostgreSQL database take turns
// at the sweeper; nil on SQLite, which one process serves.
func sweepTurns(cfg *serveConfig, st kassa.Settings) kassa.Settings {
	if cfg.DatabaseURL == "" {
		return nil
	}
	return st
}

// metricsServer serves GET /metrics from reg, and nothing else.
func metricsServer(reg *prometheus.Registry, log *slog.Logger) *http.Server {
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	return &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second, WriteTimeout: 30 * time.Second,
		ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelWarn)}
}

// listenMetrics opens the metrics listener on addr (nil with
// --metrics-addr off) and records its URL for the banner.
func (s *shop) listenMetrics(addr string) (net.Listener, error) {
	if s.metrics == nil {
		return nil, nil
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("serve: metrics listener (--metrics-addr, or off): %w", err)
	}
	s.metricsURL = "http://" + ln.Addr().String() + "/metrics"
	return ln, nil
}

// chooseBank decides which MAPI the shop talks to: --mapi-url, the real
// Resurs (test or prod) with credentials, or the embedded simulator.
// Flags and variables win over the admin settings.
func (s *shop) chooseBank(ctx context.Context, cfg *serveConfig, log *slog.Logger) (mapi.Config, error) {
	b, err := resolveBank(ctx, cfg, s.db)
	if err != nil {
		return mapi.Config{}, fmt.Errorf("serve: %w", err)
	}
	s.env, s.bank, s.store = b.env, b.cfg.BaseURL, b.store
	if !b.embedded {
		return b.cfg, nil
	}
	clock := mapisim.RealClock()
	if cfg.SimSpeed != 1 {
		clock = mapisim.ScaledClock(cfg.SimSpeed)
	}
	dir := filepath.Join(cfg.Data, simDir)
	s.sim, err = mapisim.Open(dir, mapisim.Options{BaseURL: cfg.BaseURL + "/sim", Clock: clock,
		Seed: time.Now().UnixNano(), Logger: log.With("component", "sim")})
	if err != nil {
		return mapi.Config{}, fmt.Errorf("serve: %w", err)
	}
	b.cfg.ClientID, b.cfg.ClientSecret = s.sim.Credentials()
	b.cfg.HTTPClient = &http.Client{Transport: s.sim.Transport()}
	s.simAPI = serveSimSocket(filepath.Join(dir, simSocket), s.sim, log)
	return b.cfg, nil
}

// The built-in simulator keeps its state in <data>/mapisim, and serves its
// API to `kassa orders` on the Unix socket <data>/mapisim/mapi.sock, which
// only the shop's user can reach; over HTTP the shop publishes only its
// customer pages.
const (
	simDir    = "mapisim"
	simSocket = "mapi.sock"
)

// serveSimSocket serves the simulator's API on a Unix socket at path, or
// returns nil, with a warning, when it cannot listen there.
func serveSimSocket(path string, sim *mapisim.Sim, log *slog.Logger) *http.Server {
	_ = os.Remove(path) // left behind by a shop that did not stop cleanly
	ln, err := net.Listen("unix", path)
	if err != nil {
		log.Warn("kassa orders cannot reach the built-in simulator", "err", err)
		return nil
	}
	srv := &http.Server{Handler: sim, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	return srv
}

// shopSimBank returns the MAPI configuration with which another process
// (`kassa orders`) reaches the simulator of the shop running on data.
func shopSimBank(data string) (mapi.Config, error) {
	dir := filepath.Join(data, simDir)
	id, secret, err := mapisim.ReadCredentials(dir)
	if err != nil {
		return mapi.Config{}, fmt.Errorf("the built-in simulator has no state in %s (has the shop been started?): %w", dir, err)
	}
	path := filepath.Join(dir, simSocket)
	dial := func(ctx context.Context, _, _ string) (net.Conn, error) {
		var d net.Dialer
		return d.DialContext(ctx, "unix", path)
	}
	// The host of the URL is never looked up: every connection is the socket.
	return mapi.Config{BaseURL: mapisim.InProcessURL, ClientID: id, ClientSecret: secret,
		HTTPClient: &http.Client{Transport: &http.Transport{DialContext: dial}}}, nil
}

// bankChoice is the MAPI a shop talks to.
type bankChoice struct {
	cfg      mapi.Config
	env      string // simulator, custom, test or production
	store    string // MAPI store id
	embedded bool   // the simulator built into serve (its customer pages at <base URL>/sim)
}

// resolveBank decides which MAPI the shop talks to: --mapi-url, the real
// Resurs (test or prod) with credentials, or the simulator embedded in
// serve. Flags and variables win over the admin settings in st.
func resolveBank(ctx context.Context, cfg *serveConfig, st kassa.Settings) (bankChoice, error) {
	env, id, secret, store := cfg.MAPIEnv, cfg.ClientID, cfg.ClientSecret, cfg.StoreID
	for _, v := range []struct {
		p   *string
		key string
	}{{&env, web.SettingMAPIEnv}, {&id, web.SettingClientID}, {&secret, web.SettingClientSecret}, {&store, web.SettingStoreID}} {
		if *v.p != "" {
			continue
		}
		val, _, err := st.Setting(ctx, v.key)
		if err != nil {
			return bankChoice{}, fmt.Errorf("read settings: %w", err)
		}
		*v.p = val
	}
	if cfg.MAPIURL != "" {
		return bankChoice{env: "custom", store: cmpOr(cfg.StoreID, mapisim.DefaultStoreID),
			cfg: mapi.Config{BaseURL: strings.TrimRight(cfg.MAPIURL, "/"), ClientID: cmpOr(cfg.ClientID, mapisim.DefaultClientID),
				ClientSecret: cmpOr(cfg.ClientSecret, mapisim.DefaultClientSecret)}}, nil
	}
	switch env {
	case "test", "prod", "production":
		if id == "" || secret == "" || store == "" {
			return bankChoice{}, fmt.Errorf("--mapi-env %s needs --mapi-client-id, --mapi-client-secret and --mapi-store-id", env)
		}
		b := bankChoice{env: "test", store: store, cfg: mapi.Config{BaseURL: mapi.TestURL, ClientID: id, ClientSecret: secret}}
		if env != "test" {
			b.env, b.cfg.BaseURL = "production", mapi.ProductionURL
		}
		return b, nil
	case "", "simulator", "sim":
	default:
		return bankChoice{}, fmt.Errorf("--mapi-env must be simulator, test or prod, not %q", env)
	}
	return bankChoice{env: "simulator", store: cmpOr(store, mapisim.DefaultStoreID), embedded: true,
		cfg: mapi.Config{BaseURL: mapisim.InProcessURL}}, nil
}

// customerPages is what the shop publishes of its built-in simulator.
func customerPages(sim *mapisim.Sim) http.Handler {
	if sim == nil {
		return nil
	}
	return sim.CustomerHandler()
}

// close shuts the running shop down (release) and logs that it stopped.
func (s *shop) close(log *slog.Logger) error {
	err := s.release()
	if err != nil {
		log.Error("shutdown", "err", err)
	} else {
		log.Info("stopped")
	}
	return err
}

// release frees what the shop opened: HTTP first (in-flight requests
// finish), then the engine (queued work finishes), the simulator and the
// database. A shop that failed to start is released without a log line,
// so that its error is the one line printed.
func (s *shop) release() error {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var errs []error
	if s.server != nil {
		errs = append(errs, s.server.Shutdown(ctx))
	}
	if s.metrics != nil {
		errs = append(errs, s.metrics.Shutdown(ctx))
	}
	if s.engine != nil {
		errs = append(errs, s.engine.Stop(ctx))
	}
	if s.simAPI != nil {
		errs = append(errs, s.simAPI.Shutdown(ctx))
	}
	if s.sim != nil {
		s.sim.Close()
	}
	if s.db != nil {
		errs = append(errs, s.db.Close())
	}
	return errors.Join(errs...)
}

// seedCatalog puts the demo catalog in an empty store.
func seedCatalog(ctx context.Context, st kassa.Catalog) error {
	products, err := st.Products(ctx)
	if err != nil {
		return fmt.Errorf("serve: read catalog: %w", err)
	}
	if len(products) > 0 {
		return nil
	}
	for _, p := range kassa.DemoCatalog() {
		if err := st.PutProduct(ctx, p); err != nil {
			return fmt.Errorf("serve: seed catalog: %w", err)
		}
	}
	return nil
}

// adminPassword returns the configured password, else the stored one,
// else a new random one, stored for the next start. Instances starting
// together on one database agree: each offers its own, exactly one is
// stored (SwapSetting from empty), and all read back that one.
func adminPassword(ctx context.Context, st kassa.Settings, configured string) (string, error) {
	if configured != "" {
		return configured, nil
	}
	b := make([]byte, 12)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("serve: generate admin password: %w", err)
	}
	if _, err := st.SwapSetting(ctx, adminPasswordSetting, "", base64.RawURLEncoding.EncodeToString(b)); err != nil {
		return "", fmt.Errorf("serve: store admin password: %w", err)
	}
	v, _, err := st.Setting(ctx, adminPasswordSetting)
	if err != nil {
		return "", fmt.Errorf("serve: read admin password: %w", err)
	}
	return v, nil
}

// baseURL derives the shop's URL from the --addr host and the port
// actually bound (so --addr 127.0.0.1:0 works).
func baseURL(addr string, bound net.Addr) string {
	host, _, _ := net.SplitHostPort(addr)
	_, port, _ := net.SplitHostPort(bound.String())
	if host == "" || host == "0.0.0.0" || host == "::" {
		host = "localhost"
	}
	return "http://" + net.JoinHostPort(host, port)
}

func printBanner(w io.Writer, cfg *serveConfig, s *shop) {
	bank := s.bank
	if s.sim != nil {
		bank = "built in"
	}
	fmt.Fprintf(w, "kassa is running (MAPI: %s, %s)\n", s.env, bank)
	fmt.Fprintf(w, "  shop:      %s/\n", cfg.BaseURL)
	fmt.Fprintf(w, "  country:   %s, prices in %s (the Resurs store's)\n", s.country.Code, s.country.Currency)
	if s.changed {
		fmt.Fprintf(w, "  admin:     %s/admin   user admin, the password set in the admin (--admin-password resets it)\n", cfg.BaseURL)
	} else {
		fmt.Fprintf(w, "  admin:     %s/admin   user admin, password %s\n", cfg.BaseURL, s.pass)
	}
	if s.sim != nil {
		fmt.Fprintf(w, "  simulator: %s/sim/sign/<payment>   store %s (only its signing pages are public)\n",
			cfg.BaseURL, s.store)
	}
	fmt.Fprintf(w, "  metrics:   %s\n", cmpOr(s.metricsURL, metricsOff))
	fmt.Fprintf(w, "  data:      %s\n", databaseName(cfg))
	fmt.Fprintf(w, "  e-mails:   %s\n", cfg.Mail.describe())
	fmt.Fprintf(w, "  try:       curl -s %s/api/products\n", cfg.BaseURL)
}

func newLogger(w io.Writer, level string) *slog.Logger {
	var l slog.Level
	if err := l.UnmarshalText([]byte(level)); err != nil {
		l = slog.LevelInfo
	}
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: l}))
}

// mapiErrorRate reads the share of MAPI calls that failed (5xx or no
// answer) from the engine's kassa_mapi_requests_total counter.
func mapiErrorRate(g prometheus.Gatherer) func() (float64, int64) {
	return func() (float64, int64) {
		mfs, err := g.Gather()
		if err != nil {
			return 0, 0
		}
		var total, failed float64
		for _, mf := range mfs {
			if mf.GetName() != "kassa_mapi_requests_total" {
				continue
			}
			for _, m := range mf.GetMetric() {
				v := m.GetCounter().GetValue()
				total += v
				for _, lp := range m.GetLabel() {
					if lp.GetName() == "outcome" && (lp.GetValue() == "5xx" || lp.GetValue() == "error") {
						failed += v
					}
				}
			}
		}
		if total == 0 {
			return 0, 0
		}
		return failed / total, int64(total)
	}
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}
