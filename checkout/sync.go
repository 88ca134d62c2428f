package checkout

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/kassa-dev/kassa"
	"github.com/kassa-dev/kassa/mapi"
)

// Sync schedule.
const (
	firstSync   = time.Minute      // first sweeper read after placing an order
	retrySoon   = 30 * time.Second // after a failed read
	maxBackoff  = time.Hour
	maxCASTries = 8
	// createGrace is how long after placing an order a payment create may
	// still be in flight (well above the MAPI client's timeout); until then a
	// search that finds nothing proves nothing.
	createGrace = 2 * time.Minute
)

var zeroTime time.Time

// errForeignPayment says a payment does not belong to the order (another
// store or order reference).
var errForeignPayment = errors.New("payment does not belong to this order")

// syncOpts are the details of one sync.
type syncOpts struct {
	src kassa.Source
	// callback is the callback this sync processes, named in its events;
	// nil for none.
	callback  *callbackNote
	candidate string // payment id claimed by a callback for an order without one
	// settle is the inbox entry this sync processes, stored as processed in
	// the same transaction as the sync's order write or event; nil for none.
	settle *inboxWrite
	// check, when set, vets the order read under the lock before anything
	// else (e.g. the customer's key); its error ends the sync.
	check func(*kassa.Order) error
	// since is when the trigger arrived (stripes.tick): a read of the
	// payment that began later answers it (see stripes). 0 always reads.
	since uint64
}

// Sync reads the order's payment at Resurs and applies the mapping, with an
// event naming src. Orders without a payment id (an ambiguous create) are
// resolved by searching the order reference. ENOTFOUND when no such order;
// EUNAVAILABLE when Resurs cannot be reached (a sync is scheduled soon).
func (e *Engine) Sync(ctx context.Context, id int64, src kassa.Source) (*kassa.Order, error) {
	return e.syncOrder(ctx, id, syncOpts{src: src})
}

// syncOrder reads the order's payment and applies what it says, under the
// order's lock.
func (e *Engine) syncOrder(ctx context.Context, id int64, so syncOpts) (*kassa.Order, error) {
	start := time.Now()
	defer func() { e.metrics.synced(time.Since(start)) }()
	st := e.locks.of(id)
	st.Lock()
	defer st.Unlock()
	o, err := e.store.Order(ctx, id)
	if err != nil {
		return nil, fmt.Errorf("checkout.Sync: %w", err)
	}
	if so.check != nil {
		if err := so.check(o); err != nil {
			return nil, err
		}
	}
	if o.PaymentID == "" && so.candidate == "" && !o.Status.Open() {
		return o, nil // its create failed for certain: there is nothing to read
	}
	if o.AwaitingShopper() && so.candidate == "" {
		return e.awaitingShopper(ctx, o, so)
	}
	if r, ok := st.since(o, so.since); ok {
		e.metrics.readShared(so.src)
		note := joinNote(e.readNote(ctx, o.ID, so.callback, r.log), sharedReadNote)
		return e.decide(ctx, st, r, so.run(e, o, r, note))
	}
	began := e.locks.tick()
	p, err := e.readPayment(ctx, o, so.candidate)
	switch {
	case errors.Is(err, errForeignPayment):
		return o, &kassa.Error{Code: kassa.EINVALID, Op: "checkout.Sync", Err: err,
			Message: "The payment does not belong to this order."}
	case err != nil && !mapi.IsNotFound(err):
		return e.readFailed(ctx, o, so, err)
	case err != nil || p == nil:
		return e.paymentMissing(ctx, o, so)
	}
	snap, err := e.snapshot(ctx, p)
	if err != nil {
		return e.readFailed(ctx, o, so, err)
	}
	r := paymentRead{order: o.ID, payment: p.ID, snap: snap, log: p.Order.ActionLog, began: began}
	return e.decide(ctx, st, r, so.run(e, o, r, e.readNote(ctx, o.ID, so.callback, r.log)))
}

