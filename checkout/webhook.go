package checkout

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"

	"github.com/kassa-dev/kassa"
	"github.com/kassa-dev/kassa/mail"
)

// Webhooks (docs/architecture.md §Webhooks). Every order write that
// creates an order or changes its status, and every after-sale action
// Resurs accepted, queues an event in the same transaction
// (kassa.Tx.AddWebhookEvent): one delivery per enabled endpoint that
// wants its type. The engine's store is wrapped (webhookStore) so that no
// write path can change an order without its event: an applied event
// (kassa.Event.Applied) whose From differs from the new status is a status
// change. The webhook queue, an entry kind of the one work queue, claims
// the head of each endpoint's and order's line, so an order's events reach
// an endpoint in order; it signs each delivery per the Standard Webhooks
// specification and retries with the queue's backoff, for
// WebhookRetryFor. An endpoint failing for WebhookDisableAfter is
// disabled, and the owner told by e-mail.

// webhookLease covers one delivery attempt (the client's timeout is 10 s)
// with room to record its outcome. It is also how long the deliveries a
// crashed process had claimed wait before another takes them, and an
// order's later events wait behind them: kept short.
const webhookLease = 20 * time.Second

// webhookWorkers deliver concurrently (to different endpoints or orders).
const webhookWorkers = 4

// webhookStore is the engine's store with the webhook events of its order
// writes.
type webhookStore struct {
	Store
	e *Engine
}

func (s webhookStore) CreateOrder(ctx context.Context, o *kassa.Order, ev kassa.Event, then kassa.TxFunc) error {
	at := s.e.now()
	return s.Store.CreateOrder(ctx, o, ev, withEvent(then, func() *kassa.WebhookEvent {
		return webhookEvent(o, kassa.WebhookOrderCreated, strconv.FormatInt(o.ID, 10)+"-created", at,
			func() any { return map[string]any{"order": orderData(o)} })
	}))
}

func (s webhookStore) UpdateOrder(ctx context.Context, o *kassa.Order, ev *kassa.Event, then kassa.TxFunc) error {
	return s.Store.UpdateOrder(ctx, o, ev, s.statusChange(o, ev, then))
}

func (s webhookStore) UpdateOrderCustomer(ctx context.Context, o *kassa.Order, ev *kassa.Event, then kassa.TxFunc) error {
	return s.Store.UpdateOrderCustomer(ctx, o, ev, s.statusChange(o, ev, then))
}

func (s webhookStore) ReplaceOrderLines(ctx context.Context, o *kassa.Order, ev *kassa.Event, then kassa.TxFunc) error {
	return s.Store.ReplaceOrderLines(ctx, o, ev, s.statusChange(o, ev, then))
}

// statusChange adds the order.status_changed event of a write of o with
// event ev to then, when ev records an applied change of status. Its key
// is the order's version after the write, unique per order.
func (s webhookStore) statusChange(o *kassa.Order, ev *kassa.Event, then kassa.TxFunc) kassa.TxFunc {
	if ev == nil || !ev.Applied || ev.From == o.Status || ev.From == "" {
		return then
	}
	from, at, version := ev.From, s.e.now(), o.Version+1
	reason, src := o.StatusReason, ev.Source
	return withEvent(then, func() *kassa.WebhookEvent {
		return webhookEvent(o, kassa.WebhookOrderStatusChanged, fmt.Sprintf("%d-v%d", o.ID, version), at, func() any {
			return map[string]any{"before": from, "after": o.Status, "reason": reason, "source": src, "order": orderData(o)}
		})
	})
}

// actionEvent adds the order.action event of action a, accepted by
// Resurs, to then.
func (e *Engine) actionEvent(o *kassa.Order, a *kassa.Action, then kassa.TxFunc) kassa.TxFunc {
	if a == nil {
		return then
	}
	at := e.now()
	return withEvent(then, func() *kassa.WebhookEvent {
		return webhookEvent(o, kassa.WebhookOrderAction, a.TransactionID, at, func() any {
			return map[string]any{
				"action": map[string]any{"kind": a.Kind, "transactionId": a.TransactionID, "amount": a.Amount.String(),
					"resursActionId": a.MAPIActionID, "source": a.Source, "lines": webhookLines(a.Lines)},
				"order": orderData(o)}
		})
	})
}

// withEvent returns then followed by queuing the event make returns.
func withEvent(then kassa.TxFunc, make func() *kassa.WebhookEvent) kassa.TxFunc {
	return func(ctx context.Context, tx kassa.Tx) error {
		if then != nil {
			if err := then(ctx, tx); err != nil {
				return err
			}
		}
		return tx.AddWebhookEvent(ctx, make())
	}
}

