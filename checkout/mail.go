package checkout

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/kassa-dev/kassa"
	"github.com/kassa-dev/kassa/locale"
	"github.com/kassa-dev/kassa/mail"
)

// Order e-mails (README.md §E-mails). The write that changes an order
// enqueues the mails the change causes in its own transaction
// (kassa.Tx.AddMail), rendered already (a kept mail, which nothing sends,
// only its subject: its body is rendered from the order when the admin
// reads it, MailContent); each mail's key (order id, kind,
// and for a refund the refunded total) is unique in the outbox, so a
// retried write, a second sync of the same change or a second process
// stores it once. The mail queue, an entry kind of the engine's one work
// queue (queue.go), claims the queued mails and sends them through the
// Mailer, retrying with the queue's backoff; after MailAttempts failures a
// mail is failed, for the admin to see. Without a Mailer mails are stored
// as kept: rendered, shown in the admin, never sent.

// Mailer sends one rendered mail; *mail.Sender is the SMTP one.
type Mailer interface {
	Send(ctx context.Context, m *kassa.Mail) error
}

// Mail queue defaults.
const (
	// mailLease covers one sending attempt (mail's own timeout is 30 s).
	mailLease           = 2 * time.Minute
	defaultMailAttempts = 10
	mailWorkers         = 2
)

// mailEvent is one mail an order change causes.
type mailEvent struct {
	kind   kassa.MailKind
	owner  bool        // to the shop owner, not the customer
	event  string      // what makes its key unique beyond order and kind
	amount kassa.Money // a refund's amount
}

// mailsFor decides which mails the change of an order from status from
// with refunded refunded before, to o, causes; alert says the change is a
// paid but closed alert (paidButClosed). Confirmed orders tell customer
// and owner; a decision on an on-hold order, the cancellation of a
// confirmed one and every refund tell the customer. An order never
// confirmed (pending to failed or cancelled) mails nobody: the customer
// saw it fail at checkout.
func mailsFor(from kassa.Status, refunded kassa.Money, o *kassa.Order, alert bool) []mailEvent {
	var evs []mailEvent
	if alert {
		evs = append(evs, mailEvent{kind: kassa.MailPaidButClosed, owner: true})
	}
	if k, ok := statusMail(from, o.Status); ok {
		evs = append(evs, mailEvent{kind: k})
		if from == kassa.StatusPending {
			evs = append(evs, mailEvent{kind: kassa.MailNewOrder, owner: true})
		}
	}
	if o.Refunded > refunded {
		evs = append(evs, mailEvent{kind: kassa.MailRefunded, event: strconv.FormatInt(int64(o.Refunded), 10),
			amount: o.Refunded - refunded})
	}
	return evs
}

// statusMail is the customer's mail of a move from → to, if any.
func statusMail(from, to kassa.Status) (kassa.MailKind, bool) {
	confirmed := to == kassa.StatusProcessing || to == kassa.StatusCompleted
	switch {
	case from == to:
		return "", false
	case from == kassa.StatusPending && confirmed:
		return kassa.MailConfirmation, true
	case from == kassa.StatusPending && to == kassa.StatusOnHold:
		return kassa.MailOnHold, true
	case from == kassa.StatusOnHold && confirmed:
		return kassa.MailAccepted, true
	case from == kassa.StatusOnHold && (to == kassa.StatusFailed || to == kassa.StatusCancelled):
		return kassa.MailRejected, true
	case from == kassa.StatusProcessing && to == kassa.StatusCancelled:
		return kassa.MailCancelled, true
	}
	return "", false
}

// withMails returns then followed by enqueuing the mails the change of o
// (from status from, with refunded refunded before) causes, rendered now,
// outside the transaction. A mail that cannot be rendered or has no
// recipient is logged and left out: it must not hold up the order write.
func (e *Engine) withMails(from kassa.Status, refunded kassa.Money, o *kassa.Order, alert bool, then kassa.TxFunc) kassa.TxFunc {
	var ms []*kassa.Mail
	for _, ev := range mailsFor(from, refunded, o, alert) {
		if m := e.renderMail(o, ev); m != nil {
			ms = append(ms, m)
		}
	}
	if len(ms) == 0 {
		return then
	}
	return func(ctx context.Context, tx kassa.Tx) error {
		if then != nil {
			if err := then(ctx, tx); err != nil {
				return err
			}
		}
		for _, m := range ms {
			if err := tx.AddMail(ctx, m); err != nil {
				return err
			}
		}
		return nil
	}
}