// decide applies run, made from read r, and when that succeeded has the
// order's stripe st remember r with the order's version after the write,
// so that a later trigger may share it only while nothing has changed the
// order since.
func (e *Engine) decide(ctx context.Context, st *stripe, r paymentRead, run *syncRun) (*kassa.Order, error) {
	o, err := run.apply(ctx)
	switch {
	case err != nil:
		return o, err
	case run.annul != nil:
		return e.annul(ctx, o, run) // r is old once the payment is annulled
	}
	r.version = o.Version
	st.remember(r)
	return o, nil
}

// note is the note prefix of an event decided without a payment read.
func (so syncOpts) note() string {
	if so.callback == nil {
		return ""
	}
	return so.callback.String()
}

// run is the decision of this sync on order o from payment read r, its
// events noted with note.
func (so syncOpts) run(e *Engine, o *kassa.Order, r paymentRead, note string) *syncRun {
	return &syncRun{e: e, order: o, payment: r.payment, snap: r.snap, src: so.src, note: note, settle: so.settle}
}

// sharedReadNote marks an event decided on another sync's payment read,
// which began after this sync's trigger arrived.
const sharedReadNote = "payment as read by a sync that began after this arrived"

// expiredSnapshot treats a payment still waiting for the customer on an
// order past its expiry as rejected by timeout, noting so.
func (e *Engine) expiredSnapshot(o *kassa.Order, snap kassa.PaymentSnapshot, note string) (kassa.PaymentSnapshot, string) {
	if e.expired(o) && snap.Status == kassa.PaymentTaskRedirectionRequired {
		return kassa.PaymentSnapshot{Status: kassa.PaymentRejected, RejectedCategory: kassa.RejectedTimeout},
			joinNote(note, "payment expired")
	}
	return snap, note
}

// readPayment reads the order's payment: by its id, by the id a callback
// claims (verified against store and order reference), or by searching
// the order reference. A nil payment with a nil error means none exists.
func (e *Engine) readPayment(ctx context.Context, o *kassa.Order, candidate string) (*mapi.Payment, error) {
	id := o.PaymentID
	if id == "" && candidate == "" {
		return e.searchPayment(ctx, o, e.cfg.ReadTimeout)
	}
	if id == "" {
		id = candidate
	}
	p, err := read(ctx, e, func(ctx context.Context) (*mapi.Payment, error) { return e.bank.GetPayment(ctx, id) })
	switch {
	case err != nil && o.PaymentID == "" && mapi.IsNotFound(err):
		return nil, fmt.Errorf("%w: %w", errForeignPayment, err) // a claimed payment Resurs does not know
	case err != nil:
		return nil, err
	}
	if o.PaymentID == "" && !e.ours(o, p) {
		return nil, errForeignPayment
	}
	return p, nil
}

// ours reports whether p is the payment of o, by store and order reference.
func (e *Engine) ours(o *kassa.Order, p *mapi.Payment) bool {
	return p.StoreID == e.cfg.StoreID && p.Order.OrderReference == o.Number
}

// searchPayment finds o's payment by its order reference, giving the
// search at most d; nil when none.
func (e *Engine) searchPayment(ctx context.Context, o *kassa.Order, d time.Duration) (*mapi.Payment, error) {
	ps, err := callWithin(ctx, e, d, func(ctx context.Context) ([]mapi.Payment, error) {
		return e.bank.SearchPayments(ctx, mapi.SearchPaymentsRequest{StoreID: e.cfg.StoreID, OrderReference: o.Number})
	})
	if err != nil {
		return nil, err
	}
	for i := range ps {
		if e.ours(o, &ps[i]) {
			if len(ps) > 1 {
				e.log.Error("several payments carry one order reference", "order", o.ID, "count", len(ps))
			}
			return &ps[i], nil
		}
	}
	return nil, nil
}

