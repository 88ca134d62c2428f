package checkout_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/kassa-dev/kassa"
	"github.com/kassa-dev/kassa/checkout"
	"github.com/kassa-dev/kassa/mapi"
	"github.com/kassa-dev/kassa/mapisim"
)

// bankProxy sits between the engine and the simulator: it counts the
// after-sale calls that reach the bank and can refuse them as MAPI would.
type bankProxy struct {
	srv    *httptest.Server
	target atomic.Pointer[url.URL]
	mu     sync.Mutex
	calls  map[string]int           // "POST capture" → requests
	refuse map[string]string        // "POST capture" → traceId of a 400 answer
	down   map[string]bool          // "GET payment" → answer 503
	after  map[string]string        // "POST capture" → the key to take down once it arrives
	answer map[string]func() []byte // "POST cancel" → the body of a 200 answer, instead of the bank's
}

func newBankProxy(t *testing.T) *bankProxy {
	p := &bankProxy{calls: map[string]int{}, refuse: map[string]string{}, down: map[string]bool{}, after: map[string]string{},
		answer: map[string]func() []byte{}}
	p.srv = httptest.NewServer(http.HandlerFunc(p.serve))
	t.Cleanup(p.srv.Close)
	return p
}

// key names a request: "POST capture", "GET payment", "POST token".
func (p *bankProxy) key(r *http.Request) string {
	path := strings.Trim(r.URL.Path, "/")
	if r.Method == http.MethodGet && strings.HasPrefix(path, "v2/payments/") && strings.Count(path, "/") == 2 {
		return "GET payment"
	}
	return r.Method + " " + path[strings.LastIndex(path, "/")+1:]
}

func (p *bankProxy) serve(w http.ResponseWriter, r *http.Request) {
	k := p.key(r)
	p.mu.Lock()
	p.calls[k]++
	trace, refuse := p.refuse[k]
	down := p.down[k]
	answer := p.answer[k]
	if next, ok := p.after[k]; ok {
		p.down[next] = true
	}
	p.mu.Unlock()
	if down {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusServiceUnavailable)
		io.WriteString(w, `{"traceId":"trace-down","code":"503","message":"Service unavailable (proxy)"}`)
		return
	}
	if answer != nil {
		w.Header().Set("Content-Type", "application/json")
		w.Write(answer())
		return
	}
	if refuse {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusBadRequest)
		io.WriteString(w, `{"traceId":"`+trace+`","code":"400","message":"Action not allowed by the bank","timestamp":"2026-03-02T10:00:00Z"}`)
		return
	}
	target := *p.target.Load()
	target.Path, target.RawQuery = r.URL.Path, r.URL.RawQuery
	req, err := http.NewRequestWithContext(r.Context(), r.Method, target.String(), r.Body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	req.Header = r.Header.Clone()
	resp, err := http.DefaultTransport.RoundTrip(req)
	if err != nil {
		panic(http.ErrAbortHandler) // the bank never answered: neither do we
	}
	defer resp.Body.Close()
	for k, v := range resp.Header {
		w.Header()[k] = v
	}
	w.WriteHeader(resp.StatusCode)
	io.Copy(w, resp.Body)
}

// downAfter makes requests like next fail with 503 once one like trigger arrived.
func (p *bankProxy) downAfter(trigger, next string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.after[trigger] = next
}

// up ends every outage.
func (p *bankProxy) up() {
	p.mu.Lock()
	defer p.mu.Unlock()
	clear(p.down)
	clear(p.after)
}

// count returns how many requests like "POST capture" reached the proxy.
func (p *bankProxy) count(k string) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.calls[k]
}

// answerWith answers requests like k with body, without asking the bank.
func (p *bankProxy) answerWith(k string, body func() []byte) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.answer[k] = body
}

func (p *bankProxy) refuseWith(k, trace string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.refuse[k] = trace
}

// afterEnv is an env whose engine reaches the simulator through a proxy.
type afterEnv struct {
	*env
	proxy *bankProxy
}

