package mapisim

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/kassa-dev/kassa/mapi"
)

// The files of a simulator's directory (Open): sim.json holds the
// credentials, payments/<id>.json one payment each.
const (
	stateFile   = "sim.json"
	paymentsDir = "payments"
)

// savedState is sim.json: what a simulator keeps besides its payments.
type savedState struct {
	ClientID     string `json:"clientId"`
	ClientSecret string `json:"clientSecret"`
	// Opens counts the starts on this directory; it picks the random
	// stream, so that a restart with the same seed draws new payment ids.
	Opens uint64 `json:"opens"`
}

// Open returns a simulator that keeps its state in dir, created (mode
// 0700) when missing, and continues from what an earlier simulator left
// there: its payments with their action logs, callback settings and
// delivery logs. Expiries and persona decisions still to come are
// scheduled again from their stored deadlines; callbacks waiting for a
// retry when the earlier simulator stopped are not sent again.
//
// Every change is written to dir soon after it happens, one payment per
// file, each replaced atomically; Close writes what is left. The OAuth2
// credentials are those of o when given, else the directory's own,
// generated at random at the first Open (see Credentials and
// ReadCredentials). Tokens are not kept: clients fetch a new one.
func Open(dir string, o Options) (*Sim, error) {
	st, err := openState(dir)
	if err != nil {
		return nil, err
	}
	if o.ClientID == "" && o.ClientSecret == "" {
		o.ClientID, o.ClientSecret = st.ClientID, st.ClientSecret
	}
	s := newSim(o, st.Opens)
	s.disk = newDisk(dir, s.log)
	if err := s.load(dir); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

// Credentials returns the OAuth2 client id and secret the simulator accepts.
func (s *Sim) Credentials() (clientID, clientSecret string) {
	return s.opts.ClientID, s.opts.ClientSecret
}

// ReadCredentials returns the client id and secret stored in the directory
// of a simulator made by Open, for a program that talks to it from outside.
func ReadCredentials(dir string) (clientID, clientSecret string, err error) {
	b, err := os.ReadFile(filepath.Join(dir, stateFile))
	if err != nil {
		return "", "", fmt.Errorf("mapisim: read credentials: %w", err)
	}
	var st savedState
	if err := json.Unmarshal(b, &st); err != nil {
		return "", "", fmt.Errorf("mapisim: read credentials: %s: %w", stateFile, err)
	}
	return st.ClientID, st.ClientSecret, nil
}

// openState reads dir's sim.json, generating the credentials the first
// time, and stores it back with one more open counted.
func openState(dir string) (savedState, error) {
	var st savedState
	if err := os.MkdirAll(filepath.Join(dir, paymentsDir), 0o700); err != nil {
		return st, fmt.Errorf("mapisim: open %s: %w", dir, err)
	}
	path := filepath.Join(dir, stateFile)
	b, err := os.ReadFile(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
	case err != nil:
		return st, fmt.Errorf("mapisim: open %s: %w", dir, err)
	default:
		if err := json.Unmarshal(b, &st); err != nil {
			return st, fmt.Errorf("mapisim: open %s: %s: %w", dir, stateFile, err)
		}
	}
	if st.ClientID == "" || st.ClientSecret == "" {
		if st.ClientID, st.ClientSecret, err = newCredentials(); err != nil {
			return st, err
		}
	}
	st.Opens++
	if b, err = json.MarshalIndent(st, "", "  "); err != nil {
		return st, fmt.Errorf("mapisim: encode %s: %w", stateFile, err)
	}
	if err := writeFileAtomic(path, b); err != nil {
		return st, fmt.Errorf("mapisim: open %s: %w", dir, err)
	}
	return st, nil
}

// newCredentials returns a random client id and secret.
func newCredentials() (string, string, error) {
	b := make([]byte, 28)
	if _, err := rand.Read(b); err != nil {
		return "", "", fmt.Errorf("mapisim: generate credentials: %w", err)
	}
	return "sim-" + hex.EncodeToString(b[:6]), hex.EncodeToString(b[6:]), nil
}

// writeFileAtomic replaces path with b: a reader sees the old content or
// the new, never a part.
func writeFileAtomic(path string, b []byte) error {
	f, err := os.CreateTemp(filepath.Dir(path), ".tmp-*")
	if err != nil {
		return fmt.Errorf("write %s: %w", filepath.Base(path), err)
	}
	_, err = f.Write(b)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(f.Name(), path)
	}
	if err != nil {
		os.Remove(f.Name())
		return fmt.Errorf("write %s: %w", filepath.Base(path), err)
	}
	return nil
}