// snapshot turns a payment read into a PaymentSnapshot, asking for the task
// status only when a rejection has no deciding category.
func (e *Engine) snapshot(ctx context.Context, p *mapi.Payment) (kassa.PaymentSnapshot, error) {
	s := snapshotOf(p)
	if s.Status != kassa.PaymentRejected || decidingCategory(s.RejectedCategory) {
		return s, nil
	}
	ts, err := read(ctx, e, func(ctx context.Context) (*mapi.TaskStatus, error) { return e.bank.TaskStatus(ctx, p.ID) })
	if err != nil {
		return s, err
	}
	s.TaskCompleted = ts.Completed
	return s, nil
}

func snapshotOf(p *mapi.Payment) kassa.PaymentSnapshot {
	s := kassa.PaymentSnapshot{
		Status:     string(p.Status),
		Total:      kassa.Money(p.Order.TotalOrderAmount),
		Authorized: kassa.Money(p.Order.AuthorizedAmount),
		Captured:   kassa.Money(p.Order.CapturedAmount),
		Refunded:   kassa.Money(p.Order.RefundedAmount),
		Canceled:   kassa.Money(p.Order.CanceledAmount),
	}
	if p.RejectedReason != nil {
		s.RejectedCategory = string(p.RejectedReason.Category)
	}
	return s
}

func decidingCategory(c string) bool {
	switch c {
	case kassa.RejectedCreditDenied, kassa.RejectedAbortedByCustomer, kassa.RejectedTimeout, kassa.RejectedCanceled:
		return true
	}
	return false
}

// expired reports whether o is pending past its payment's lifetime plus grace.
func (e *Engine) expired(o *kassa.Order) bool {
	return o.Status == kassa.StatusPending && !o.ExpiresAt.IsZero() &&
		e.now().After(o.ExpiresAt.Add(e.cfg.ExpiryGrace))
}

// paymentMissing handles an order whose payment Resurs does not know: a
// create that never happened (no payment id) fails the order; an expired
// order is cancelled; anything else is read again later.
func (e *Engine) paymentMissing(ctx context.Context, o *kassa.Order, so syncOpts) (*kassa.Order, error) {
	switch {
	case !o.Status.Open():
		return o, nil
	case o.PaymentID == "" && so.candidate == "" && e.now().Before(o.CreatedAt.Add(createGrace)):
		// A create may still be in flight (in another process, or just
		// before PlaceOrder took the lock): look again once it has surely ended.
		o.NextSyncAt = o.CreatedAt.Add(createGrace)
		if err := e.store.UpdateOrder(ctx, o, nil, so.settle.then()); err != nil && kassa.ErrorCode(err) != kassa.ECONFLICT {
			return o, fmt.Errorf("checkout.Sync: %w", err)
		}
		return o, nil
	case o.PaymentID == "" && so.candidate == "" && o.Status == kassa.StatusPending:
		return e.force(ctx, o, kassa.StatusFailed, so, "We could not reach Resurs Bank, so no payment was made.",
			joinNote(so.note(), "no payment was created for this order (search by order reference found none)"))
	case e.expired(o):
		return e.force(ctx, o, kassa.StatusCancelled, so, "The payment was not completed in time.",
			joinNote(so.note(), "payment expired (not found at Resurs)"))
	}
	return e.readFailed(ctx, o, so, fmt.Errorf("payment %s not found at Resurs", o.PaymentID))
}

// force moves an open order to a closing status without a payment read
// (nothing to read), through the same compare-and-set path.
func (e *Engine) force(ctx context.Context, o *kassa.Order, to kassa.Status, so syncOpts, reason, note string) (*kassa.Order, error) {
	for range maxCASTries {
		if !kassa.CanMove(o.Status, to) {
			return o, nil
		}
		from := o.Status
		o.Status, o.StatusReason, o.NextSyncAt = to, reason, zeroTime
		ev := e.event(o, so.src, from, true, o.PaymentStatus, note)
		err := e.store.UpdateOrder(ctx, o, &ev, so.settle.then())
		if kassa.ErrorCode(err) != kassa.ECONFLICT {
			if err == nil {
				e.metrics.transition(so.src, "applied")
			}
			return o, err
		}
		if o, err = e.store.Order(ctx, o.ID); err != nil {
			return nil, err
		}
	}
	return o, kassa.Errorf(kassa.ECONFLICT, "order %d keeps changing", o.ID)
}