func newAfterEnv(t *testing.T, o envOptions) *afterEnv {
	t.Helper()
	proxy := newBankProxy(t)
	inner := o.config
	o.config = func(c *checkout.Config) {
		c.Bank = mapi.New(mapi.Config{BaseURL: proxy.srv.URL, ClientID: mapisim.DefaultClientID,
			ClientSecret: mapisim.DefaultClientSecret, Timeout: 2 * time.Second, MaxRetries: -1})
		c.ActionRetryDelay = 100 * time.Millisecond
		if inner != nil {
			inner(c)
		}
	}
	// The engine makes no MAPI call before an order is placed, so the
	// proxy's target may be set once the simulator runs.
	e := newEnv(t, o)
	u, err := url.Parse(e.simSrv.URL)
	if err != nil {
		t.Fatal(err)
	}
	proxy.target.Store(u)
	return &afterEnv{env: e, proxy: proxy}
}

// waitAction waits until action id is in state want. The action queue
// resumes a pending action once its NextAttemptAt has passed on the
// engine's clock, so the clock is moved on to that time while it waits.
func (e *afterEnv) waitAction(id int64, want kassa.ActionState) {
	e.t.Helper()
	e.waitFor("action "+string(want), func() bool {
		a, err := e.db.Action(e.ctx, id)
		if err != nil {
			return false
		}
		if now := e.clock.Now(); a.State == kassa.ActionPending && a.NextAttemptAt.After(now) {
			e.clock.Advance(a.NextAttemptAt.Sub(now))
		}
		return a.State == want
	})
}

// paid places an order for lines and has the customer sign it.
func (e *afterEnv) paid(lines ...kassa.LineRequest) *kassa.Order {
	e.t.Helper()
	req := orderRequest(govAccepted)
	req.Lines = lines
	o, _, err := e.eng.PlaceOrder(e.ctx, req, kassa.SourceCheckout)
	if err != nil {
		e.t.Fatalf("PlaceOrder: %v", err)
	}
	e.sign(o, mapisim.Approve)
	return e.wantStatus(o.ID, kassa.StatusProcessing)
}

// payment returns the simulator's state of o's payment.
func (e *afterEnv) payment(o *kassa.Order) mapi.Payment {
	e.t.Helper()
	p, ok := e.sim.Payment(o.PaymentID)
	if !ok {
		e.t.Fatalf("payment %s unknown to the simulator", o.PaymentID)
	}
	return p
}

// logged returns the actionLog entries of type typ of o's payment.
func (e *afterEnv) logged(o *kassa.Order, typ mapi.ActionLogType) []mapi.ActionLog {
	var out []mapi.ActionLog
	for _, l := range e.payment(o).Order.ActionLog {
		if l.Type == typ {
			out = append(out, l)
		}
	}
	return out
}

// amounts are an order's mirrored amounts and status.
type amounts struct {
	Status                                   kassa.Status
	Authorized, Captured, Refunded, Canceled kassa.Money
}

func amountsOf(o *kassa.Order) amounts {
	return amounts{o.Status, o.Authorized, o.Captured, o.Refunded, o.Canceled}
}

// wantAmounts checks the stored order against want.
func (e *afterEnv) wantAmounts(id int64, want amounts) *kassa.Order {
	e.t.Helper()
	o := e.order(id)
	if d := cmp.Diff(want, amountsOf(o)); d != "" {
		e.t.Fatalf("order %d (-want +got):\n%s\nevents:\n%s", id, d, eventsText(e.events(id)))
	}
	return o
}

// hasEvent reports whether an event note of order id contains s.
func (e *afterEnv) hasEvent(id int64, s string) bool {
	for _, ev := range e.events(id) {
		if strings.Contains(ev.Note, s) {
			return true
		}
	}
	return false
}

func admin() checkout.ActionRequest {
	return checkout.ActionRequest{Source: kassa.SourceAdmin, Creator: "admin"}
}

// everything asks for all of what an action can take.
func everything() checkout.ActionRequest {
	r := admin()
	r.All = true
	return r
}

func withLines(lines ...kassa.LineRequest) checkout.ActionRequest {
	r := admin()
	r.Lines = lines
	return r
}

func ln(sku string, q int64) kassa.LineRequest { return kassa.LineRequest{SKU: sku, Quantity: q} }

// big is two T-shirts and a cookbook: 398.00 at 25 % and 249.00 at 6 %,
// free shipping.
var big = []kassa.LineRequest{ln("TEE", 2), ln("BOOK", 1)}

const bigTotal = kassa.Money(2*19900 + 24900)