// savedPayment is a payment as stored in payments/<id>.json.
type savedPayment struct {
	Seq              uint64       `json:"seq"`
	Payment          mapi.Payment `json:"payment"`
	MethodID         string       `json:"methodId"`
	BaseURL          string       `json:"baseUrl"`
	HandleFrozen     bool         `json:"handleFrozen"`
	HandleInspection bool         `json:"handleInspection"`
	AutoCapture      bool         `json:"autoCapture"`
	SuccessURL       string       `json:"successUrl,omitempty"`
	FailURL          string       `json:"failUrl,omitempty"`
	AuthorizationURL string       `json:"authorizationCallbackUrl,omitempty"`
	ManagementURL    string       `json:"managementCallbackUrl,omitempty"`
	CreditURL        string       `json:"creditApplicationCallbackUrl,omitempty"`
	Decided          bool         `json:"decided"`
	Completed        bool         `json:"completed"`
	ExpiresAt        time.Time    `json:"expiresAt"`
	VerdictAt        time.Time    `json:"verdictAt,omitzero"`
	TransactionIDs   []string     `json:"transactionIds,omitempty"`
	Callbacks        int          `json:"callbacks"` // callbacks created so far
	Deliveries       []Delivery   `json:"deliveries,omitempty"`
}

// saved returns what is stored of p. Caller holds p.mu.
func (p *payment) saved() savedPayment {
	sp := savedPayment{Seq: p.seq, Payment: p.snapshot(), MethodID: p.method.ID, BaseURL: p.baseURL,
		HandleFrozen: p.handleFrozen, HandleInspection: p.handleInspection, AutoCapture: p.autoCapture,
		SuccessURL: p.successURL, FailURL: p.failURL,
		AuthorizationURL: p.cbAuth, ManagementURL: p.cbMgmt, CreditURL: p.cbCredit,
		Decided: p.decided, Completed: p.completed, ExpiresAt: p.expiresAt, VerdictAt: p.verdictAt,
		Callbacks: p.cb.n, Deliveries: p.cb.log}
	for k := range p.txIDs {
		sp.TransactionIDs = append(sp.TransactionIDs, k)
	}
	return sp
}

// restore rebuilds a payment from what was stored.
func (s *Sim) restore(sp savedPayment) (*payment, error) {
	st := s.store(sp.Payment.StoreID)
	if st == nil {
		return nil, fmt.Errorf("payment %s: unknown store %s", sp.Payment.ID, sp.Payment.StoreID)
	}
	m := st.method(sp.MethodID)
	if m == nil {
		return nil, fmt.Errorf("payment %s: unknown payment method %s", sp.Payment.ID, sp.MethodID)
	}
	p := &payment{seq: sp.Seq, pay: sp.Payment, store: st, method: m, baseURL: sp.BaseURL,
		handleFrozen: sp.HandleFrozen, handleInspection: sp.HandleInspection, autoCapture: sp.AutoCapture,
		successURL: sp.SuccessURL, failURL: sp.FailURL,
		cbAuth: sp.AuthorizationURL, cbMgmt: sp.ManagementURL, cbCredit: sp.CreditURL,
		decided: sp.Decided, completed: sp.Completed, expiresAt: sp.ExpiresAt, verdictAt: sp.VerdictAt,
		txIDs: map[string]bool{}, cb: callbackState{n: sp.Callbacks, log: sp.Deliveries}}
	for _, k := range sp.TransactionIDs {
		p.txIDs[k] = true
	}
	return p, nil
}

