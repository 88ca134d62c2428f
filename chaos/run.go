package chaos

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/kassa-dev/kassa"
	"github.com/kassa-dev/kassa/mapisim"
)

// Config configures a run. Zero values take the defaults in brackets.
type Config struct {
	Orders      int             // customer journeys [500]
	Seed        int64           // all randomness: plans, faults, crash moments
	Concurrency int             // customers at a time [32]
	Crashes     int             // SIGKILL restarts of the shop (of a random instance) during the journeys
	Instances   int             // shop processes behind a round-robin proxy [1]; more than one needs postgres
	Store       string          // sqlite or postgres [sqlite]
	DatabaseURL string          // PostgreSQL URL; a fresh schema is made per run
	SimSpeed    float64         // simulator clock factor [4]: the 1 min payment TTL lasts 15 s
	Hold        time.Duration   // the shop's --hold = payment TTL [1m, the shop's minimum]
	Timeout     time.Duration   // the whole run, settling included [10m]
	Settle      time.Duration   // bound on settling after the journeys [3m]
	Faults      *mapisim.Faults // nil: DefaultFaults
	Security    bool            // send forged and replayed requests before the check
	Dir         string          // data directory and shop log; "" = a new temporary directory
	Launch      Launcher        // runs "kassa serve" with the given flags; required
	Out         io.Writer       // progress and the summary [io.Discard]
}

// DefaultFaults is the fault mix of a run: callbacks dropped, duplicated,
// delayed and reordered; 5xx and timeouts on create, get and search; lost
// answers of after-sale actions.
func DefaultFaults() mapisim.Faults {
	return mapisim.Faults{
		Endpoints: []mapisim.EndpointFault{
			{Route: "POST /v2/payments", Error5xx: 0.03, Timeout: 0.02, TimeoutAfterExecute: true},
			{Route: "GET /v2/payments/{id}", Error5xx: 0.05, Timeout: 0.005},
			{Route: "POST /v2/payments/search", Error5xx: 0.10, Timeout: 0.02},
			{Route: "POST /v2/payments/{id}/capture", Timeout: 0.10, TimeoutAfterExecute: true},
			{Route: "POST /v2/payments/{id}/refund", Timeout: 0.10, TimeoutAfterExecute: true},
		},
		Callbacks: mapisim.CallbackFaults{Drop: 0.15, Duplicate: 0.15, Delay: 0.15, Reorder: 0.10, MaxDelay: 30 * time.Second},
	}
}

func (c *Config) defaults() {
	setDefault(&c.Orders, 500)
	setDefault(&c.Concurrency, 32)
	setDefault(&c.Instances, 1)
	setDefault(&c.Store, "sqlite")
	setDefault(&c.SimSpeed, 4)
	setDefault(&c.Hold, time.Minute)
	setDefault(&c.Timeout, 10*time.Minute)
	setDefault(&c.Settle, 3*time.Minute)
	if c.Out == nil {
		c.Out = io.Discard
	}
	if c.Faults == nil {
		f := DefaultFaults()
		c.Faults = &f
	}
}

func setDefault[T comparable](p *T, def T) {
	var zero T
	if *p == zero {
		*p = def
	}
}

// Result is what a run found.
type Result struct {
	Violations []Violation
	Summary    string
	Restarts   int
	Orders     int // orders in the shop at the end
	// Checkout counts the journeys by how their order placement ended:
	// "created", or why not ("stock", "interrupted", "bank", "invalid",
	// "http-<code>", "error").
	Checkout map[string]int
	// Webhooks is how many deliveries the run's webhook receiver got;
	// MidDeliveryKills how many SIGKILLs came while it held a delivery
	// it had accepted.
	Webhooks, MidDeliveryKills int
	Dir                        string
}

// ErrViolations is returned (wrapped) by Run when an invariant is broken.
var ErrViolations = errors.New("chaos: invariants violated")

// adminPassword is the shop's admin password during a run.
const adminPassword = "chaos-admin-password"

// Run runs the journeys, settles, checks and prints the summary.
func Run(ctx context.Context, cfg Config) (*Result, error) {
	cfg.defaults()
	if cfg.Launch == nil {
		return nil, errors.New("chaos: Config.Launch is required")
	}
	ctx, cancel := context.WithTimeout(ctx, cfg.Timeout)
	defer cancel()
	r := &runner{cfg: cfg, out: cfg.Out, begin: time.Now()}
	defer r.cleanup()
	if err := r.setup(ctx); err != nil {
		return nil, err
	}
	res := &Result{Dir: r.dir}
	err := r.run(ctx, res)
	return res, err
}