func TestCaptureFull(t *testing.T) {
	t.Parallel()
	e := newAfterEnv(t, envOptions{})
	o := e.paid(ln("TEE", 1))
	total := teePrice + defaultShippingPaid
	got, a, err := e.eng.Capture(e.ctx, o.ID, everything())
	if err != nil {
		t.Fatalf("Capture: %v", err)
	}
	if a.State != kassa.ActionSucceeded || a.TransactionID != o.Number+"-capture-1" || a.MAPIActionID == "" || a.Amount != total {
		t.Fatalf("action = %+v; want succeeded, %s-capture-1, with the MAPI action id, amount %s", a, o.Number, total)
	}
	if got.Status != kassa.StatusCompleted {
		t.Fatalf("returned order is %s, want completed", got.Status)
	}
	e.wantAmounts(o.ID, amounts{kassa.StatusCompleted, 0, total, 0, 0})
	caps := e.logged(o, mapi.LogCapture)
	if len(caps) != 1 || caps[0].TransactionID == nil || *caps[0].TransactionID != a.TransactionID {
		t.Fatalf("CAPTURE entries at the bank = %+v; want one with %s", caps, a.TransactionID)
	}
	e.settle() // the management callback of our own capture
	if !e.hasEvent(o.ID, "CAPTURE by kassa (capture "+a.TransactionID) {
		t.Fatalf("no event names the shop's own capture; events:\n%s", eventsText(e.events(o.ID)))
	}
	if _, _, err := e.eng.Capture(e.ctx, o.ID, everything()); errCode(err) != kassa.ECONFLICT {
		t.Fatalf("second capture: %v, want %s", err, kassa.ECONFLICT)
	}
	if n := len(e.logged(o, mapi.LogCapture)); n != 1 || e.proxy.count("POST capture") != 1 {
		t.Fatalf("%d CAPTURE entries, %d capture calls after a second capture; want 1 and 1", n, e.proxy.count("POST capture"))
	}
}

func TestPartialCapture(t *testing.T) {
	t.Parallel()
	e := newAfterEnv(t, envOptions{})
	o := e.paid(big...)
	if _, _, err := e.eng.Capture(e.ctx, o.ID, withLines(ln("TEE", 1))); err != nil {
		t.Fatalf("Capture 1 TEE: %v", err)
	}
	e.wantAmounts(o.ID, amounts{kassa.StatusProcessing, bigTotal - teePrice, teePrice, 0, 0})

	for name, req := range map[string]checkout.ActionRequest{
		"too many":     withLines(ln("TEE", 2)),
		"unknown line": withLines(ln("MUG", 1)),
		"zero":         withLines(ln("BOOK", 0)),
		"twice":        withLines(ln("BOOK", 1), ln("BOOK", 1)),
	} {
		if _, a, err := e.eng.Capture(e.ctx, o.ID, req); errCode(err) != kassa.EINVALID || a != nil {
			t.Fatalf("%s: %v, action %v; want %s and no action", name, err, a, kassa.EINVALID)
		}
	}
	e.wantAmounts(o.ID, amounts{kassa.StatusProcessing, bigTotal - teePrice, teePrice, 0, 0})

	_, a, err := e.eng.Capture(e.ctx, o.ID, everything())
	if err != nil {
		t.Fatalf("Capture the rest: %v", err)
	}
	if a.TransactionID != o.Number+"-capture-2" {
		t.Fatalf("second capture's transactionId = %s, want %s-capture-2", a.TransactionID, o.Number)
	}
	e.wantAmounts(o.ID, amounts{kassa.StatusCompleted, 0, bigTotal, 0, 0})
}

func TestCaptureThenRefunds(t *testing.T) {
	t.Parallel()
	e := newAfterEnv(t, envOptions{})
	o := e.paid(big...)
	if _, _, err := e.eng.Capture(e.ctx, o.ID, everything()); err != nil {
		t.Fatalf("Capture: %v", err)
	}
	if _, _, err := e.eng.Refund(e.ctx, o.ID, withLines(ln("TEE", 1))); err != nil {
		t.Fatalf("Refund 1 TEE: %v", err)
	}
	e.wantAmounts(o.ID, amounts{kassa.StatusCompleted, 0, bigTotal, teePrice, 0})
	if _, _, err := e.eng.Refund(e.ctx, o.ID, withLines(ln("TEE", 2))); errCode(err) != kassa.EINVALID {
		t.Fatalf("refund of 2 TEE with 1 left: %v, want %s", err, kassa.EINVALID)
	}
	all := admin()
	all.All = true
	_, a, err := e.eng.Refund(e.ctx, o.ID, all)
	if err != nil {
		t.Fatalf("Refund the rest: %v", err)
	}
	if len(a.Lines) != 2 || a.Amount != bigTotal-teePrice {
		t.Fatalf("full refund sent %+v for %s; want the 2 lines left, %s", a.Lines, a.Amount, bigTotal-teePrice)
	}
	e.wantAmounts(o.ID, amounts{kassa.StatusRefunded, 0, bigTotal, bigTotal, 0})
	if _, _, err := e.eng.Refund(e.ctx, o.ID, all); errCode(err) != kassa.ECONFLICT {
		t.Fatalf("refund after a full refund: %v, want %s", err, kassa.ECONFLICT)
	}
	if n := len(e.logged(o, mapi.LogRefund)); n != 2 {
		t.Fatalf("%d REFUND entries at the bank, want 2", n)
	}
}

