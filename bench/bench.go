// Package bench measures what the shop costs on top of the bank: in one
// process it runs (a) the bare MAPI work of a customer journey against the
// simulator over loopback HTTP, and (b) whole customer journeys through the
// shop (store, checkout engine and web server on 127.0.0.1) against the
// same simulator, and reports both throughputs, their ratio, the latency
// of the shop's own endpoints, the time from callback to processed,
// allocations per journey and peak memory.
//
// A journey through the shop: POST /api/orders, POST "approve" to the
// signing page the answer redirects to, GET the thank-you page the bank
// redirects back to and check that it shows the order processing, then
// wait until the shop has processed the bank's callback (no polling: the
// engine reports it). The bare journey is the bank's share of it: create
// payment, sign, get payment twice.
//
// Everything listens on 127.0.0.1 and stops by itself after the duration.
package bench

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"runtime"
	"runtime/pprof"
	"sync"
	"sync/atomic"
	"time"

	"github.com/kassa-dev/kassa/mapi"
	"github.com/kassa-dev/kassa/mapisim"
)

// Config configures a run.
type Config struct {
	Duration    time.Duration // measured time of each phase; default 10s
	Rounds      int           // the phases alternate in this many rounds; default one per 2s of Duration
	Warmup      time.Duration // unmeasured time at the start of every slice; default 500ms
	Concurrency int           // customers in flight; default 32
	Store       string        // "sqlite" (default) or "postgres"
	DatabaseURL string        // PostgreSQL URL; without a search_path a dedicated schema is created and dropped
	Dir         string        // SQLite directory; default a temporary one, removed afterwards
	Seed        int64         // the simulator's seed (payment ids, tokens)
	CPUProfile  io.Writer     // when set, a CPU profile of the shop phase (forces one round)
	MemProfile  io.Writer     // when set, an allocation profile written at the end

	// Engine tuning, for experiments; zero keeps the engine's defaults
	// (what `kassa serve` runs with).
	Workers int // the engine's callback workers
}

func (c *Config) defaults() {
	if c.Duration <= 0 {
		c.Duration = 10 * time.Second
	}
	if c.Rounds <= 0 {
		c.Rounds = max(1, int(c.Duration/(2*time.Second)))
	}
	if c.CPUProfile != nil {
		c.Rounds = 1
	}
	if c.Warmup <= 0 {
		c.Warmup = 500 * time.Millisecond
	}
	if c.Concurrency <= 0 {
		c.Concurrency = 32
	}
	if c.Store == "" {
		c.Store = "sqlite"
	}
}

// Phase is the outcome of one phase.
type Phase struct {
	Journeys         int     `json:"journeys"`
	Errors           int     `json:"errors"`
	FirstError       string  `json:"first_error,omitempty"`
	Seconds          float64 `json:"seconds"`
	PerSecond        float64 `json:"journeys_per_s"`
	Latency          Latency `json:"latency"`
	AllocsPerJourney float64 `json:"allocs_per_journey"`
	BytesPerJourney  float64 `json:"bytes_per_journey"`
	// CPU time of the whole process (shop, simulator and customers) per
	// journey: less sensitive than journeys/s to other load on the machine.
	CPUMsPerJourney float64 `json:"cpu_ms_per_journey"`
	PeakRSSBytes    int64   `json:"peak_rss_bytes"`
	Load            Load    `json:"load"`
	// Waits for a connection of the write pool (SQLite: its one writer
	// connection), per journey: how much the writes queue behind each other.
	WriteWaitsPerJourney  float64 `json:"write_waits_per_journey,omitempty"`
	WriteWaitMsPerJourney float64 `json:"write_wait_ms_per_journey,omitempty"`
}