// runner holds a run's moving parts.
type runner struct {
	cfg     Config
	out     io.Writer
	begin   time.Time
	dir     string
	dbURL   string
	drop    func()
	bank    *bank
	hooks   *receiver
	shops   []*shopProc // one, or the instances behind proxy
	front   string      // the URL customers use: the shop's, or the proxy's
	proxy   *http.Server
	cust    *customer
	catalog []kassa.Product
	plenty  []kassa.Product // stock for every customer
	scarce  []kassa.Product // customers compete for the last units
	initial map[string]int64
	restart atomic.Int32
	// midDeliveryKills counts the kills made while the receiver held a
	// delivery it had accepted.
	midDeliveryKills atomic.Int32
}

func (r *runner) logf(format string, args ...any) {
	fmt.Fprintf(r.out, "[%6.1fs] %s\n", time.Since(r.begin).Seconds(), fmt.Sprintf(format, args...))
}

func (r *runner) cleanup() {
	for _, sh := range r.shops {
		if sh.cmd != nil {
			_ = sh.kill()
		}
	}
	if r.proxy != nil {
		_ = r.proxy.Close()
	}
	if r.bank != nil {
		r.bank.close()
	}
	if r.hooks != nil {
		r.hooks.close()
	}
	if r.drop != nil {
		r.drop()
	}
}

// setup starts the simulator, seeds the catalog and starts the shop.
func (r *runner) setup(ctx context.Context) error {
	r.dir = r.cfg.Dir
	if r.dir == "" {
		d, err := os.MkdirTemp("", "kassa-chaos-")
		if err != nil {
			return fmt.Errorf("chaos: %w", err)
		}
		r.dir = d
	}
	if err := os.MkdirAll(r.dir, 0o755); err != nil {
		return fmt.Errorf("chaos: %w", err)
	}
	if r.cfg.Store == "postgres" {
		if r.cfg.DatabaseURL == "" {
			return errors.New("chaos: --store postgres needs --database-url")
		}
		u, drop, err := freshSchema(ctx, r.cfg.DatabaseURL, r.cfg.Seed)
		if err != nil {
			return err
		}
		r.dbURL, r.drop = u, drop
	}
	b, err := startBank(r.cfg.Seed, r.cfg.SimSpeed, *r.cfg.Faults)
	if err != nil {
		return err
	}
	r.bank = b
	if r.hooks, err = startReceiver(r.cfg.Seed); err != nil {
		return err
	}
	if err := r.seedCatalog(ctx); err != nil {
		return err
	}
	if err := r.startShops(ctx); err != nil {
		return err
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConnsPerHost = r.cfg.Concurrency * 2
	r.cust = &customer{shop: r.front, hc: &http.Client{Timeout: 60 * time.Second, Transport: tr},
		sim: b.sim, admin: adminPassword}
	id, err := r.hooks.register(ctx, r.cust.hc, r.front)
	if err != nil {
		return err
	}
	r.logf("webhook receiver %s (endpoint %d; %.0f %% of deliveries answered 503 while faults are on)", r.hooks.url, id,
		receiverFailRate*100)
	return nil
}

// startShops starts the shop: one process, or Config.Instances of them
// at the same moment behind the round-robin proxy, whose URL is then the
// shop's public (base) URL.
func (r *runner) startShops(ctx context.Context) error {
	n := r.cfg.Instances
	if n > 1 && r.dbURL == "" {
		return errors.New("chaos: --instances above 1 needs --store postgres: instances share one database")
	}
	var extra []string
	if n > 1 {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return fmt.Errorf("chaos: proxy: %w", err)
		}
		r.front = "http://" + ln.Addr().String()
		extra = []string{"--base-url", r.front, "--trusted-proxies", "127.0.0.1/32"}
		defer func() {
			if r.proxy == nil {
				ln.Close()
				return
			}
			go func() { _ = r.proxy.Serve(ln) }()
		}()
	}
	var urls []string
	for k := range n {
		addr, err := freeAddr()
		if err != nil {
			return err
		}
		data, logPath := r.dir, filepath.Join(r.dir, "shop.log")
		if n > 1 {
			data, logPath = filepath.Join(r.dir, fmt.Sprintf("shop-%d", k+1)), filepath.Join(r.dir, fmt.Sprintf("shop-%d.log", k+1))
		}
		args := append([]string{"--addr", addr, "--data", data, "--mapi-url", r.bank.url, "--hold", r.cfg.Hold.String(),
			"--admin-password", adminPassword, "--log-level", "warn", "--metrics-addr", "off",
			// Every journey comes from 127.0.0.1: one client to the shop's limits.
			"--max-unpaid-orders", "0", "--max-unpaid-units", "0", "--address-lookups", "0"}, extra...)
		env := childEnv()
		if r.dbURL != "" {
			args = append(args, "--database-url", r.dbURL)
			env = childEnv("KASSA_DATABASE_URL=" + r.dbURL)
		}
		r.shops = append(r.shops, &shopProc{launch: r.cfg.Launch, args: args, env: env, url: "http://" + addr, logPath: logPath})
		urls = append(urls, "http://"+addr)
	}
	if n == 1 {
		r.front = r.shops[0].url
	} else {
		lb, err := newBalancer(urls)
		if err != nil {
			return err
		}
		r.proxy = &http.Server{Handler: lb.handler(), ReadHeaderTimeout: 10 * time.Second}
	}
	r.logf("simulator %s (seed %d, speed ×%g), shop %s (%d instance(s)), store %s, data %s", r.bank.url, r.cfg.Seed,
		r.cfg.SimSpeed, r.front, n, r.cfg.Store, r.dir)
	// All at the same moment: instances of a fleet start together.
	errs := make([]error, n)
	var wg sync.WaitGroup
	for k, sh := range r.shops {
		wg.Go(func() { errs[k] = sh.start(ctx) })
	}
	wg.Wait()
	return errors.Join(errs...)
}