func TestRefundAmount(t *testing.T) {
	t.Parallel()
	e := newAfterEnv(t, envOptions{})
	o := e.paid(big...)
	if _, _, err := e.eng.Capture(e.ctx, o.ID, everything()); err != nil {
		t.Fatalf("Capture: %v", err)
	}
	for name, req := range map[string]checkout.ActionRequest{
		"nothing said": admin(),
		"too much":     {Amount: bigTotal + 1, Source: kassa.SourceAdmin},
		"negative":     {Amount: -100, Source: kassa.SourceAdmin},
		"two ways":     {Amount: 100, All: true, Source: kassa.SourceAdmin},
	} {
		if _, _, err := e.eng.Refund(e.ctx, o.ID, req); errCode(err) != kassa.EINVALID {
			t.Fatalf("%s: %v, want %s", name, err, kassa.EINVALID)
		}
	}
	if e.payment(o).Order.RefundedAmount != 0 || e.proxy.count("POST refund") != 0 {
		t.Fatal("a refused refund request reached the bank")
	}
	_, a, err := e.eng.Refund(e.ctx, o.ID, checkout.ActionRequest{Amount: 10000, Source: kassa.SourceAPI})
	if err != nil {
		t.Fatalf("Refund 100.00: %v", err)
	}
	// 100.00 split as captured: 398.00 at 25 % and 249.00 at 6 %.
	want := []mapi.OrderLine{
		{Description: "Refund (VAT 25.00 %)", Reference: "refund", Quantity: 100, QuantityUnit: "st", VATRate: 2500,
			TotalAmountIncludingVAT: 6151, Type: "NORMAL"},
		{Description: "Refund (VAT 6.00 %)", Reference: "refund", Quantity: 100, QuantityUnit: "st", VATRate: 600,
			TotalAmountIncludingVAT: 3849, Type: "NORMAL"},
	}
	refunds := e.logged(o, mapi.LogRefund)
	if len(refunds) != 1 {
		t.Fatalf("%d REFUND entries, want 1", len(refunds))
	}
	ignore := cmp.FilterPath(func(p cmp.Path) bool {
		f := p.Last().String()
		return f == ".UnitAmountIncludingVAT" || f == ".TotalVATAmount"
	}, cmp.Ignore())
	if d := cmp.Diff(want, refunds[0].OrderLines, ignore); d != "" {
		t.Fatalf("refund lines at the bank (-want +got):\n%s", d)
	}
	if a.Amount != 10000 || len(a.Lines) != 2 {
		t.Fatalf("action = %+v, want 100.00 in 2 lines", a)
	}
	e.wantAmounts(o.ID, amounts{kassa.StatusCompleted, 0, bigTotal, 10000, 0})
}

func TestCancelBeforeCapture(t *testing.T) {
	t.Parallel()
	e := newAfterEnv(t, envOptions{})
	o := e.paid(ln("TEE", 1))
	if got := e.stock("TEE"); got != initialTeeStock-1 {
		t.Fatalf("stock %d after the order, want %d", got, initialTeeStock-1)
	}
	if _, _, err := e.eng.Cancel(e.ctx, o.ID, everything()); err != nil {
		t.Fatalf("Cancel: %v", err)
	}
	total := teePrice + defaultShippingPaid
	e.wantAmounts(o.ID, amounts{kassa.StatusCancelled, 0, 0, 0, total})
	if got := e.stock("TEE"); got != initialTeeStock {
		t.Fatalf("stock %d after the cancel, want %d", got, initialTeeStock)
	}
	if _, _, err := e.eng.Capture(e.ctx, o.ID, everything()); errCode(err) != kassa.ECONFLICT {
		t.Fatalf("capture after a full cancel: %v, want %s", err, kassa.ECONFLICT)
	}
}

