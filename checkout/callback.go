package checkout

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/kassa-dev/kassa"
	"github.com/kassa-dev/kassa/mapi"
)

// MaxCallbackBody is the largest callback body accepted (web enforces it too).
const MaxCallbackBody = 64 << 10

// ReceiveCallback stores a callback from Resurs in the inbox and hands it
// to the engine's callback workers; it never calls Resurs. token is
// the t query parameter of the callback URL.
//
// Answers: nil once stored (also for duplicates and for bodies kept in
// quarantine because they name another payment); EINVALID for a body that
// cannot be parsed; EUNAUTHORIZED for a bad or missing token (both stored
// quarantined); any other error means the callback could not be stored and
// Resurs should retry.
func (e *Engine) ReceiveCallback(ctx context.Context, kind kassa.CallbackKind, token string, body []byte) error {
	const op = "checkout.ReceiveCallback"
	since := e.locks.tick()
	o, err := e.tokenOrder(ctx, token)
	if err != nil {
		e.metrics.callback(kind, "error")
		return fmt.Errorf("%s: %w", op, err)
	}
	cb := &kassa.Callback{Kind: kind, Body: body, State: kassa.CallbackReceived}
	if len(body) > MaxCallbackBody {
		cb.Body = body[:MaxCallbackBody]
	}
	if o != nil {
		cb.OrderID = o.ID
	}
	claim, perr := parseCallback(kind, body)
	cb.PaymentID = claim.paymentID
	switch {
	case o == nil:
		why := unauthenticated(cb, body)
		return e.quarantine(ctx, cb, why, &kassa.Error{Code: kassa.EUNAUTHORIZED, Op: op,
			Message: "The callback token is not valid."})
	case perr != nil:
		return e.quarantine(ctx, cb, "malformed body: "+perr.Error(), &kassa.Error{Code: kassa.EINVALID, Op: op,
			Message: "The callback body cannot be read.", Err: perr})
	case o.PaymentID != "" && o.PaymentID != claim.paymentID:
		return e.quarantine(ctx, cb, "payment "+claim.paymentID+" is not this order's payment", nil)
	}
	cb.DedupKey, cb.NextAttemptAt = dedupKey(o.ID, claim.dedup), e.leaseFor(e.now())
	dup, err := e.store.RecordCallback(ctx, cb, nil)
	switch {
	case err != nil:
		e.metrics.callback(kind, "error")
		return fmt.Errorf("%s: %w", op, err)
	case dup:
		e.metrics.callback(kind, "duplicate")
	default:
		e.metrics.callback(kind, "accepted")
		e.dispatch(entry{cb: cb, since: since, claim: &claim})
	}
	return nil
}

// dedupKey is the key under which a callback of order id is stored once:
// the order first, then what the body says (parseCallback). The orders of
// one moment have neighbouring ids, so their callbacks' keys land next to
// each other in the store's unique index instead of at random places (the
// body's key starts with a payment id, a UUID): about one changed index
// page per batch of writes instead of one per callback. A body sent to two
// orders' callback URLs is a callback of each; only one of them can own
// its payment. Keys stored before this scheme (the body's key alone) never
// equal a new one, so a callback redelivered across that upgrade is
// processed once more, which changes nothing: processing re-reads the
// payment.
func dedupKey(id int64, body string) string {
	return strconv.FormatInt(id, 10) + ":" + body
}

// maxUnauthBody bounds the body stored for a callback with a bad or
// missing token: every callback is kept for the operator, but anyone can
// send these, so only an excerpt. (Its payment id, when parsed, is a UUID.)
const maxUnauthBody = 1 << 10

// unauthenticated cuts cb, a callback with a bad or missing token, down to
// an excerpt of body and returns the quarantine reason, which notes the
// original size when the body was cut.
func unauthenticated(cb *kassa.Callback, body []byte) string {
	if len(body) <= maxUnauthBody {
		return "bad or missing token"
	}
	cb.Body = body[:maxUnauthBody:maxUnauthBody]
	return fmt.Sprintf("bad or missing token; body of %d bytes, first %d kept", len(body), maxUnauthBody)
}

// tokenOrder returns the order a callback token belongs to, or nil when the
// token is missing, malformed, names no order or has the wrong secret. It
// reads only the token and the payment id (the ack is on the hot path;
// the callback worker reads the whole order).
func (e *Engine) tokenOrder(ctx context.Context, token string) (*kassa.OrderRef, error) {
	id, secret, ok := splitToken(token)
	if !ok {
		return nil, nil
	}
	o, err := e.store.OrderRef(ctx, id)
	switch {
	case kassa.ErrorCode(err) == kassa.ENOTFOUND:
		return nil, nil
	case err != nil:
		return nil, err
	case !sameSecret(secret, o.CallbackToken):
		return nil, nil
	}
	return &o, nil
}

// callbackClaim is what a callback body says, parsed once: at receipt, or
// when an entry claimed from the store (stored by another process, or
// before a crash) is picked up. Nothing in it is trusted: processing reads
// the payment. It names the payment, keys the callback for deduplication
// and describes it in the events.
type callbackClaim struct {
	paymentID string
	dedup     string                   // the body's part of the dedup key
	status    mapi.AuthorizationStatus // of an authorization callback
	action    mapi.ManagementAction    // of a management callback
	actionID  string                   // of a management callback
}