// seedCatalog puts the chaos catalog in the store before the shop starts
// (the shop seeds its demo catalog only into an empty store).
func (r *runner) seedCatalog(ctx context.Context) error {
	st, err := openStore(ctx, r.cfg.Store, r.dir, r.dbURL)
	if err != nil {
		return fmt.Errorf("chaos: open store: %w", err)
	}
	defer st.Close()
	r.catalog = Catalog(r.cfg.Orders)
	r.initial = map[string]int64{}
	for _, p := range r.catalog {
		if err := st.PutProduct(ctx, p); err != nil {
			return fmt.Errorf("chaos: seed catalog: %w", err)
		}
		r.initial[p.SKU] = p.Stock
		if p.Stock > int64(r.cfg.Orders) {
			r.plenty = append(r.plenty, p)
		} else {
			r.scarce = append(r.scarce, p)
		}
	}
	return nil
}

// Catalog is the products of a run of n orders: most plentiful, two scarce
// so that customers compete for the last units.
func Catalog(n int) []kassa.Product {
	plenty := int64(2*n + 100)
	return []kassa.Product{
		{SKU: "CH-BOOK", Name: "Kokbok", Price: 24900, VATRate: 600, Stock: plenty},
		{SKU: "CH-COFFEE", Name: "Kaffe 450 g", Price: 7995, VATRate: 1200, Stock: plenty},
		{SKU: "CH-JAM", Name: "Lingonsylt", Price: 4450, VATRate: 1200, Stock: plenty},
		{SKU: "CH-HORSE", Name: "Dalahäst", Price: 44900, VATRate: 2500, Stock: plenty},
		{SKU: "CH-POT", Name: "Gjutjärnsgryta", Price: 179500, VATRate: 2500, Stock: plenty},
		{SKU: "CH-CUP", Name: "Kaffekopp", Price: 34900, VATRate: 2500, Stock: int64(max(5, n/40))},
		{SKU: "CH-RARE", Name: "Ullpläd", Price: 89900, VATRate: 2500, Stock: 3},
	}
}

func (r *runner) run(ctx context.Context, res *Result) error {
	outs := r.journeys(ctx)
	if ctx.Err() != nil {
		return fmt.Errorf("chaos: journeys: %w", ctx.Err())
	}
	r.bank.sim.SetFaults(mapisim.Faults{})
	r.hooks.setFailing(false)
	r.logf("journeys done; faults off; settling (at most %s)", r.cfg.Settle)
	var sec *securityReport
	st, err := openStore(ctx, r.cfg.Store, r.dir, r.dbURL)
	if err != nil {
		return fmt.Errorf("chaos: open store: %w", err)
	}
	defer st.Close()
	r.settle(ctx, st)
	if r.cfg.Security {
		if sec, err = r.security(ctx, st); err != nil {
			return err
		}
	}
	if err := r.stopShops(); err != nil {
		return err
	}
	r.logf("shop stopped; checking")
	shop, err := readShop(ctx, st)
	if err != nil {
		return err
	}
	truth, err := r.bank.truth(ctx)
	if err != nil {
		return err
	}
	vs := Check(shop, truth, Limits{InitialStock: r.initial, Now: time.Now(), Grace: graceFor()})
	got := r.hooks.received()
	vs = append(vs, CheckWebhooks(shop.Orders, shop.Events, got)...)
	if sec != nil {
		vs = append(vs, sec.violations...)
	}
	res.Violations, res.Restarts, res.Orders, res.Webhooks = vs, int(r.restart.Load()), len(shop.Orders), len(got)
	res.MidDeliveryKills = int(r.midDeliveryKills.Load())
	res.Checkout = make(map[string]int)
	for _, o := range outs {
		res.Checkout[o.created]++
	}
	res.Summary = r.summary(outs, shop, truth, got, vs, sec)
	fmt.Fprint(r.out, res.Summary)
	if len(vs) > 0 {
		return fmt.Errorf("%w: %d violation(s)", ErrViolations, len(vs))
	}
	return nil
}

