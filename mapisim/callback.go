package mapisim

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"time"

	"github.com/kassa-dev/kassa/mapi"
)

// Delivery is one entry of a payment's callback log: one attempt to POST a
// callback, or a callback dropped by fault injection.
type Delivery struct {
	Kind    string    `json:"kind"` // "authorization", "management" or "creditApplication"
	URL     string    `json:"url"`
	Body    string    `json:"body"`
	Attempt int       `json:"attempt"`          // 1 for the first try of a callback
	Status  int       `json:"status,omitempty"` // HTTP status of the answer, 0 when there was none
	Error   string    `json:"error,omitempty"`  // transport error
	Time    time.Time `json:"time"`             // on the Clock
	Fault   string    `json:"fault,omitempty"`  // "dropped", "duplicate", "delayed" or "reordered"
}

// OK reports whether the attempt was answered with a 2xx status.
func (d Delivery) OK() bool { return d.Status >= 200 && d.Status < 300 }

// retryBackoff is the wait before attempt n+2 after attempt n+1 failed:
// ten attempts in all over about eight hours (the MAPI schedule is
// UNCONFIRMED; this is shaped after Resurs' legacy callback schedule, see
// docs/mapi.md §The simulator).
var retryBackoff = []time.Duration{
	time.Second, 5 * time.Second, 30 * time.Second, 2 * time.Minute, 10 * time.Minute,
	30 * time.Minute, time.Hour, 2 * time.Hour, 4 * time.Hour,
}

// defaultMaxDelay bounds delay and reorder faults when MaxDelay is 0.
const defaultMaxDelay = 30 * time.Second

// callbackState is a payment's outgoing callbacks. Guarded by payment.mu.
type callbackState struct {
	n       int         // callbacks created so far; numbers the fault draws
	outbox  []*outgoing // waiting for their first attempt, in order
	held    []*outgoing // reordered: sent after the next callback
	sending bool        // a drain goroutine is running
	log     []Delivery
}

type outgoing struct {
	kind, url string
	body      []byte
	key       string // payment id and number: the key of its fault draws
	fault     string
}

// Deliveries returns the callback log of a payment, oldest first.
func (s *Sim) Deliveries(paymentID string) []Delivery {
	p := s.lookup(paymentID)
	if p == nil {
		return nil
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]Delivery(nil), p.cb.log...)
}

// notifyAuth queues an authorization callback. Caller holds p.mu.
func (s *Sim) notifyAuth(p *payment, st mapi.AuthorizationStatus) {
	if p.cbAuth == "" {
		return
	}
	body, _ := json.Marshal(mapi.AuthorizationCallback{PaymentID: p.pay.ID, Status: st, Created: mapi.Time{Time: s.now()}})
	s.enqueue(p, &outgoing{kind: "authorization", url: p.cbAuth, body: body})
}

// notifyMgmt queues a management callback. Caller holds p.mu.
func (s *Sim) notifyMgmt(p *payment, a mapi.ActionLogType, actionID string) {
	if p.cbMgmt == "" {
		return
	}
	body, _ := json.Marshal(mapi.ManagementCallback{PaymentID: p.pay.ID, Action: mapi.ManagementAction(a),
		ActionID: actionID, Created: mapi.Time{Time: s.now()}})
	s.enqueue(p, &outgoing{kind: "management", url: p.cbMgmt, body: body})
}

// notifyCredit queues a credit-application callback; the simulator uses the
// payment id as applicationId. Caller holds p.mu.
func (s *Sim) notifyCredit(p *payment, status string) {
	if p.cbCredit == "" {
		return
	}
	body, _ := json.Marshal(map[string]any{"applicationId": p.pay.ID, "status": status, "created": mapi.Time{Time: s.now()}})
	s.enqueue(p, &outgoing{kind: "creditApplication", url: p.cbCredit, body: body})
}

// enqueue applies the callback faults and schedules the first attempt.
// It never sends: HTTP happens in a goroutine or a Clock callback, with no
// lock held. Caller holds p.mu.
func (s *Sim) enqueue(p *payment, o *outgoing) {
	if s.isClosed() {
		return
	}
	o.key = fmt.Sprintf("%s|%d", p.pay.ID, p.cb.n)
	p.cb.n++
	s.changed(p)
	f := s.faults.Load().Callbacks
	maxDelay := f.MaxDelay
	if maxDelay <= 0 {
		maxDelay = defaultMaxDelay
	}
	switch {
	case s.chance(o.key+"|drop") < f.Drop:
		p.cb.log = append(p.cb.log, Delivery{Kind: o.kind, URL: o.url, Body: string(o.body), Time: s.now(), Fault: "dropped"})
	case s.chance(o.key+"|reorder") < f.Reorder:
		o.fault = "reordered"
		p.cb.held = append(p.cb.held, o)
		s.after(maxDelay, func() { s.release(p, o) })
	case s.chance(o.key+"|delay") < f.Delay:
		o.fault = "delayed"
		d := time.Duration(s.chance(o.key+"|delay-amount") * float64(maxDelay))
		s.after(d, func() { s.timedAttempt(p, o, 1) })
	default:
		p.cb.outbox = append(p.cb.outbox, o)
		p.cb.outbox = append(p.cb.outbox, p.cb.held...)
		p.cb.held = nil
		s.kick(p)
	}
}