func TestPartialCancel(t *testing.T) {
	t.Parallel()
	e := newAfterEnv(t, envOptions{})
	o := e.paid(big...)
	if _, _, err := e.eng.Cancel(e.ctx, o.ID, withLines(ln("BOOK", 1))); err != nil {
		t.Fatalf("Cancel BOOK: %v", err)
	}
	e.wantAmounts(o.ID, amounts{kassa.StatusProcessing, 2 * teePrice, 0, 0, 24900})
	if _, _, err := e.eng.Capture(e.ctx, o.ID, withLines(ln("BOOK", 1))); errCode(err) != kassa.EINVALID {
		t.Fatalf("capture of the cancelled line: %v, want %s", err, kassa.EINVALID)
	}
	if _, _, err := e.eng.Capture(e.ctx, o.ID, everything()); err != nil {
		t.Fatalf("Capture the rest: %v", err)
	}
	e.wantAmounts(o.ID, amounts{kassa.StatusCompleted, 0, 2 * teePrice, 0, 24900})
}

func TestModify(t *testing.T) {
	t.Parallel()
	e := newAfterEnv(t, envOptions{})
	o := e.paid(ln("TEE", 2)) // 398.00 + shipping 49.00
	first := 2*teePrice + defaultShippingPaid
	req := checkout.ModifyRequest{Lines: []kassa.LineRequest{ln("TEE", 1)}, Source: kassa.SourceAdmin, Creator: "admin"}
	got, a, err := e.eng.Modify(e.ctx, o.ID, req)
	if err != nil {
		t.Fatalf("Modify within the authorization: %v", err)
	}
	second := teePrice + defaultShippingPaid
	if a.State != kassa.ActionSucceeded || got.Total != second || len(got.Lines) != 2 || got.Lines[0].Quantity != 1 {
		t.Fatalf("after modify: action %+v, order total %s, lines %+v; want succeeded, %s, 1 TEE + shipping",
			a, got.Total, got.Lines, second)
	}
	e.wantAmounts(o.ID, amounts{kassa.StatusProcessing, second, 0, 0, first})
	if s := e.stock("TEE"); s != initialTeeStock-1 {
		t.Fatalf("TEE stock %d after the modify, want %d", s, initialTeeStock-1)
	}
	if n, m := len(e.logged(o, mapi.LogCancel)), len(e.logged(o, mapi.LogModifyOrder)); n != 1 || m != 1 {
		t.Fatalf("bank log: %d CANCEL, %d MODIFY_ORDER; want 1 and 1", n, m)
	}

	before := e.order(o.ID)
	if _, _, err := e.eng.Modify(e.ctx, o.ID, req); errCode(err) != kassa.EINVALID {
		t.Fatalf("Modify to the same lines: %v, want %s", err, kassa.EINVALID)
	}
	req.Lines = []kassa.LineRequest{ln("TEE", 2)} // 447.00 > 248.00 authorized
	if _, a, err := e.eng.Modify(e.ctx, o.ID, req); errCode(err) != kassa.ECONFLICT || a != nil {
		t.Fatalf("Modify above the authorization: %v, action %v; want %s, none", err, a, kassa.ECONFLICT)
	}
	if d := cmp.Diff(before, e.order(o.ID)); d != "" {
		t.Fatalf("a refused modify changed the order (-want +got):\n%s", d)
	}
	if !e.hasEvent(o.ID, "modify refused") {
		t.Fatalf("no event for the refused modify; events:\n%s", eventsText(e.events(o.ID)))
	}
	if _, _, err := e.eng.Capture(e.ctx, o.ID, everything()); err != nil {
		t.Fatalf("Capture after modify: %v", err)
	}
	e.wantAmounts(o.ID, amounts{kassa.StatusCompleted, 0, second, 0, first})
}