// stopShops stops every instance (SIGTERM: each drains its work).
func (r *runner) stopShops() error {
	var errs []error
	for _, sh := range r.shops {
		errs = append(errs, sh.stop())
	}
	return errors.Join(errs...)
}

// graceFor is how long after its hold a pending order is tolerated: the
// engine's own expiry grace (5 min) and one sweeper period.
func graceFor() time.Duration { return 5*time.Minute + 30*time.Second }

// journeys runs all customers, killing and restarting the shop at seeded
// moments.
func (r *runner) journeys(ctx context.Context) []outcome {
	n := r.cfg.Orders
	outs := make([]outcome, n)
	crashAt := crashPoints(r.cfg.Seed, n, r.cfg.Crashes)
	jobs := make(chan int)
	var wg sync.WaitGroup
	for range r.cfg.Concurrency {
		wg.Go(func() {
			for i := range jobs {
				outs[i] = r.cust.run(ctx, newPlan(r.cfg.Seed, i, r.plenty, r.scarce))
			}
		})
	}
	var crashes sync.WaitGroup
	rng := rand.New(rand.NewPCG(uint64(r.cfg.Seed), 0xc4a5))
	next := 0
	for i := range n {
		if ctx.Err() != nil {
			break
		}
		if next < len(crashAt) && i == crashAt[next] {
			next++
			delay := time.Duration(rng.IntN(500)) * time.Millisecond
			k := rng.IntN(len(r.shops))
			crashes.Go(func() { r.crash(ctx, i, k, delay) })
			crashes.Wait() // one restart at a time; customers keep going meanwhile
		}
		jobs <- i
		if (i+1)%max(1, n/10) == 0 {
			r.logf("%d/%d journeys started", i+1, n)
		}
	}
	close(jobs)
	wg.Wait()
	crashes.Wait()
	return outs
}

// crashPoints are the journey indexes before which the shop is killed,
// spread over the middle of the run.
func crashPoints(seed int64, n, k int) []int {
	if k <= 0 || n < 10 {
		return nil
	}
	r := rand.New(rand.NewPCG(uint64(seed), 0xdead))
	set := map[int]bool{}
	for len(set) < min(k, n/2) {
		set[n/10+r.IntN(n*8/10)] = true
	}
	pts := make([]int, 0, len(set))
	for p := range set {
		pts = append(pts, p)
	}
	sort.Ints(pts)
	return pts
}

// crash kills instance k of the shop with SIGKILL after delay and restarts
// it on the same data and port; the other instances keep serving.
func (r *runner) crash(ctx context.Context, at, k int, delay time.Duration) {
	select {
	case <-ctx.Done():
		return
	case <-time.After(delay):
	}
	sh := r.shops[k]
	held := r.midDelivery(ctx)
	err := sh.kill()
	if held != nil {
		close(held.release)
	}
	if err != nil {
		r.logf("crash: %v", err)
		return
	}
	r.restart.Add(1)
	how := "no webhook delivery in flight"
	if held != nil {
		r.midDeliveryKills.Add(1)
		how = "while delivering webhook " + held.id
	}
	r.logf("shop %d of %d killed (SIGKILL) at journey %d, %s; restarting", k+1, len(r.shops), at, how)
	if err := sh.start(ctx); err != nil {
		r.logf("restart failed: %v", err)
		return
	}
	r.logf("shop %d restarted", k+1)
}