// release sends a held (reordered) callback that no later callback has
// overtaken within MaxDelay.
func (s *Sim) release(p *payment, o *outgoing) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for i, h := range p.cb.held {
		if h == o {
			p.cb.held = append(p.cb.held[:i], p.cb.held[i+1:]...)
			p.cb.outbox = append(p.cb.outbox, o)
			s.kick(p)
			return
		}
	}
}

// kick starts the payment's drain goroutine. Caller holds p.mu.
func (s *Sim) kick(p *payment) {
	if p.cb.sending {
		return
	}
	p.cb.sending = true
	s.busyAdd(1)
	go s.drain(p)
}

// drain makes the first attempts of a payment's callbacks in order.
func (s *Sim) drain(p *payment) {
	defer s.busyAdd(-1)
	for {
		p.mu.Lock()
		if len(p.cb.outbox) == 0 {
			p.cb.sending = false
			p.mu.Unlock()
			return
		}
		o := p.cb.outbox[0]
		p.cb.outbox = p.cb.outbox[1:]
		p.mu.Unlock()
		s.attempt(p, o, 1)
	}
}

func (s *Sim) timedAttempt(p *payment, o *outgoing, n int) {
	s.busyAdd(1)
	defer s.busyAdd(-1)
	s.attempt(p, o, n)
}

// attempt POSTs a callback once, logs it, and schedules a retry on failure
// or a duplicate (fault) on success.
func (s *Sim) attempt(p *payment, o *outgoing, n int) {
	if s.isClosed() {
		return
	}
	status, err := s.post(o.url, o.body)
	d := Delivery{Kind: o.kind, URL: o.url, Body: string(o.body), Attempt: n, Status: status, Time: s.now(), Fault: o.fault}
	if err != nil {
		d.Error = err.Error()
	}
	p.mu.Lock()
	p.cb.log = append(p.cb.log, d)
	s.changed(p)
	p.mu.Unlock()
	s.log.Debug("callback", "payment", p.pay.ID, "kind", o.kind, "attempt", n, "status", status, "err", err)
	switch {
	case d.OK() && o.fault != "duplicate" && s.chance(o.key+"|dup") < s.faults.Load().Callbacks.Duplicate:
		dup := *o
		dup.fault = "duplicate"
		s.attempt(p, &dup, 1)
	case !d.OK() && n <= len(retryBackoff):
		s.after(retryBackoff[n-1], func() { s.timedAttempt(p, o, n+1) })
	}
}

// post sends one callback body and returns the HTTP status.
func (s *Sim) post(u string, body []byte) (int, error) {
	req, err := http.NewRequestWithContext(s.ctx, http.MethodPost, u, bytes.NewReader(body))
	if err != nil {
		return 0, fmt.Errorf("callback request: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "mapisim")
	resp, err := s.client.Do(req)
	if err != nil {
		return 0, fmt.Errorf("callback post: %w", err)
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()
	return resp.StatusCode, nil
}

func (s *Sim) handleStream(w http.ResponseWriter, r *http.Request) error {
	p, err := s.paymentFor(r)
	if err != nil {
		return err
	}
	p.mu.Lock()
	log := append([]Delivery{}, p.cb.log...)
	p.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{"content": log})
	return nil
}

// handleCallbackTest POSTs a small JSON body to the given URL at once and
// reports the outcome (docs/mapi.md §Callbacks; the test call's method and body are
// UNCONFIRMED).
func (s *Sim) handleCallbackTest(w http.ResponseWriter, r *http.Request) error {
	var req struct {
		URL *string `json:"url"`
	}
	if err := decodeBody(r, &req, false); err != nil {
		return err
	}
	res := mapi.CallbackTestResult{Status: mapi.CallbackTestInvalidURL}
	if u, err := url.Parse(deref(req.URL)); err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != "" {
		res = s.testCallback(r.Context(), u.String())
	}
	writeJSON(w, http.StatusOK, res)
	return nil
}

func (s *Sim) testCallback(ctx context.Context, u string) mapi.CallbackTestResult {
	body, _ := json.Marshal(map[string]any{"test": true, "created": mapi.Time{Time: s.now()}})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u, bytes.NewReader(body))
	if err != nil {
		return mapi.CallbackTestResult{Status: mapi.CallbackTestInvalidURL}
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := s.client.Do(req)
	var nerr interface{ Timeout() bool }
	switch {
	case err != nil && errors.As(err, &nerr) && nerr.Timeout():
		return mapi.CallbackTestResult{Status: mapi.CallbackTestTimeout}
	case err != nil:
		return mapi.CallbackTestResult{Status: mapi.CallbackTestError}
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		return mapi.CallbackTestResult{Status: mapi.CallbackTestOK, Code: resp.StatusCode}
	}
	return mapi.CallbackTestResult{Status: mapi.CallbackTestFailed, Code: resp.StatusCode}
}