// Result is the outcome of a run. The flat fields are the headline figures.
type Result struct {
	BareJourneysPerS   float64 `json:"bare_journeys_per_s"`
	ShopJourneysPerS   float64 `json:"shop_journeys_per_s"`
	Ratio              float64 `json:"ratio"`
	ShopP99Ms          float64 `json:"shop_p99_ms"` // p99 over every request to the shop's own endpoints
	CallbackAckP99Ms   float64 `json:"callback_ack_p99_ms"`
	CallbackAppliedP50 float64 `json:"callback_applied_p50_ms"`
	CallbackAppliedP99 float64 `json:"callback_applied_p99_ms"`
	AllocsPerJourney   float64 `json:"allocs_per_journey"` // shop phase, whole process
	// CPUCostRatio is bare CPU per journey / shop CPU per journey: the
	// ratio to expect when the process is CPU-bound on an otherwise idle
	// machine (an estimate; Ratio is what was measured).
	CPUCostRatio float64 `json:"cpu_cost_ratio"`
	// RoundRatios is the ratio of each round alone (its shop slice's
	// journeys/s over its bare slice's): their spread shows how far one
	// run's Ratio can be trusted on a machine whose speed drifts.
	RoundRatios  []float64 `json:"round_ratios"`
	PeakRSSBytes int64     `json:"peak_rss_bytes"` // shop phase
	HeapSysBytes uint64    `json:"heap_sys_bytes"`

	Bare         Phase              `json:"bare"`
	Shop         Phase              `json:"shop"`
	Endpoints    map[string]Latency `json:"endpoints"` // measured in the shop, handler in to handler out
	ShopRequests Latency            `json:"shop_requests"`
	// ShopServerErrors counts the shop's answers with a 5xx status on
	// those endpoints (warm-ups included). A journey can still end well
	// after one (the bank retries a failed callback), so it is counted
	// apart from the journeys' errors.
	ShopServerErrors int64   `json:"shop_server_errors"`
	CallbackApplied  Latency `json:"callback_applied"` // callback arrives → processed (committed)
	// StoreCalls are the store calls of the shop phase (engine and web),
	// with their count per journey and latency, waits for the writer included.
	StoreCalls map[string]StoreCall `json:"store_calls"`
	// BankCalls are the shop's MAPI calls per journey by route (the bare
	// phase makes one create and two payment reads per journey).
	BankCalls map[string]float64 `json:"bank_calls_per_journey"`
	Config    RunConfig          `json:"config"`
	Machine   Machine            `json:"machine"`
}

// StoreCall is how often a store method ran per journey, and how long it took.
type StoreCall struct {
	PerJourney float64 `json:"per_journey"`
	Latency
}

// RunConfig echoes the configuration in the result.
type RunConfig struct {
	Duration    string `json:"duration"`
	Rounds      int    `json:"rounds"`
	Warmup      string `json:"warmup"`
	Concurrency int    `json:"concurrency"`
	Store       string `json:"store"`
	Seed        int64  `json:"seed"`
	Workers     int    `json:"workers,omitempty"` // 0: engine default
}

// Run measures both phases and returns the figures. The phases alternate
// (bare, shop, bare, shop …) in cfg.Rounds slices, so that a machine whose
// load changes (other processes) affects both alike. Every slice starts
// with an unmeasured warm-up and ends by letting the journeys in flight
// finish, unmeasured, so that no shop work spills into a bare slice.
// Run returns an error only when the setup fails; failed journeys are
// counted in the result.
func Run(ctx context.Context, cfg Config) (_ *Result, err error) {
	cfg.defaults()
	res := &Result{Machine: machine(), Endpoints: map[string]Latency{}, StoreCalls: map[string]StoreCall{},
		Config: RunConfig{Duration: cfg.Duration.String(), Rounds: cfg.Rounds, Warmup: cfg.Warmup.String(),
			Concurrency: cfg.Concurrency, Store: cfg.Store, Seed: cfg.Seed, Workers: cfg.Workers}}
	sim := mapisim.New(mapisim.Options{Seed: cfg.Seed})
	defer sim.Close()
	simURL, stopSim, err := serveLoopback(sim)
	if err != nil {
		return nil, err
	}
	defer stopSim()
	sink, stopSink, err := serveLoopback(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(http.StatusNoContent)
	}))
	if err != nil {
		return nil, err
	}
	defer stopSink()
	s, err := openShop(ctx, cfg, simURL)
	if err != nil {
		return nil, fmt.Errorf("bench: open shop: %w", err)
	}
	defer func() { err = errors.Join(err, s.close()) }()
	if err := runRounds(ctx, cfg, s, simURL, sink, res); err != nil {
		return nil, err
	}
	if cfg.MemProfile != nil {
		if err := pprof.Lookup("allocs").WriteTo(cfg.MemProfile, 0); err != nil {
			return nil, fmt.Errorf("bench: write memory profile: %w", err)
		}
	}
	res.summarise()
	return res, nil
}