// parseCallback parses a callback body of kind.
func parseCallback(kind kassa.CallbackKind, body []byte) (callbackClaim, error) {
	if len(body) > MaxCallbackBody {
		return callbackClaim{}, fmt.Errorf("body larger than %d bytes", MaxCallbackBody)
	}
	switch kind {
	case kassa.CallbackAuthorization:
		c, err := mapi.ParseAuthorizationCallback(body)
		if err != nil {
			return callbackClaim{}, err
		}
		created := c.Created.UTC().Format(time.RFC3339Nano)
		return callbackClaim{paymentID: c.PaymentID, status: c.Status,
			dedup: "a:" + c.PaymentID + ":" + string(c.Status) + ":" + created}, nil
	case kassa.CallbackManagement:
		c, err := mapi.ParseManagementCallback(body)
		if err != nil {
			return callbackClaim{}, err
		}
		return callbackClaim{paymentID: c.PaymentID, action: c.Action, actionID: c.ActionID,
			dedup: "m:" + c.PaymentID + ":" + c.ActionID}, nil
	}
	return callbackClaim{}, fmt.Errorf("unknown callback kind %q", kind)
}

// quarantine stores cb as quarantined (no dedup key, so a forged body can
// never shadow a real callback) and returns answer.
func (e *Engine) quarantine(ctx context.Context, cb *kassa.Callback, why string, answer error) error {
	cb.State, cb.Error, cb.DedupKey = kassa.CallbackQuarantined, why, ""
	if _, err := e.store.RecordCallback(ctx, cb, nil); err != nil {
		e.metrics.callback(cb.Kind, "error")
		return fmt.Errorf("checkout.ReceiveCallback: %w", err)
	}
	result := "quarantined"
	if answer != nil {
		result = "rejected"
	}
	e.metrics.callback(cb.Kind, result)
	e.log.Warn("callback quarantined", "kind", cb.Kind, "order", cb.OrderID, "callback", cb.ID, "reason", why)
	return answer
}

// processCallback syncs the callback's order from a payment read; settle
// stores the entry as processed inside the sync's write.
func (e *Engine) processCallback(ctx context.Context, en entry, settle *inboxWrite) error {
	_, err := e.syncOrder(ctx, en.cb.OrderID, syncOpts{src: kassa.SourceCallback, callback: noteOf(en),
		candidate: en.cb.PaymentID, settle: settle, since: en.since})
	return err
}

// callbackNote describes the callback a sync processes, for its events.
type callbackNote struct {
	id    int64
	kind  kassa.CallbackKind
	claim *callbackClaim // nil when the stored body cannot be parsed
}

// noteOf describes entry en's callback, parsing its stored body when it
// was claimed from the store rather than received by this process.
func noteOf(en entry) *callbackNote {
	n := &callbackNote{id: en.cb.ID, kind: en.cb.Kind, claim: en.claim}
	if n.claim == nil {
		if c, err := parseCallback(en.cb.Kind, en.cb.Body); err == nil {
			n.claim = &c
		}
	}
	return n
}

// String says what the callback claims, for an event decided without a
// payment read that shows its action: "callback #7 (claims AUTHORIZED)",
// "callback #8 (management CAPTURE, action 5f0c…)".
func (n *callbackNote) String() string {
	c := n.claim
	switch {
	case c == nil:
		return fmt.Sprintf("callback #%d (%s)", n.id, n.kind)
	case n.kind == kassa.CallbackManagement:
		return fmt.Sprintf("callback #%d (management %s, action %s)", n.id, c.action, c.actionID)
	}
	return fmt.Sprintf("callback #%d (claims %s)", n.id, c.status)
}

// readNote is the note prefix of an event that callback n's sync of order
// orderID decided on a payment read with actionLog log ("" for a sync of
// no callback). A management callback names who did its action, as the
// actionLog entry says: the shop itself (its action recognised by the
// entry's transactionId) or whoever Resurs reports as creator, e.g.
// "callback #8 (CAPTURE by merchant-portal (action 5f0c…))".
func (e *Engine) readNote(ctx context.Context, orderID int64, n *callbackNote, log []mapi.ActionLog) string {
	if n == nil {
		return ""
	}
	if n.kind != kassa.CallbackManagement || n.claim == nil {
		return n.String()
	}
	for i := range log {
		if log[i].ActionID == n.claim.actionID {
			return fmt.Sprintf("callback #%d (%s)", n.id, e.actor(ctx, orderID, &log[i]))
		}
	}
	return n.String()
}

// actor says who did an actionLog entry.
func (e *Engine) actor(ctx context.Context, orderID int64, l *mapi.ActionLog) string {
	if l.TransactionID != nil {
		if a, err := e.store.ActionByTransactionID(ctx, *l.TransactionID); err == nil && a.OrderID == orderID {
			return fmt.Sprintf("%s by kassa (%s %s, action %s)", l.Type, a.Kind, a.TransactionID, l.ActionID)
		}
	}
	who := "an unknown creator"
	if l.Creator != nil && *l.Creator != "" {
		who = *l.Creator
	}
	return fmt.Sprintf("%s by %s (action %s)", l.Type, who, l.ActionID)
}