// load reads the payments stored in dir and schedules what is still to
// come for them.
func (s *Sim) load(dir string) error {
	pdir := filepath.Join(dir, paymentsDir)
	entries, err := os.ReadDir(pdir)
	if err != nil {
		return fmt.Errorf("mapisim: load payments: %w", err)
	}
	var ps []*payment
	for _, e := range entries {
		if e.IsDir() || !strings.HasSuffix(e.Name(), ".json") || strings.HasPrefix(e.Name(), ".") {
			continue
		}
		p, err := s.loadPayment(filepath.Join(pdir, e.Name()))
		if err != nil {
			return fmt.Errorf("mapisim: load payments: %w", err)
		}
		ps = append(ps, p)
		if p.seq > s.seq.Load() {
			s.seq.Store(p.seq)
		}
	}
	for _, p := range ps {
		s.insert(p)
	}
	for _, p := range ps {
		s.resume(p)
	}
	return nil
}

func (s *Sim) loadPayment(path string) (*payment, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var sp savedPayment
	if err := json.Unmarshal(b, &sp); err != nil {
		return nil, fmt.Errorf("%s: %w", filepath.Base(path), err)
	}
	return s.restore(sp)
}

// resume schedules the expiry of an undecided payment and the persona's
// verdict on a frozen or inspected one, at their stored times.
func (s *Sim) resume(p *payment) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.decided {
		s.expireLater(p)
	}
	waiting := p.pay.Status == mapi.StatusFrozen || p.pay.Status == mapi.StatusInspection
	if waiting && !p.verdictAt.IsZero() {
		s.after(p.verdictAt.Sub(s.clock.Now()), func() { s.verdict(p) })
	}
}

// disk writes the payments that changed to their files, in the
// background, until closed.
type disk struct {
	dir string
	log *slog.Logger

	mu    sync.Mutex
	dirty map[*payment]struct{}

	wake chan struct{}
	stop chan struct{}
	done chan struct{}
}

func newDisk(dir string, log *slog.Logger) *disk {
	d := &disk{dir: dir, log: log, dirty: map[*payment]struct{}{},
		wake: make(chan struct{}, 1), stop: make(chan struct{}), done: make(chan struct{})}
	go d.run()
	return d
}

// changed has p written soon. It may be called with p.mu held; it does
// nothing for a simulator made by New.
func (s *Sim) changed(p *payment) {
	d := s.disk
	if d == nil {
		return
	}
	d.mu.Lock()
	d.dirty[p] = struct{}{}
	d.mu.Unlock()
	select {
	case d.wake <- struct{}{}:
	default:
	}
}

func (d *disk) run() {
	defer close(d.done)
	for {
		select {
		case <-d.wake:
			d.flush()
		case <-d.stop:
			d.flush()
			return
		}
	}
}

// flush writes every payment marked changed. A payment that changes while
// it is written is marked again and written once more.
func (d *disk) flush() {
	d.mu.Lock()
	batch := d.dirty
	d.dirty = map[*payment]struct{}{}
	d.mu.Unlock()
	for p := range batch {
		p.mu.Lock()
		id := p.pay.ID
		b, err := json.Marshal(p.saved())
		p.mu.Unlock()
		if err == nil {
			err = writeFileAtomic(filepath.Join(d.dir, paymentsDir, id+".json"), b)
		}
		if err != nil {
			d.log.Error("mapisim: save payment", "payment", id, "err", err)
		}
	}
}

// close writes what is left and stops the writer. A nil disk is fine.
func (d *disk) close() {
	if d == nil {
		return
	}
	close(d.stop)
	<-d.done
}