func TestCaptureFrozenRefused(t *testing.T) {
	t.Parallel()
	e := newAfterEnv(t, envOptions{})
	o, _ := e.place(govFrozen)
	e.sign(o, mapisim.Approve)
	before := e.wantStatus(o.ID, kassa.StatusOnHold)
	_, a, err := e.eng.Capture(e.ctx, o.ID, everything())
	if errCode(err) != kassa.ECONFLICT || a != nil || !strings.Contains(kassa.ErrorMessage(err), "on hold") {
		t.Fatalf("Capture on hold: %v, action %v; want %s saying on hold, no action", err, a, kassa.ECONFLICT)
	}
	if d := cmp.Diff(before, e.order(o.ID)); d != "" {
		t.Fatalf("a refused capture changed the order (-want +got):\n%s", d)
	}
	if !e.hasEvent(o.ID, "capture refused") || e.proxy.count("POST capture") != 0 {
		t.Fatalf("want an event and no capture call (%d); events:\n%s", e.proxy.count("POST capture"), eventsText(e.events(o.ID)))
	}
}

func TestCaptureRefusedByBank(t *testing.T) {
	t.Parallel()
	e := newAfterEnv(t, envOptions{})
	o := e.paid(ln("TEE", 1))
	before := e.order(o.ID)
	e.proxy.refuseWith("POST capture", "trace-42")
	_, a, err := e.eng.Capture(e.ctx, o.ID, everything())
	if errCode(err) != kassa.EDECLINED {
		t.Fatalf("Capture: %v, want %s", err, kassa.EDECLINED)
	}
	msg := kassa.ErrorMessage(err)
	for _, s := range []string{"400", "Action not allowed by the bank", "trace-42"} {
		if !strings.Contains(msg, s) {
			t.Fatalf("message %q does not show %q", msg, s)
		}
	}
	wantErr := kassa.ActionError{Code: "400", Message: "Action not allowed by the bank", TraceID: "trace-42"}
	if a == nil || a.State != kassa.ActionRefused || a.Error != wantErr {
		t.Fatalf("action = %+v; want refused with %+v", a, wantErr)
	}
	if d := cmp.Diff(before, e.order(o.ID)); d != "" {
		t.Fatalf("a refused capture changed the order (-want +got):\n%s", d)
	}
	if !e.hasEvent(o.ID, "refused by Resurs: HTTP 400") {
		t.Fatalf("no refusal event; events:\n%s", eventsText(e.events(o.ID)))
	}
}

func TestCaptureLostAnswer(t *testing.T) {
	t.Parallel()
	e := newAfterEnv(t, envOptions{})
	o := e.paid(ln("TEE", 1))
	e.sim.SetFaults(mapisim.Faults{Endpoints: []mapisim.EndpointFault{
		{Route: "POST /v2/payments/{id}/capture", Timeout: 1, TimeoutAfterExecute: true},
	}})
	_, a, err := e.eng.Capture(e.ctx, o.ID, everything())
	if err != nil {
		t.Fatalf("Capture with a lost answer: %v (the actionLog shows it happened)", err)
	}
	if a.State != kassa.ActionSucceeded || a.Attempts != 1 {
		t.Fatalf("action = %+v; want succeeded after 1 attempt", a)
	}
	e.wantAmounts(o.ID, amounts{kassa.StatusCompleted, 0, teePrice + defaultShippingPaid, 0, 0})
	if n, calls := len(e.logged(o, mapi.LogCapture)), e.proxy.count("POST capture"); n != 1 || calls != 1 {
		t.Fatalf("%d CAPTURE entries, %d capture calls; want 1 and 1", n, calls)
	}
}