// runRounds alternates the phases and fills res.
func runRounds(ctx context.Context, cfg Config, s *shop, simURL, sink string, res *Result) error {
	bare := &bareJourney{bank: mapi.New(mapi.Config{BaseURL: simURL, ClientID: mapisim.DefaultClientID,
		ClientSecret: mapisim.DefaultClientSecret}), hc: newCustomer(cfg.Concurrency), sink: sink}
	bareW, shopW := &window{}, &window{}
	shop := &shopJourney{shop: s, hc: newCustomer(cfg.Concurrency), body: orderBody(), window: shopW, applied: &recorder{}}
	var profErr error
	shopHooks := hooks{
		pool: s.writeDB,
		start: func() {
			s.timing.on.Store(true)
			s.watch.on.Store(true)
			if cfg.CPUProfile != nil {
				profErr = pprof.StartCPUProfile(cfg.CPUProfile)
			}
		},
		stop: func() {
			s.timing.on.Store(false)
			s.watch.on.Store(false)
			if cfg.CPUProfile != nil && profErr == nil {
				pprof.StopCPUProfile()
			}
		},
	}
	slice := cfg.Duration / time.Duration(cfg.Rounds)
	var bareAcc, shopAcc acc
	for range cfg.Rounds {
		if ctx.Err() != nil {
			break
		}
		b0 := bareAcc.measured()
		runSlice(ctx, cfg, slice, bareW, bare.run, hooks{}, &bareAcc)
		b := bareAcc.measured().since(b0)
		s0 := shopAcc.measured()
		runSlice(ctx, cfg, slice, shopW, shop.run, shopHooks, &shopAcc)
		if s := shopAcc.measured().since(s0); b.perSecond() > 0 {
			res.RoundRatios = append(res.RoundRatios, round3(s.perSecond()/b.perSecond()))
		}
	}
	if profErr != nil {
		return fmt.Errorf("bench: cpu profile: %w", profErr)
	}
	res.Bare, res.Shop = bareAcc.phase(), shopAcc.phase()
	var all []time.Duration
	for _, ep := range endpoints {
		r := s.timing.rec[ep]
		res.Endpoints[ep] = r.latency()
		r.mu.Lock()
		all = append(all, r.d...)
		r.mu.Unlock()
	}
	res.ShopRequests = summarise(all)
	res.ShopServerErrors = s.timing.failed.Load()
	res.CallbackApplied = shop.applied.latency()
	res.StoreCalls = map[string]StoreCall{}
	for m, name := range storeMethods {
		l := s.watch.calls[m].latency()
		if l.Count > 0 && res.Shop.Journeys > 0 {
			res.StoreCalls[name] = StoreCall{PerJourney: round2(float64(l.Count) / float64(res.Shop.Journeys)), Latency: l}
		}
	}
	res.BankCalls = map[string]float64{}
	s.watch.bankMu.Lock()
	defer s.watch.bankMu.Unlock()
	for route, n := range s.watch.bank {
		if res.Shop.Journeys > 0 {
			res.BankCalls[route] = round2(float64(n) / float64(res.Shop.Journeys))
		}
	}
	return nil
}

func (r *Result) summarise() {
	r.BareJourneysPerS, r.ShopJourneysPerS = r.Bare.PerSecond, r.Shop.PerSecond
	if r.BareJourneysPerS > 0 {
		r.Ratio = r.ShopJourneysPerS / r.BareJourneysPerS
	}
	r.ShopP99Ms = r.ShopRequests.P99
	r.CallbackAckP99Ms = r.Endpoints[epCallback].P99
	r.CallbackAppliedP50, r.CallbackAppliedP99 = r.CallbackApplied.P50, r.CallbackApplied.P99
	r.AllocsPerJourney = r.Shop.AllocsPerJourney
	if r.Shop.CPUMsPerJourney > 0 {
		r.CPUCostRatio = round2(r.Bare.CPUMsPerJourney / r.Shop.CPUMsPerJourney)
	}
	r.PeakRSSBytes = r.Shop.PeakRSSBytes
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	r.HeapSysBytes = m.HeapSys
}

// serveLoopback serves h on 127.0.0.1:0 and returns its URL and a stop func.
func serveLoopback(h http.Handler) (string, func(), error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, fmt.Errorf("bench: listen: %w", err)
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	go srv.Serve(ln)
	return "http://" + ln.Addr().String(), func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
	}, nil
}

// window is the measured time of the current slice of a phase.
type window struct{ start, end atomic.Int64 } // unix nanoseconds; 0 = not yet

func (w *window) contains(t time.Time) bool {
	s, e := w.start.Load(), w.end.Load()
	n := t.UnixNano()
	return s != 0 && n >= s && (e == 0 || n < e)
}

