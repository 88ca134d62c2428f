package mapisim

import (
	"context"
	"encoding/hex"
	"fmt"
	"hash/fnv"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/kassa-dev/kassa/mapi"
)

// Options configure a Sim. The zero value is usable.
type Options struct {
	// ClientID and ClientSecret default to DefaultClientID ("kassa") and
	// DefaultClientSecret ("kassa-secret") with New; Open takes them from its
	// directory instead, generated at random the first time.
	ClientID, ClientSecret string
	// BaseURL is the absolute public URL of the simulator, used to build
	// taskRedirectionUrls.customerUrl and legal links; "" = "http://"+r.Host.
	// When mounted under a prefix (http.StripPrefix("/sim", sim)), set it
	// with the prefix, e.g. "http://127.0.0.1:8080/sim".
	BaseURL    string
	Clock      Clock         // default: RealClock()
	Seed       int64         // all randomness (ids, tokens, faults) comes from this seed
	Faults     Faults        // fault injection; may be changed later with SetFaults
	TokenTTL   time.Duration // default 3599 s
	HTTPClient *http.Client  // for callback delivery; default: a client with a 10 s timeout
	Logger     *slog.Logger  // default: discard
}

// Sim is the simulator. It implements http.Handler; all methods are safe
// for concurrent use.
type Sim struct {
	opts   Options
	clock  Clock
	log    *slog.Logger
	client *http.Client
	mux    *http.ServeMux
	stores []*store

	rngMu sync.Mutex
	rng   *rand.Rand

	faults atomic.Pointer[Faults]

	tokMu  sync.Mutex
	tokens map[string]time.Time // token → expiry

	shards   [shardCount]shard
	seq      atomic.Uint64 // creation order of payments
	expiries expiries
	disk     *disk // nil: in memory only (New); see Open

	tmu       sync.Mutex
	timers    map[uint64]func() bool
	timerSeq  uint64
	closed    bool
	closeOnce sync.Once
	ctx       context.Context // cancelled by Close; aborts callback HTTP
	cancel    context.CancelFunc

	busyMu sync.Mutex
	busy   int // running callback deliveries
	idle   *sync.Cond
}

const shardCount = 64

type shard struct {
	mu sync.RWMutex
	m  map[string]*payment
}

// New returns a simulator with the seeded stores and no payments, which
// keeps its state in memory only.
func New(o Options) *Sim { return newSim(o, 0) }

// newSim returns a simulator whose randomness is stream number stream of
// o.Seed, so that a simulator restarted on saved state with the same seed
// does not draw the same payment ids again.
func newSim(o Options, stream uint64) *Sim {
	if o.ClientID == "" {
		o.ClientID = DefaultClientID
	}
	if o.ClientSecret == "" {
		o.ClientSecret = DefaultClientSecret
	}
	if o.Clock == nil {
		o.Clock = RealClock()
	}
	if o.TokenTTL <= 0 {
		o.TokenTTL = 3599 * time.Second
	}
	if o.HTTPClient == nil {
		// Many payments call back the same shop: keep connections.
		tr := http.DefaultTransport.(*http.Transport).Clone()
		tr.MaxIdleConns, tr.MaxIdleConnsPerHost = 1024, 256
		o.HTTPClient = &http.Client{Timeout: 10 * time.Second, Transport: tr}
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	o.BaseURL = strings.TrimRight(o.BaseURL, "/")
	s := &Sim{
		opts: o, clock: o.Clock, log: o.Logger, client: o.HTTPClient,
		stores: seedStores(),
		rng:    rand.New(rand.NewPCG(uint64(o.Seed), 0x6b61737361+stream)),
		tokens: map[string]time.Time{},
		timers: map[uint64]func() bool{},
	}
	s.idle = sync.NewCond(&s.busyMu)
	s.ctx, s.cancel = context.WithCancel(context.Background())
	for i := range s.shards {
		s.shards[i].m = map[string]*payment{}
	}
	f := o.Faults
	s.faults.Store(&f)
	s.mux = s.routes()
	return s
}

// ServeHTTP answers one MAPI request.
func (s *Sim) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.mux.ServeHTTP(w, r) }

// Close stops every timer (persona decisions, TTLs, callback retries),
// aborts running callback deliveries and, for a simulator made by Open,
// writes the changes not yet saved. It is idempotent. HTTP requests are
// still answered after Close, but nothing happens later on its own, and
// nothing they change is saved.
func (s *Sim) Close() {
	s.closeOnce.Do(func() {
		s.tmu.Lock()
		s.closed = true
		timers := s.timers
		s.timers = map[uint64]func() bool{}
		s.tmu.Unlock()
		for _, stop := range timers {
			stop()
		}
		s.cancel()
		s.disk.close()
	})
}