// readFailed schedules another read after a failed one and returns
// EUNAVAILABLE. Failures of the sweeper are logged, not recorded as events.
func (e *Engine) readFailed(ctx context.Context, o *kassa.Order, so syncOpts, cause error) (*kassa.Order, error) {
	e.log.Warn("payment read failed", "order", o.ID, "source", so.src, "err", cause)
	if o.Status.Open() {
		o.SyncAttempts++
		o.NextSyncAt = e.now().Add(backoff(o.SyncAttempts))
		var ev *kassa.Event
		if so.src != kassa.SourceSweeper {
			x := e.event(o, so.src, o.Status, false, o.PaymentStatus,
				joinNote(so.note(), "could not read the payment: "+mapiDetail(cause)+"; will retry"))
			ev = &x
		}
		if err := e.store.UpdateOrder(ctx, o, ev, nil); err != nil && kassa.ErrorCode(err) != kassa.ECONFLICT {
			e.log.Error("schedule retry", "order", o.ID, "err", err)
		}
	}
	return o, unavailable("checkout.Sync", cause)
}

// backoff is the delay before read attempt n+1 after n failures.
func backoff(n int) time.Duration {
	d := retrySoon
	for i := 1; i < n && d < maxBackoff; i++ {
		d *= 2
	}
	return min(d, maxBackoff)
}

// syncRun is one decision on an order from one payment read: what apply
// and its tries share.
type syncRun struct {
	e *Engine
	// order is the order as last read (it may be stale); apply reloads it
	// after a version conflict.
	order *kassa.Order
	// payment is the id of the payment read, adopted when the order has none.
	payment string
	// snap is what the read said; apply reads the payment again after a
	// version conflict.
	snap kassa.PaymentSnapshot
	src  kassa.Source
	note string // prefix of the event note
	// settle is the inbox entry stored as processed in the same write; nil
	// for none.
	settle *inboxWrite
	// annul is the owner's cancel of the order, refused while its payment
	// was unsigned, that the decision found owed (signedLate); nil for none.
	annul *kassa.Action
	// action is the after-sale action Resurs accepted that this run
	// records (its order.action webhook event); nil for none.
	action *kassa.Action
}

// apply writes what the snapshot implies onto the order. On a version
// conflict someone else (another process on the same database) wrote the
// order, maybe from a newer read: apply reloads the order and reads the
// payment again before it decides again, at most maxCASTries times. It
// returns the order as last read or written.
func (r *syncRun) apply(ctx context.Context) (*kassa.Order, error) {
	var err error
	for try := range maxCASTries {
		if try > 0 {
			if r.order, err = r.e.store.Order(ctx, r.order.ID); err != nil {
				return nil, fmt.Errorf("checkout.Sync: reload: %w", err)
			}
			r.reread(ctx)
		}
		if r.order.PaymentID != "" && r.order.PaymentID != r.payment {
			return r.order, &kassa.Error{Code: kassa.EINVALID, Op: "checkout.Sync", Err: errForeignPayment,
				Message: "The payment does not belong to this order."}
		}
		err = r.applyOnce(ctx)
		if kassa.ErrorCode(err) != kassa.ECONFLICT {
			break
		}
	}
	if err != nil {
		return r.order, fmt.Errorf("checkout.Sync: %w", err)
	}
	return r.order, nil
}

