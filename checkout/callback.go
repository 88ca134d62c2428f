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
	paymentID, dedup, perr := parseCallback(kind, body)
	cb.PaymentID = paymentID
	switch {
	case o == nil:
		why := unauthenticated(cb, body)
		return e.quarantine(ctx, cb, why, &kassa.Error{Code: kassa.EUNAUTHORIZED, Op: op,
			Message: "The callback token is not valid."})
	case perr != nil:
		return e.quarantine(ctx, cb, "malformed body: "+perr.Error(), &kassa.Error{Code: kassa.EINVALID, Op: op,
			Message: "The callback body cannot be read.", Err: perr})
	case o.PaymentID != "" && o.PaymentID != paymentID:
		return e.quarantine(ctx, cb, "payment "+paymentID+" is not this order's payment", nil)
	}
	cb.DedupKey, cb.NextAttemptAt = dedupKey(o.ID, dedup), e.leaseFor(e.now())
	dup, err := e.store.RecordCallback(ctx, cb, nil)
	switch {
	case err != nil:
		e.metrics.callback(kind, "error")
		return fmt.Errorf("%s: %w", op, err)
	case dup:
		e.metrics.callback(kind, "duplicate")
	default:
		e.metrics.callback(kind, "accepted")
		e.dispatch(cb, since)
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

// parseCallback returns the payment id and the dedup key of a callback body.
func parseCallback(kind kassa.CallbackKind, body []byte) (paymentID, dedup string, err error) {
	if len(body) > MaxCallbackBody {
		return "", "", fmt.Errorf("body larger than %d bytes", MaxCallbackBody)
	}
	switch kind {
	case kassa.CallbackAuthorization:
		c, err := mapi.ParseAuthorizationCallback(body)
		if err != nil {
			return "", "", err
		}
		created := c.Created.UTC().Format(time.RFC3339Nano)
		return c.PaymentID, "a:" + c.PaymentID + ":" + string(c.Status) + ":" + created, nil
	case kassa.CallbackManagement:
		c, err := mapi.ParseManagementCallback(body)
		if err != nil {
			return "", "", err
		}
		return c.PaymentID, "m:" + c.PaymentID + ":" + c.ActionID, nil
	}
	return "", "", fmt.Errorf("unknown callback kind %q", kind)
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
func (e *Engine) processCallback(ctx context.Context, cb *kassa.Callback, settle *inboxWrite, since uint64) error {
	note := e.callbackNote(ctx, cb)
	_, err := e.syncOrder(ctx, cb.OrderID, syncOpts{src: kassa.SourceCallback, note: note,
		candidate: cb.PaymentID, settle: settle, since: since})
	return err
}

// claimed describes what a callback body claims, for the event note.
func claimed(cb *kassa.Callback) string {
	switch cb.Kind {
	case kassa.CallbackAuthorization:
		if c, err := mapi.ParseAuthorizationCallback(cb.Body); err == nil {
			return "claims " + string(c.Status)
		}
	case kassa.CallbackManagement:
		if c, err := mapi.ParseManagementCallback(cb.Body); err == nil {
			return "management " + string(c.Action)
		}
	}
	return string(cb.Kind)
}