// renderMail renders the mail of ev about o; nil when it cannot be made.
// A mail that is sent is rendered whole, as the order is now; a kept one
// (no Mailer) gets its subject only, and its body when it is read
// (MailContent): rendering it in every order's write cost the journey
// 3 % of its CPU for a page the owner may never open.
func (e *Engine) renderMail(o *kassa.Order, ev mailEvent) *kassa.Mail {
	to, lang := o.Customer.Email, e.customerLang(o)
	if ev.owner {
		to, lang = e.cfg.ShopEmail, e.ownerLang()
	}
	if to == "" {
		return nil
	}
	m := &kassa.Mail{OrderID: o.ID, Key: kassa.MailKey(o.ID, ev.kind, ev.event), Kind: ev.kind, Lang: lang,
		To: to, Amount: ev.amount, State: kassa.MailKept}
	var err error
	if e.cfg.Mailer == nil {
		m.Subject, err = e.mailer.render.Subject(ev.kind, lang, e.mailData(o, ev.amount))
	} else {
		m.State, m.NextAttemptAt = kassa.MailQueued, e.now()
		err = e.renderBody(m, o)
	}
	if err != nil {
		e.log.Error("render mail", "order", o.ID, "kind", ev.kind, "err", err)
		return nil
	}
	return m
}

// mailData is what the templates of a mail about o are given.
func (e *Engine) mailData(o *kassa.Order, amount kassa.Money) mail.Data {
	return mail.Data{Order: o, Amount: amount, Shop: e.base.Host, Country: e.cfg.Country,
		OrderURL: e.cfg.BaseURL + ReturnPath(o), AdminURL: e.cfg.BaseURL + "/admin/orders/" + strconv.FormatInt(o.ID, 10)}
}

// renderBody renders m, a mail about o, whole.
func (e *Engine) renderBody(m *kassa.Mail, o *kassa.Order) error {
	c, err := e.mailer.render.Render(m.Kind, m.Lang, e.mailData(o, m.Amount))
	if err != nil {
		return err
	}
	m.Subject, m.Text, m.HTML = c.Subject, c.Text, c.HTML
	return nil
}

// MailContent returns m with its body: as stored for a mail rendered
// when it was written, else (a kept mail) rendered now from its order.
func (e *Engine) MailContent(ctx context.Context, m *kassa.Mail) (*kassa.Mail, error) {
	if m.Text != "" || m.OrderID == 0 {
		return m, nil
	}
	o, err := e.store.Order(ctx, m.OrderID)
	if err != nil {
		return nil, fmt.Errorf("checkout.MailContent: %w", err)
	}
	c := *m
	if err := e.renderBody(&c, o); err != nil {
		return nil, fmt.Errorf("checkout.MailContent: %w", err)
	}
	return &c, nil
}

// customerLang is the language of the customer's mails: the order's
// (the language the customer shopped in), or for an order that does not
// record one the language of the store's country.
func (e *Engine) customerLang(o *kassa.Order) string {
	if locale.Supported(o.Lang) {
		return o.Lang
	}
	return locale.ForCountry(e.cfg.Country).Code()
}

// ownerLang is the language of the shop owner's mails: the admin's
// language for the store's country (Swedish in Sweden, else English).
func (e *Engine) ownerLang() string { return locale.ForCountry(e.cfg.Country).Admin().Code() }

// mailer is the engine's part in e-mail: the templates and the queue.
type mailer struct {
	render *mail.Renderer
	queue  *queue[*kassa.Mail]
}

// newMailQueue returns the queue of e's mail workers.
func (e *Engine) newMailQueue() *queue[*kassa.Mail] {
	return &queue[*kassa.Mail]{
		name: "mail", workers: mailWorkers, poll: e.cfg.MailPoll, log: e.log,
		claim: e.claimMails,
		work:  e.sendMail,
		attrs: func(m *kassa.Mail) []any { return []any{"mail", m.ID, "order", m.OrderID} },
	}
}

// claimMails claims up to limit due mails, leased for one attempt.
func (e *Engine) claimMails(ctx context.Context, limit int) ([]*kassa.Mail, error) {
	now := e.now()
	return e.store.ClaimMails(ctx, now, now.Add(mailLease), limit)
}

// sendMail makes one attempt at a claimed mail and records the outcome:
// sent; or due again after the backoff; or failed after MailAttempts. A
// mail whose attempt was cut short by Stop is left to its lease. A crash
// between sending and recording sends the mail again once its lease ends:
// mail is at least once, and its Message-ID names it.
func (e *Engine) sendMail(ctx context.Context, m *kassa.Mail) {
	err := e.cfg.Mailer.Send(ctx, m)
	if err != nil && ctx.Err() != nil {
		return
	}
	m.NextAttemptAt = time.Time{}
	switch {
	case err == nil:
		m.State, m.SentAt, m.Error = kassa.MailSent, e.now(), ""
	case m.Attempts+1 >= e.cfg.MailAttempts:
		m.State, m.Attempts, m.Error = kassa.MailFailed, m.Attempts+1, err.Error()
	default:
		m.Attempts, m.Error = m.Attempts+1, err.Error()
		m.NextAttemptAt = e.now().Add(queueBackoff(m.Attempts))
	}
	if uerr := e.store.UpdateMail(context.WithoutCancel(ctx), m); uerr != nil {
		e.log.Error("record mail attempt", "mail", m.ID, "err", uerr, "cause", err)
		return
	}
	switch {
	case m.State == kassa.MailFailed:
		e.log.Error("mail failed; see the admin's E-mails page", "mail", m.ID, "order", m.OrderID, "err", err)
	case err != nil:
		e.log.Warn("mail not sent; will retry", "mail", m.ID, "order", m.OrderID, "err", err)
	}
}