// midDelivery waits, bounded, until the webhook receiver holds a
// delivery it accepted, so that the kill comes between the receiver's
// acting on an event and the shop's learning that it did: the shop must
// deliver it again after the restart. Nil when none came in time.
func (r *runner) midDelivery(ctx context.Context) *heldDelivery {
	h := r.hooks.holdNext()
	select {
	case <-h.arrived:
		return h
	case <-ctx.Done():
	case <-time.After(10 * time.Second):
	}
	r.hooks.disarm()
	select {
	case <-h.arrived: // taken meanwhile
		return h
	default:
		return nil
	}
}

// settle waits, bounded, until every order matches the bank (the sweeper
// and the retries have caught up), no inbox entry waits for its
// processing (entries a SIGKILL left leased are claimed when the lease
// ends) and no webhook delivery is queued.
func (r *runner) settle(ctx context.Context, st shopStore) {
	deadline := time.Now().Add(r.cfg.Settle)
	for time.Now().Before(deadline) && ctx.Err() == nil {
		r.bank.sim.Flush()
		n, err := r.unsettled(ctx, st)
		var waiting, hooks int
		if err == nil {
			_, waiting, err = st.Callbacks(ctx, kassa.CallbackFilter{State: kassa.CallbackReceived, Limit: 1})
		}
		if err == nil {
			_, hooks, err = st.WebhookDeliveries(ctx, kassa.WebhookDeliveryFilter{State: kassa.WebhookQueued, Limit: 1})
		}
		switch {
		case err != nil:
			r.logf("settle: %v", err)
		case n == 0 && waiting == 0 && hooks == 0:
			r.logf("settled")
			return
		default:
			r.logf("settle: %d order(s) differ from the bank, %d inbox entr(ies) still received, %d webhook deliver(ies) queued",
				n, waiting, hooks)
		}
		select {
		case <-ctx.Done():
		case <-time.After(5 * time.Second):
		}
	}
	r.logf("settle: bound of %s reached", r.cfg.Settle)
}

// unsettled counts orders whose status or amounts differ from the bank.
func (r *runner) unsettled(ctx context.Context, st kassa.Orders) (int, error) {
	orders, err := allOrders(ctx, st)
	if err != nil {
		return 0, err
	}
	truth, err := r.bank.truth(ctx)
	if err != nil {
		return 0, err
	}
	vs := Check(ShopState{Orders: orders}, truth, Limits{Now: time.Now(), Grace: graceFor()})
	ids := map[int64]bool{}
	for _, v := range vs {
		if v.Rule == RuleStatus || v.Rule == RuleAmounts {
			ids[v.OrderID] = true
		}
	}
	return len(ids), nil
}

// shopStore is what the checks read of the shop's store.
type shopStore interface {
	kassa.Catalog
	kassa.Orders
	kassa.Inbox
	kassa.Webhooks
}

// readShop reads the shop's whole state from its store.
func readShop(ctx context.Context, st shopStore) (ShopState, error) {
	var s ShopState
	var err error
	if s.Orders, err = allOrders(ctx, st); err != nil {
		return s, err
	}
	s.Events = map[int64][]kassa.Event{}
	for _, o := range s.Orders {
		if s.Events[o.ID], err = st.Events(ctx, o.ID); err != nil {
			return s, fmt.Errorf("chaos: events of %d: %w", o.ID, err)
		}
	}
	for after := int64(0); ; {
		cbs, _, err := st.Callbacks(ctx, kassa.CallbackFilter{Limit: 1000, After: after})
		if err != nil {
			return s, fmt.Errorf("chaos: callbacks: %w", err)
		}
		if len(cbs) == 0 {
			break
		}
		s.Callbacks = append(s.Callbacks, cbs...)
		after = cbs[len(cbs)-1].ID
	}
	ps, err := st.Products(ctx)
	if err != nil {
		return s, fmt.Errorf("chaos: products: %w", err)
	}
	s.Stock = map[string]int64{}
	for _, p := range ps {
		s.Stock[p.SKU] = p.Stock
	}
	return s, nil
}

func allOrders(ctx context.Context, st kassa.Orders) ([]*kassa.Order, error) {
	var all []*kassa.Order
	for after := int64(0); ; {
		os, _, err := st.Orders(ctx, kassa.OrderFilter{Limit: 1000, After: after})
		if err != nil {
			return nil, fmt.Errorf("chaos: orders: %w", err)
		}
		if len(os) == 0 {
			break
		}
		all = append(all, os...)
		after = os[len(os)-1].ID
	}
	sort.Slice(all, func(i, j int) bool { return all[i].ID < all[j].ID })
	return all, nil
}

// NoFaults switches fault injection off.
var NoFaults = mapisim.Faults{}