func TestCaptureLostAnswerOperatorRetry(t *testing.T) {
	t.Parallel()
	e := newAfterEnv(t, envOptions{config: func(c *checkout.Config) {
		c.ActionRetryDelay, c.ActionAttempts, c.BreakerFailures = 50*time.Millisecond, 2, 100
	}})
	o := e.paid(ln("TEE", 1))
	e.sim.SetFaults(mapisim.Faults{Endpoints: []mapisim.EndpointFault{
		{Route: "POST /v2/payments/{id}/capture", Timeout: 1, TimeoutAfterExecute: true},
	}})
	e.proxy.downAfter("POST capture", "GET payment") // the capture's answer and the read after it are lost
	before := e.order(o.ID)
	_, a, err := e.eng.Capture(e.ctx, o.ID, everything())
	if errCode(err) != kassa.EUNAVAILABLE || a == nil || a.State != kassa.ActionPending {
		t.Fatalf("Capture with no answer and no read: %v, action %+v; want %s, pending", err, a, kassa.EUNAVAILABLE)
	}
	if d := cmp.Diff(before, e.order(o.ID)); d != "" {
		t.Fatalf("an unconfirmed capture changed the order (-want +got):\n%s", d)
	}
	// The queue retries while Resurs stays unreadable, then gives up: the
	// operator sees a failed action.
	e.waitAction(a.ID, kassa.ActionFailed)
	failed, n, err := e.eng.Actions(e.ctx, kassa.ActionFilter{State: kassa.ActionFailed})
	if err != nil || n != 1 || failed[0].ID != a.ID || failed[0].Error.Code != "503" {
		t.Fatalf("failed actions = %d (%v) %+v; want the capture with the 503", n, err, failed)
	}
	e.proxy.up()
	if _, again, err := e.eng.Capture(e.ctx, o.ID, everything()); errCode(err) != kassa.ECONFLICT || again != nil {
		t.Fatalf("a second capture while one is pending: %v, action %v; want %s, none", err, again, kassa.ECONFLICT)
	}
	_, a, err = e.eng.RetryAction(e.ctx, a.ID, kassa.SourceAdmin)
	if err != nil || a.State != kassa.ActionSucceeded {
		t.Fatalf("RetryAction: %v, action %+v; want succeeded", err, a)
	}
	e.wantAmounts(o.ID, amounts{kassa.StatusCompleted, 0, teePrice + defaultShippingPaid, 0, 0})
	if n, calls := len(e.logged(o, mapi.LogCapture)), e.proxy.count("POST capture"); n != 1 || calls != 1 {
		t.Fatalf("%d CAPTURE entries, %d capture calls; want 1 and 1", n, calls)
	}
}

func TestCaptureLostAnswerAcrossRestart(t *testing.T) {
	t.Parallel()
	e := newAfterEnv(t, envOptions{dsn: filepath.Join(t.TempDir(), "kassa.db")})
	o := e.paid(ln("TEE", 1))
	e.sim.SetFaults(mapisim.Faults{Endpoints: []mapisim.EndpointFault{
		{Route: "POST /v2/payments/{id}/capture", Timeout: 1, TimeoutAfterExecute: true},
	}})
	e.proxy.downAfter("POST capture", "GET payment") // the capture's answer and the read after it are lost
	_, a, err := e.eng.Capture(e.ctx, o.ID, everything())
	if errCode(err) != kassa.EUNAVAILABLE || a == nil || a.State != kassa.ActionPending {
		t.Fatalf("Capture with no answer and no read: %v, action %+v; want %s, pending", err, a, kassa.EUNAVAILABLE)
	}
	// The crash: the engine and the store go away with the action pending.
	if err := e.eng.Stop(e.ctx); err != nil {
		t.Fatal(err)
	}
	if err := e.db.Close(); err != nil {
		t.Fatal(err)
	}
	e.proxy.up()
	e.openStore()
	e.startEngine()
	e.waitAction(a.ID, kassa.ActionSucceeded) // the capture resumed
	e.wantAmounts(o.ID, amounts{kassa.StatusCompleted, 0, teePrice + defaultShippingPaid, 0, 0})
	if n, calls := len(e.logged(o, mapi.LogCapture)), e.proxy.count("POST capture"); n != 1 || calls != 1 {
		t.Fatalf("%d CAPTURE entries, %d capture calls; want 1 and 1", n, calls)
	}
}

func TestPortalCaptureMirrored(t *testing.T) {
	t.Parallel()
	e := newAfterEnv(t, envOptions{})
	o := e.paid(ln("TEE", 1))
	p, err := e.sim.Portal(o.PaymentID, mapi.LogCapture, nil)
	if err != nil {
		t.Fatalf("Portal: %v", err)
	}
	e.settle()
	e.wantAmounts(o.ID, amounts{kassa.StatusCompleted, 0, teePrice + defaultShippingPaid, 0, 0})
	id := p.Order.ActionLog[len(p.Order.ActionLog)-1].ActionID
	if !e.hasEvent(o.ID, "CAPTURE by merchant-portal (action "+id+")") {
		t.Fatalf("no event names the portal capture %s; events:\n%s", id, eventsText(e.events(o.ID)))
	}
	as, err := e.eng.OrderActions(e.ctx, o.ID)
	if err != nil {
		t.Fatalf("OrderActions: %v", err)
	}
	if len(as) != 0 {
		t.Fatalf("a portal capture became a shop action: %+v", as)
	}
}