// webhookEvent makes the event of type typ about o, whose body
// {"id","type","timestamp","data"} (id being the webhook-id) the store
// encodes only when an endpoint wants it; data makes its data.
func webhookEvent(o *kassa.Order, typ kassa.WebhookType, key string, at time.Time, data func() any) *kassa.WebhookEvent {
	return &kassa.WebhookEvent{OrderID: o.ID, Key: key, Type: typ, At: at, Encode: func() ([]byte, error) {
		body, err := json.Marshal(map[string]any{"id": "evt_" + key, "type": typ,
			"timestamp": at.UTC().Format(time.RFC3339Nano), "data": data()})
		if err != nil {
			return nil, fmt.Errorf("encode webhook event: %w", err)
		}
		return body, nil
	}}
}

// orderData is what every event tells of the order.
func orderData(o *kassa.Order) map[string]any {
	d := map[string]any{"id": o.ID, "number": o.Number, "reference": o.Reference, "status": o.Status,
		"currency": o.Currency, "total": o.Total.String(), "vatTotal": o.VATTotal.String(),
		"authorized": o.Authorized.String(), "captured": o.Captured.String(), "refunded": o.Refunded.String(),
		"canceled": o.Canceled.String(), "paymentId": o.PaymentID, "version": o.Version}
	if o.Hosted != nil {
		d["metadata"] = o.Hosted.Metadata
	}
	return d
}

func webhookLines(lines []kassa.Line) []map[string]any {
	out := make([]map[string]any, len(lines))
	for i, l := range lines {
		out[i] = map[string]any{"sku": l.SKU, "description": l.Description, "quantity": l.Quantity,
			"total": l.Total.String()}
	}
	return out
}

// newWebhookQueue returns the queue of e's webhook workers.
func (e *Engine) newWebhookQueue() *queue[*kassa.WebhookDelivery] {
	return &queue[*kassa.WebhookDelivery]{
		name: "webhook", workers: webhookWorkers, poll: e.cfg.WebhookPoll, log: e.log,
		claim: func(ctx context.Context, limit int) ([]*kassa.WebhookDelivery, error) {
			now := e.now()
			return e.store.ClaimWebhookDeliveries(ctx, now, now.Add(webhookLease), limit)
		},
		work:  e.deliver,
		attrs: func(d *kassa.WebhookDelivery) []any { return []any{"delivery", d.ID, "order", d.OrderID} },
	}
}

// deliver makes one attempt at a claimed delivery and records it:
// delivered on a 2xx answer; else due again after the backoff, or failed
// once it has been retried for WebhookRetryFor. A crash between the
// answer and the record delivers it again once its lease ends: at least
// once, with the same webhook-id.
func (e *Engine) deliver(ctx context.Context, d *kassa.WebhookDelivery) {
	ep, err := e.store.WebhookEndpoint(ctx, d.EndpointID)
	if err != nil {
		e.log.Error("webhook endpoint", "delivery", d.ID, "err", err)
		return
	}
	status, derr := e.post(ctx, ep, d)
	if derr != nil && ctx.Err() != nil {
		return // stopped: the lease brings it back
	}
	now := e.now()
	d.Attempts++
	d.LastStatus, d.LastAttemptAt, d.LastError, d.NextAttemptAt = status, now, "", time.Time{}
	switch {
	case derr == nil:
		d.State, d.DeliveredAt = kassa.WebhookDelivered, now
	case now.Sub(d.CreatedAt) >= e.cfg.WebhookRetryFor:
		d.State, d.LastError = kassa.WebhookFailed, derr.Error()
	default:
		d.LastError, d.NextAttemptAt = derr.Error(), now.Add(queueBackoff(d.Attempts))
	}
	wctx := context.WithoutCancel(ctx)
	if err := e.store.UpdateWebhookDelivery(wctx, d); err != nil {
		e.log.Error("record webhook attempt", "delivery", d.ID, "err", err, "cause", derr)
		return
	}
	if err := e.endpointHealth(wctx, ep, d, derr == nil); err != nil {
		e.log.Error("record webhook endpoint health", "endpoint", ep.ID, "err", err)
	}
	if derr != nil {
		e.log.Warn("webhook not delivered", "delivery", d.ID, "endpoint", ep.ID, "status", status, "err", derr,
			"state", d.State)
	}
}