// reread reads the payment again after a version conflict. When that read
// fails it keeps the snapshot it has: Transition is monotonic and mirror
// never lowers the cumulative amounts, so a stale snapshot cannot undo a
// newer write.
func (r *syncRun) reread(ctx context.Context) {
	e := r.e
	p, err := read(ctx, e, func(ctx context.Context) (*mapi.Payment, error) { return e.bank.GetPayment(ctx, r.payment) })
	if err == nil {
		var s kassa.PaymentSnapshot
		if s, err = e.snapshot(ctx, p); err == nil {
			r.snap = s
			return
		}
	}
	e.log.Warn("payment re-read after a version conflict failed; deciding on the earlier read", "order", r.order.ID, "err", err)
}

// applyOnce decides and writes once. A decision that changes nothing is
// recorded as an event only (AddEvent) — or, for the sweeper, not at all,
// so that hourly reads of an on-hold order do not flood its timeline;
// the sweeper still stores the next read time. A paid but closed order
// is always recorded, and raised (see alertPaidButClosed).
func (r *syncRun) applyOnce(ctx context.Context) error {
	e, o := r.e, r.order
	refunded := o.Refunded
	snap, note := e.expiredSnapshot(o, r.snap, r.note)
	d := kassa.Transition(o.Status, snap)
	changed := mirror(o, r.payment, snap)
	if d.Applied {
		o.Status, o.StatusReason = d.To, reasonFor(d.To, snap)
	}
	next := e.nextSync(o)
	note = joinNote(note, d.Note)
	alert := paidButClosed(d, snap)
	if alert && d.From == kassa.StatusCancelled {
		var err error
		var annulled bool
		if note, annulled, err = r.signedLate(ctx, note); err != nil {
			return err
		}
		alert = !annulled
	}
	if alert {
		note = fmt.Sprintf("ALERT: the payment is accepted at Resurs but the order is %s; refund the payment or revive the order: %s",
			d.From, note)
	}
	ev := e.event(o, r.src, d.From, d.Applied, snap.Status, note)
	e.metrics.transition(r.src, result(d, snap))
	then := e.actionEvent(o, r.action, e.withMails(d.From, refunded, o, alert, r.settle.then()))
	var err error
	switch {
	case d.Applied || changed:
		o.NextSyncAt, o.SyncAttempts = next, 0
		err = e.store.UpdateOrder(ctx, o, &ev, then)
	case r.src == kassa.SourceSweeper:
		o.NextSyncAt, o.SyncAttempts = next, 0
		var quiet *kassa.Event
		if alert {
			quiet = &ev
		}
		err = e.store.UpdateOrder(ctx, o, quiet, then)
	default:
		err = e.store.AddEvent(ctx, ev, then)
	}
	if err == nil && alert {
		e.alertPaidButClosed(o, d.From, snap, r.src)
	}
	return err
}

// paidButClosed reports whether d refused an accepted payment that holds
// the customer's money (authorized, or captured and not refunded) for a
// cancelled or failed order, e.g. one the sweeper cancelled at expiry
// just before the customer signed.
func paidButClosed(d kassa.Decision, s kassa.PaymentSnapshot) bool {
	if s.Status != kassa.PaymentAccepted || d.Applied || (d.From != kassa.StatusCancelled && d.From != kassa.StatusFailed) {
		return false
	}
	to, _ := kassa.Target(s)
	return to == kassa.StatusProcessing || to == kassa.StatusCompleted
}

// alertPaidButClosed makes a paid but closed order loud: an error log line
// and kassa_paid_but_closed_total, next to the ALERT event. An operator
// must refund the payment or revive the order.
func (e *Engine) alertPaidButClosed(o *kassa.Order, status kassa.Status, s kassa.PaymentSnapshot, src kassa.Source) {
	e.log.Error("ALERT: accepted payment on a closed order; refund the payment or revive the order",
		"order", o.ID, "number", o.Number, "status", status, "payment", o.PaymentID,
		"authorized", s.Authorized, "captured", s.Captured, "source", src)
	e.metrics.paidButClosedOrder()
}