// forget points the proxy at a new simulator, which knows none of the
// payments made so far (a bank that lost them, or another account).
func (e *afterEnv) forget() {
	e.t.Helper()
	sim := mapisim.New(mapisim.Options{Seed: 2})
	srv := httptest.NewServer(sim)
	e.t.Cleanup(func() { sim.Close(); srv.Close() })
	u, err := url.Parse(srv.URL)
	if err != nil {
		e.t.Fatal(err)
	}
	e.proxy.target.Store(u)
}

// TestCaptureUnknownPayment: a payment Resurs answers 404 for is reported
// as not found, a conflict, not as Resurs being unreachable; nothing is
// sent or stored.
func TestCaptureUnknownPayment(t *testing.T) {
	t.Parallel()
	e := newAfterEnv(t, envOptions{})
	o := e.paid(ln("TEE", 1))
	e.forget()
	_, a, err := e.eng.Capture(e.ctx, o.ID, everything())
	msg := kassa.ErrorMessage(err)
	if errCode(err) != kassa.ECONFLICT || !strings.Contains(msg, "not found at Resurs") || !strings.Contains(msg, o.Number) {
		t.Fatalf("Capture of an unknown payment: %v (%q); want %s saying not found", err, msg, kassa.ECONFLICT)
	}
	if a != nil || e.proxy.count("POST capture") != 0 {
		t.Errorf("action %+v, %d capture calls; want none", a, e.proxy.count("POST capture"))
	}
}

// TestResumeUnknownPayment: an action left pending whose payment Resurs
// no longer knows is settled as refused, not retried until it fails.
func TestResumeUnknownPayment(t *testing.T) {
	t.Parallel()
	e := newAfterEnv(t, envOptions{})
	o := e.paid(ln("TEE", 1))
	e.proxy.downAfter("POST capture", "GET payment")
	e.sim.SetFaults(mapisim.Faults{Endpoints: []mapisim.EndpointFault{
		{Route: "POST /v2/payments/{id}/capture", Timeout: 1},
	}})
	_, a, err := e.eng.Capture(e.ctx, o.ID, everything())
	if errCode(err) != kassa.EUNAVAILABLE || a == nil || a.State != kassa.ActionPending {
		t.Fatalf("Capture without an answer: %v, action %+v; want %s, pending", err, a, kassa.EUNAVAILABLE)
	}
	e.forget()
	e.proxy.up()
	e.waitAction(a.ID, kassa.ActionRefused)
	if got, err := e.db.Action(e.ctx, a.ID); err != nil || got.Error.Code != "404" || got.Resumes != 0 {
		t.Errorf("action %+v, %v; want refused with code 404 at the first resume", got, err)
	}
	_, _, err = e.eng.RetryAction(e.ctx, a.ID, kassa.SourceAdmin)
	if err != nil {
		t.Errorf("RetryAction of a refused action: %v; want it returned as it is", err)
	}
}

// TestNoImplicitEverything: a capture or cancel that names neither lines
// nor all, or names an amount, is bad input and reaches no bank.
func TestNoImplicitEverything(t *testing.T) {
	t.Parallel()
	e := newAfterEnv(t, envOptions{})
	o := e.paid(ln("TEE", 1))
	reqs := map[string]checkout.ActionRequest{
		"nothing said": admin(),
		"empty lines":  {Lines: []kassa.LineRequest{}, Source: kassa.SourceAPI},
		"amount":       {Amount: 100, Source: kassa.SourceAPI},
		"amount, all":  {Amount: 100, All: true, Source: kassa.SourceAPI},
		"lines, all":   {Lines: []kassa.LineRequest{ln("TEE", 1)}, All: true, Source: kassa.SourceAPI},
	}
	for name, req := range reqs {
		for kind, do := range map[string]func() error{
			"capture": func() error { _, _, err := e.eng.Capture(e.ctx, o.ID, req); return err },
			"cancel":  func() error { _, _, err := e.eng.Cancel(e.ctx, o.ID, req); return err },
		} {
			if err := do(); errCode(err) != kassa.EINVALID {
				t.Errorf("%s %s: %v, want %s", kind, name, err, kassa.EINVALID)
			}
		}
	}
	if n := e.proxy.count("POST capture") + e.proxy.count("POST cancel"); n != 0 {
		t.Errorf("%d calls reached the bank", n)
	}
	e.wantAmounts(o.ID, amounts{kassa.StatusProcessing, teePrice + defaultShippingPaid, 0, 0, 0})
	if as, err := e.eng.OrderActions(e.ctx, o.ID); err != nil || len(as) != 0 {
		t.Errorf("actions stored: %v, %v", as, err)
	}
}