// SetFaults replaces the fault configuration; it applies to the following
// requests and callbacks.
func (s *Sim) SetFaults(f Faults) { s.faults.Store(&f) }

// Flush waits until no callback delivery is running. Deliveries waiting on
// the Clock (retries, delay faults) are not waited for: with a ManualClock
// they run inside Advance.
func (s *Sim) Flush() {
	s.busyMu.Lock()
	for s.busy > 0 {
		s.idle.Wait()
	}
	s.busyMu.Unlock()
}

func (s *Sim) busyAdd(n int) {
	s.busyMu.Lock()
	s.busy += n
	if s.busy == 0 {
		s.idle.Broadcast()
	}
	s.busyMu.Unlock()
}

// after runs f after d on the Clock unless the Sim is closed first.
func (s *Sim) after(d time.Duration, f func()) {
	s.tmu.Lock()
	defer s.tmu.Unlock()
	if s.closed {
		return
	}
	s.timerSeq++
	id := s.timerSeq
	s.timers[id] = s.clock.AfterFunc(d, func() {
		s.tmu.Lock()
		_, live := s.timers[id]
		delete(s.timers, id)
		s.tmu.Unlock()
		if live {
			f()
		}
	})
}

func (s *Sim) isClosed() bool {
	s.tmu.Lock()
	defer s.tmu.Unlock()
	return s.closed
}

// now is the Clock's time truncated to milliseconds, the precision of the
// wire format, so that what is stored equals what is read back.
func (s *Sim) now() time.Time { return s.clock.Now().UTC().Truncate(time.Millisecond) }

// newID returns a random (seeded) version 4 UUID.
func (s *Sim) newID() string {
	var b [16]byte
	s.rngMu.Lock()
	for i := 0; i < 16; i += 8 {
		v := s.rng.Uint64()
		for j := 0; j < 8; j++ {
			b[i+j] = byte(v >> (8 * j))
		}
	}
	s.rngMu.Unlock()
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b[:])
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}

// float64 returns a seeded random number in [0,1).
func (s *Sim) float64() float64 {
	s.rngMu.Lock()
	defer s.rngMu.Unlock()
	return s.rng.Float64()
}

// chance is a deterministic draw in [0,1) from the seed and a key, so that
// callback faults do not depend on goroutine scheduling.
func (s *Sim) chance(key string) float64 {
	h := fnv.New64a()
	fmt.Fprintf(h, "%d|%s", s.opts.Seed, key)
	x := h.Sum64()
	// splitmix64 finaliser spreads FNV's low-entropy high bits.
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	x ^= x >> 31
	return float64(x>>11) / (1 << 53)
}

func (s *Sim) shard(id string) *shard {
	h := fnv.New32a()
	h.Write([]byte(id))
	return &s.shards[h.Sum32()%shardCount]
}

func (s *Sim) lookup(id string) *payment {
	sh := s.shard(id)
	sh.mu.RLock()
	defer sh.mu.RUnlock()
	return sh.m[id]
}

func (s *Sim) insert(p *payment) {
	sh := s.shard(p.pay.ID)
	sh.mu.Lock()
	sh.m[p.pay.ID] = p
	sh.mu.Unlock()
}

// all returns every payment, oldest first.
func (s *Sim) all() []*payment {
	var ps []*payment
	for i := range s.shards {
		sh := &s.shards[i]
		sh.mu.RLock()
		for _, p := range sh.m {
			ps = append(ps, p)
		}
		sh.mu.RUnlock()
	}
	sort.Slice(ps, func(i, j int) bool {
		if ps[i].seq != ps[j].seq {
			return ps[i].seq < ps[j].seq
		}
		return ps[i].pay.ID < ps[j].pay.ID
	})
	return ps
}

// Payment returns a deep copy of the bank's truth about a payment.
func (s *Sim) Payment(id string) (mapi.Payment, bool) {
	p := s.lookup(id)
	if p == nil {
		return mapi.Payment{}, false
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.snapshot(), true
}

// Payments returns deep copies of all payments, oldest first.
func (s *Sim) Payments() []mapi.Payment {
	ps := s.all()
	out := make([]mapi.Payment, 0, len(ps))
	for _, p := range ps {
		p.mu.Lock()
		out = append(out, p.snapshot())
		p.mu.Unlock()
	}
	return out
}

func (s *Sim) store(id string) *store {
	for _, st := range s.stores {
		if st.ID == id {
			return st
		}
	}
	return nil
}

// baseURL is Options.BaseURL or, when empty, derived from the request.
func (s *Sim) baseURL(r *http.Request) string {
	if s.opts.BaseURL != "" {
		return s.opts.BaseURL
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}