// hooks run at the start and the end of every measured window.
type hooks struct {
	start, stop func()
	pool        *sql.DB // write pool whose waits are counted, may be nil
}

// acc accumulates a phase over its slices.
type acc struct {
	mu       sync.Mutex
	lat      []time.Duration
	errs     int
	first    string
	wall     time.Duration
	mallocs  uint64
	bytes    uint64
	load     loadSample // summed differences
	waits    int64
	waitTime time.Duration
	peak     int64
}

// count is how many journeys a phase measured in how much time.
type count struct {
	journeys int
	wall     time.Duration
}

// measured returns what a has measured so far.
func (a *acc) measured() count {
	a.mu.Lock()
	defer a.mu.Unlock()
	return count{journeys: len(a.lat), wall: a.wall} // as phase counts them
}

// since is c minus the earlier c0.
func (c count) since(c0 count) count {
	return count{journeys: c.journeys - c0.journeys, wall: c.wall - c0.wall}
}

func (c count) perSecond() float64 {
	if c.wall <= 0 {
		return 0
	}
	return float64(c.journeys) / c.wall.Seconds()
}

func (a *acc) journey(d time.Duration, err error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if err == nil {
		a.lat = append(a.lat, d)
		return
	}
	a.errs++
	if a.first == "" {
		a.first = err.Error()
	}
}

// runSlice runs journeys with cfg.Concurrency customers: a warm-up, the
// measured time d, then no new journeys while those in flight finish. A
// journey counts when it ends inside the measured time.
func runSlice(ctx context.Context, cfg Config, d time.Duration, w *window, journey func(context.Context) error, h hooks, a *acc) {
	w.start.Store(0)
	w.end.Store(0)
	var stop atomic.Bool
	var wg sync.WaitGroup
	for range cfg.Concurrency {
		wg.Go(func() {
			for !stop.Load() && ctx.Err() == nil {
				start := time.Now()
				err := journey(ctx)
				if end := time.Now(); w.contains(end) {
					a.journey(end.Sub(start), err)
				}
			}
		})
	}
	if sleep(ctx, cfg.Warmup) {
		measure(ctx, d, w, h, a)
	}
	stop.Store(true)
	wg.Wait()
}

// measure opens the window for d and adds the window's totals to a.
func measure(ctx context.Context, d time.Duration, w *window, h hooks, a *acc) {
	resetPeakRSS()
	var m0, m1 runtime.MemStats
	var s0, s1 sql.DBStats
	runtime.ReadMemStats(&m0)
	if h.pool != nil {
		s0 = h.pool.Stats()
	}
	l0 := readLoad()
	if h.start != nil {
		h.start()
	}
	start := time.Now()
	w.start.Store(start.UnixNano())
	sleep(ctx, d)
	end := time.Now()
	w.end.Store(end.UnixNano())
	if h.stop != nil {
		h.stop()
	}
	l1 := readLoad()
	runtime.ReadMemStats(&m1)
	if h.pool != nil {
		s1 = h.pool.Stats()
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	a.wall += end.Sub(start)
	a.mallocs += m1.Mallocs - m0.Mallocs
	a.bytes += m1.TotalAlloc - m0.TotalAlloc
	a.load.add(l0, l1)
	a.waits += s1.WaitCount - s0.WaitCount
	a.waitTime += s1.WaitDuration - s0.WaitDuration
	a.peak = max(a.peak, peakRSS())
}

// phase turns the totals into per-second and per-journey figures.
func (a *acc) phase() Phase {
	a.mu.Lock()
	defer a.mu.Unlock()
	p := Phase{Journeys: len(a.lat), Errors: a.errs, FirstError: a.first, Seconds: a.wall.Seconds(),
		Latency: summarise(a.lat), PeakRSSBytes: a.peak, Load: a.load.cores()}
	if p.Seconds > 0 {
		p.PerSecond = float64(p.Journeys) / p.Seconds
	}
	if n := float64(p.Journeys); n > 0 {
		p.AllocsPerJourney = float64(a.mallocs) / n
		p.BytesPerJourney = float64(a.bytes) / n
		p.CPUMsPerJourney = ms(a.load.own) / n
		p.WriteWaitsPerJourney = float64(a.waits) / n
		p.WriteWaitMsPerJourney = ms(a.waitTime) / n
	}
	return p
}

// sleep waits d or until ctx ends; it reports whether d passed.
func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}