// post sends d to ep, signed, and returns the answer's status; an error
// for no answer or one that is not 2xx.
func (e *Engine) post(ctx context.Context, ep *kassa.WebhookEndpoint, d *kassa.WebhookDelivery) (int, error) {
	wh, err := standardwebhooks.NewWebhook(ep.Secret)
	if err != nil {
		return 0, fmt.Errorf("endpoint secret: %w", err)
	}
	at := e.now()
	sig, err := wh.Sign(d.MessageID, at, d.Body)
	if err != nil {
		return 0, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, ep.URL, bytes.NewReader(d.Body))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "kassa-webhooks")
	req.Header.Set(standardwebhooks.HeaderWebhookID, d.MessageID)
	req.Header.Set(standardwebhooks.HeaderWebhookTimestamp, strconv.FormatInt(at.Unix(), 10))
	req.Header.Set(standardwebhooks.HeaderWebhookSignature, sig)
	resp, err := e.cfg.WebhookClient.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return resp.StatusCode, fmt.Errorf("answered %s", resp.Status)
	}
	return resp.StatusCode, nil
}

// endpointHealth keeps ep's FailingSince, and disables ep once it has
// failed for WebhookDisableAfter, telling the owner in the same write.
func (e *Engine) endpointHealth(ctx context.Context, ep *kassa.WebhookEndpoint, d *kassa.WebhookDelivery, ok bool) error {
	now := e.now()
	switch {
	case ok && ep.FailingSince.IsZero():
		return nil
	case ok:
		ep.FailingSince = time.Time{}
		return e.store.UpdateWebhookEndpoint(ctx, ep, nil)
	case ep.FailingSince.IsZero():
		ep.FailingSince = now
		return e.store.UpdateWebhookEndpoint(ctx, ep, nil)
	case now.Sub(ep.FailingSince) < e.cfg.WebhookDisableAfter:
		return nil
	}
	ep.DisabledAt = now
	ep.DisabledReason = fmt.Sprintf("failing since %s; last answer: %s", ep.FailingSince.Format(time.RFC3339),
		describeAnswer(d))
	e.log.Error("webhook endpoint disabled after failing too long", "endpoint", ep.ID, "url", ep.URL)
	return e.store.UpdateWebhookEndpoint(ctx, ep, e.disabledMail(ep, d))
}

func describeAnswer(d *kassa.WebhookDelivery) string {
	if d.LastStatus != 0 {
		return "HTTP " + strconv.Itoa(d.LastStatus)
	}
	return d.LastError
}

// disabledMail is the owner's mail about a disabled endpoint, added in
// the endpoint's write; nil without an owner address.
func (e *Engine) disabledMail(ep *kassa.WebhookEndpoint, d *kassa.WebhookDelivery) kassa.TxFunc {
	if e.cfg.ShopEmail == "" {
		return nil
	}
	o, err := e.store.Order(context.Background(), d.OrderID)
	if err != nil {
		e.log.Error("webhook disabled mail", "err", err)
		return nil
	}
	c, err := e.mailer.render.Render(kassa.MailWebhookDisabled, mail.DefaultLang, mail.Data{Order: o, Shop: e.base.Host,
		AdminURL: e.cfg.BaseURL + "/admin/webhooks/" + strconv.FormatInt(ep.ID, 10), Endpoint: ep.URL,
		Reason: ep.DisabledReason})
	if err != nil {
		e.log.Error("render webhook disabled mail", "err", err)
		return nil
	}
	m := &kassa.Mail{OrderID: o.ID, Key: fmt.Sprintf("webhook-disabled/%d/%d", ep.ID, ep.DisabledAt.UnixMilli()),
		Kind: kassa.MailWebhookDisabled, Lang: mail.DefaultLang, To: e.cfg.ShopEmail, Subject: c.Subject,
		Text: c.Text, HTML: c.HTML, State: kassa.MailKept}
	if e.cfg.Mailer != nil {
		m.State, m.NextAttemptAt = kassa.MailQueued, e.now()
	}
	return func(ctx context.Context, tx kassa.Tx) error { return tx.AddMail(ctx, m) }
}

// ResendWebhook queues delivery id again, due now (the admin's "Send
// again"); it keeps its webhook-id. A delivery past its retry window
// gets one attempt. ENOTFOUND if unknown.
func (e *Engine) ResendWebhook(ctx context.Context, id int64) (*kassa.WebhookDelivery, error) {
	d, err := e.store.WebhookDelivery(ctx, id)
	if err != nil {
		return nil, fmt.Errorf("checkout.ResendWebhook: %w", err)
	}
	d.State, d.NextAttemptAt = kassa.WebhookQueued, e.now()
	if err := e.store.UpdateWebhookDelivery(ctx, d); err != nil {
		return nil, fmt.Errorf("checkout.ResendWebhook: %w", err)
	}
	return d, nil
}