// mirror copies the payment id, MAPI status and amounts onto o and reports
// whether any of them changed. The cumulative amounts (captured, refunded,
// canceled) only grow at Resurs, so a smaller one is a stale read and
// never lowers what o has.
func mirror(o *kassa.Order, paymentID string, s kassa.PaymentSnapshot) bool {
	before := [6]any{o.PaymentID, o.PaymentStatus, o.Authorized, o.Captured, o.Refunded, o.Canceled}
	o.PaymentID, o.PaymentStatus, o.Authorized = paymentID, s.Status, s.Authorized
	o.Captured, o.Refunded, o.Canceled = max(o.Captured, s.Captured), max(o.Refunded, s.Refunded), max(o.Canceled, s.Canceled)
	return before != [6]any{o.PaymentID, o.PaymentStatus, o.Authorized, o.Captured, o.Refunded, o.Canceled}
}

// result classifies a decision for the metrics: applied, refused (the
// payment implies a status the order may not move to) or noop.
func result(d kassa.Decision, s kassa.PaymentSnapshot) string {
	if d.Applied {
		return "applied"
	}
	if to, ok := kassa.Target(s); ok && to != d.From {
		return "refused"
	}
	return "noop"
}

// reasonFor is the customer-facing reason for entering status to.
func reasonFor(to kassa.Status, s kassa.PaymentSnapshot) string {
	switch to {
	case kassa.StatusOnHold:
		return "Resurs Bank is reviewing the payment. We will update the order as soon as they decide."
	case kassa.StatusFailed:
		return "Resurs Bank declined the payment."
	case kassa.StatusCancelled:
		switch s.RejectedCategory {
		case kassa.RejectedAbortedByCustomer:
			return "The payment was cancelled at Resurs Bank before it was completed."
		case kassa.RejectedTimeout:
			return "The payment was not completed in time."
		}
		return "The payment was cancelled."
	case kassa.StatusRefunded:
		return "The payment was refunded."
	}
	return ""
}

// nextSync is when the sweeper should read o's payment next: +1, +5 and
// +15 minutes after the order was placed, then hourly; a pending order is
// read right after its payment's time to live ends, and again after the
// expiry grace; on-hold orders are read
// hourly up to OnHoldMaxAge; closed orders never.
func (e *Engine) nextSync(o *kassa.Order) time.Time {
	if !o.Status.Open() {
		return zeroTime
	}
	now := e.now()
	created := o.CreatedAt
	if created.IsZero() {
		created = now
	}
	next := now.Add(time.Hour)
	for _, step := range []time.Duration{time.Minute, 5 * time.Minute, 15 * time.Minute} {
		if t := created.Add(step); t.After(now) {
			next = t
			break
		}
	}
	if o.Status == kassa.StatusPending && !o.ExpiresAt.IsZero() {
		// Right when the payment's time to live ends (Resurs rejects it
		// then), and once more when the grace ends (a clock a little
		// behind Resurs', or a payment Resurs does not know).
		for _, exp := range []time.Time{o.ExpiresAt.Add(time.Second), o.ExpiresAt.Add(e.cfg.ExpiryGrace + time.Second)} {
			if exp.Before(next) && exp.After(now) {
				next = exp
				break
			}
		}
	} else if now.Sub(created) > e.cfg.OnHoldMaxAge {
		return zeroTime
	}
	return next
}

// event builds an event for o.
func (e *Engine) event(o *kassa.Order, src kassa.Source, from kassa.Status, applied bool, payStatus, note string) kassa.Event {
	return kassa.Event{OrderID: o.ID, At: e.now(), Source: src, From: from, To: o.Status,
		Applied: applied, PaymentStatus: payStatus, Note: note}
}

func joinNote(a, b string) string {
	switch {
	case a == "":
		return b
	case b == "":
		return a
	}
	return a + ": " + b
}
