package checkout_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/kassa-dev/kassa"
	"github.com/kassa-dev/kassa/checkout"
	"github.com/kassa-dev/kassa/mail"
	"github.com/kassa-dev/kassa/mail/mailtest"
	"github.com/kassa-dev/kassa/mapisim"
)

const shopEmail = "owner@shop.example"

// mailEnv is a shop whose engine sends its mails to srv.
func mailEnv(t *testing.T, srv *mailtest.Server, o envOptions) *env {
	t.Helper()
	sender, err := mail.NewSender(srv.URL, "Demo Shop <shop@shop.example>")
	if err != nil {
		t.Fatal(err)
	}
	adjust := o.config
	o.config = func(c *checkout.Config) {
		c.Mailer, c.ShopEmail, c.MailPoll = sender, shopEmail, 10*time.Millisecond
		if adjust != nil {
			adjust(c)
		}
	}
	return newEnv(t, o)
}

// mails returns the outbox of order id, oldest first.
func (e *env) mails(id int64) []*kassa.Mail {
	e.t.Helper()
	ms, _, err := e.db.Mails(e.ctx, kassa.MailFilter{OrderID: id})
	if err != nil {
		e.t.Fatal(err)
	}
	for i, j := 0, len(ms)-1; i < j; i, j = i+1, j-1 {
		ms[i], ms[j] = ms[j], ms[i]
	}
	return ms
}

// waitSent waits until every mail of order id left the queue and
// returns them.
func (e *env) waitSent(id int64, n int) []*kassa.Mail {
	e.t.Helper()
	var ms []*kassa.Mail
	e.waitFor("mails sent", func() bool {
		ms = e.mails(id)
		for _, m := range ms {
			if m.State == kassa.MailQueued {
				return false
			}
		}
		return len(ms) == n
	})
	return ms
}

// messageOf returns the message that delivered m (two workers send, so
// the order of delivery is not the outbox's).
func messageOf(t *testing.T, msgs []mailtest.Message, m *kassa.Mail) mailtest.Message {
	t.Helper()
	for _, msg := range msgs {
		if msg.Header("Message-ID") == messageID(m.Key) {
			return msg
		}
	}
	t.Fatalf("mail %s was not delivered", m.Key)
	return mailtest.Message{}
}

// messageID is the Message-ID of the mail keyed key from the shop.
func messageID(key string) string { return "<" + strings.ReplaceAll(key, "/", ".") + "@shop.example>" }

// byKey counts the messages the server got per Message-ID.
func byKey(msgs []mailtest.Message) map[string]int {
	n := map[string]int{}
	for _, m := range msgs {
		n[m.Header("Message-ID")]++
	}
	return n
}

// TestMailOnHoldThenAccepted follows an order through on-hold to
// accepted: the customer, who shopped in English, gets "awaiting a
// decision", then the decision; the owner of the Swedish store gets the
// new order in Swedish.
func TestMailOnHoldThenAccepted(t *testing.T) {
	t.Parallel()
	srv := mailtest.Start(t)
	e := mailEnv(t, srv, envOptions{})
	o, _ := e.placeIn(govFrozenAccepted, "en")
	e.sign(o, mapisim.Approve)
	e.wantStatus(o.ID, kassa.StatusOnHold)
	e.waitSent(o.ID, 2)
	e.advance(5 * time.Second) // Resurs decides
	e.wantStatus(o.ID, kassa.StatusProcessing)
	ms := e.waitSent(o.ID, 3)

	want := []struct {
		kind    kassa.MailKind
		to      string
		subject string
		says    string
	}{
		{kassa.MailOnHold, "anna@example.com", "We have received your order " + o.Number, "awaiting a decision"},
		{kassa.MailNewOrder, shopEmail, "Ny beställning " + o.Number, "skicka inte varorna än"},
		{kassa.MailAccepted, "anna@example.com", "Your order " + o.Number + " is approved", "approved the payment"},
	}
	msgs := srv.Messages()
	if len(msgs) != len(want) {
		t.Fatalf("%d messages delivered; want %d", len(msgs), len(want))
	}
	for i, w := range want {
		m, got := ms[i], messageOf(t, msgs, ms[i])
		if m.Kind != w.kind || m.State != kassa.MailSent || m.SentAt.IsZero() || m.To != w.to {
			t.Errorf("mail %d: %s %s to %s sent %v; want %s sent to %s", i, m.Kind, m.State, m.To, m.SentAt, w.kind, w.to)
		}
		if got.To[0] != w.to || !strings.HasPrefix(got.Header("Subject"), w.subject) ||
			!strings.Contains(got.Part("text/plain"), w.says) || !strings.Contains(got.Part("text/html"), w.says) {
			t.Errorf("message %d to %v, subject %q; want to %s, %q, saying %q:\n%s",
				i, got.To, got.Header("Subject"), w.to, w.subject, w.says, got.Part("text/plain"))
		}
		if !strings.Contains(got.Part("text/plain"), "T-shirt") {
			t.Errorf("message %d lacks the order lines:\n%s", i, got.Part("text/plain"))
		}
	}
}

// TestMailRefund mails the refund with its amount, once per
// refund.
func TestMailRefund(t *testing.T) {
	t.Parallel()
	srv := mailtest.Start(t)
	e := mailEnv(t, srv, envOptions{})
	o, _ := e.placeIn(govAccepted, "en")
	e.sign(o, mapisim.Approve)
	e.waitSent(o.ID, 2)
	if _, _, err := e.eng.Capture(e.ctx, o.ID, everything()); err != nil {
		t.Fatal(err)
	}
	req := checkout.ActionRequest{Amount: 5000, Source: kassa.SourceAdmin}
	if _, _, err := e.eng.Refund(e.ctx, o.ID, req); err != nil {
		t.Fatal(err)
	}
	e.settle()
	ms := e.waitSent(o.ID, 3)
	refund := ms[2]
	if refund.Kind != kassa.MailRefunded || refund.Amount != 5000 || !strings.Contains(refund.Text, "50,00\u00a0kr") {
		t.Fatalf("third mail: %s of %d:\n%s; want the refund of 50,00 kr", refund.Kind, refund.Amount, refund.Text)
	}
	if _, err := e.eng.Sync(e.ctx, o.ID, kassa.SourceAdmin); err != nil {
		t.Fatal(err)
	}
	if n := len(e.mails(o.ID)); n != 3 {
		t.Fatalf("%d mails after a sync that changed nothing; want still 3", n)
	}
}

// TestMailOnceAcrossRestart enqueues the mails with an engine that never
// sends (it stops first), syncs the same change again, and has a new
// engine on the same store send them: each mail is delivered once.
func TestMailOnceAcrossRestart(t *testing.T) {
	t.Parallel()
	srv := mailtest.Start(t)
	e := mailEnv(t, srv, envOptions{noStart: true})
	o, _ := e.place(govAccepted)
	if _, err := e.sim.Sign(o.PaymentID, mapisim.Approve); err != nil {
		t.Fatal(err)
	}
	e.sim.Flush()
	for range 2 { // the second sync finds nothing new
		if _, err := e.eng.Sync(e.ctx, o.ID, kassa.SourceSweeper); err != nil {
			t.Fatal(err)
		}
	}
	e.wantStatus(o.ID, kassa.StatusProcessing)
	if ms := e.mails(o.ID); len(ms) != 2 || ms[0].State != kassa.MailQueued || ms[1].State != kassa.MailQueued {
		t.Fatalf("outbox before any worker ran: %v; want 2 queued mails", ms)
	}
	if err := e.eng.Stop(e.ctx); err != nil {
		t.Fatal(err)
	}
	if n := len(srv.Messages()); n != 0 {
		t.Fatalf("%d messages sent by the stopped engine", n)
	}

	e.opts.noStart = false
	e.startEngine() // processes the stored callbacks too: the same change again
	e.settle()
	e.waitSent(o.ID, 2)
	if err := e.eng.Stop(e.ctx); err != nil {
		t.Fatal(err)
	}
	e.startEngine()
	e.settle()
	if err := e.eng.Stop(e.ctx); err != nil {
		t.Fatal(err)
	}
	got := byKey(srv.Messages())
	want := map[string]int{
		messageID(kassa.MailKey(o.ID, kassa.MailConfirmation, "")): 1,
		messageID(kassa.MailKey(o.ID, kassa.MailNewOrder, "")):     1,
	}
	if len(got) != len(want) {
		t.Fatalf("deliveries by Message-ID: %v; want %v", got, want)
	}
	for k, n := range want {
		if got[k] != n {
			t.Errorf("deliveries by Message-ID: %v; want %v", got, want)
		}
	}
}

// TestMailRetriedAfterRefusal has the SMTP server refuse the first DATA
// with 451: the mail is retried after the queue's backoff and delivered
// exactly once.
func TestMailRetriedAfterRefusal(t *testing.T) {
	t.Parallel()
	srv := mailtest.Start(t)
	srv.RefuseData(1)
	e := mailEnv(t, srv, envOptions{config: func(c *checkout.Config) { c.ShopEmail = "" }})
	o, _ := e.place(govAccepted)
	e.sign(o, mapisim.Approve)
	var m *kassa.Mail
	e.waitFor("the first attempt refused", func() bool {
		ms := e.mails(o.ID)
		m = ms[0]
		return len(ms) == 1 && m.Attempts == 1
	})
	if m.State != kassa.MailQueued || !strings.Contains(m.Error, "451") ||
		!m.NextAttemptAt.Equal(e.clock.Now().Add(time.Second)) || len(srv.Messages()) != 0 {
		t.Fatalf("after the refusal: %s, error %q, due %v; want queued, the 451, due in 1 s",
			m.State, m.Error, m.NextAttemptAt)
	}
	e.clock.Advance(time.Second)
	ms := e.waitSent(o.ID, 1)
	if ms[0].State != kassa.MailSent || ms[0].Attempts != 1 {
		t.Fatalf("after the retry: %s after %d failed attempts; want sent after 1", ms[0].State, ms[0].Attempts)
	}
	if n := len(srv.Messages()); n != 1 {
		t.Fatalf("%d messages delivered; want 1", n)
	}
}

// TestMailFailsAfterAttempts fails a mail the server keeps refusing.
func TestMailFailsAfterAttempts(t *testing.T) {
	t.Parallel()
	srv := mailtest.Start(t)
	srv.RefuseData(100)
	e := mailEnv(t, srv, envOptions{config: func(c *checkout.Config) { c.ShopEmail, c.MailAttempts = "", 3 }})
	o, _ := e.place(govAccepted)
	e.sign(o, mapisim.Approve)
	e.waitFor("the mail failed", func() bool {
		ms := e.mails(o.ID)
		if len(ms) == 1 && ms[0].State == kassa.MailQueued && ms[0].NextAttemptAt.After(e.clock.Now()) {
			e.clock.Advance(ms[0].NextAttemptAt.Sub(e.clock.Now()))
		}
		return len(ms) == 1 && ms[0].State == kassa.MailFailed
	})
	if m := e.mails(o.ID)[0]; m.Attempts != 3 || !m.NextAttemptAt.IsZero() || !strings.Contains(m.Error, "451") {
		t.Fatalf("failed mail: %d attempts, due %v, error %q; want 3, none, the 451", m.Attempts, m.NextAttemptAt, m.Error)
	}
}

// TestMailKeptWithoutSMTP keeps the rendered mails when no Mailer is
// configured. An order placed without a language is in the store
// country's: Swedish.
func TestMailKeptWithoutSMTP(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{})
	o, _ := e.place(govAccepted)
	if o.Lang != "sv" {
		t.Errorf("order language %q; want the Swedish store's sv", o.Lang)
	}
	e.sign(o, mapisim.Approve)
	ms := e.mails(o.ID)
	if len(ms) != 1 {
		t.Fatalf("%d mails; want the customer's confirmation only (no shop address)", len(ms))
	}
	if ms[0].Text != "" {
		t.Errorf("a kept mail's body was rendered in the order's write")
	}
	m, err := e.eng.MailContent(e.ctx, ms[0])
	if err != nil {
		t.Fatal(err)
	}
	if m.State != kassa.MailKept || m.Kind != kassa.MailConfirmation || m.Lang != "sv" || m.To != "anna@example.com" ||
		m.Subject != "Din beställning "+o.Number+" är bekräftad" || !strings.Contains(m.Text, "Totalt  248,00\u00a0kr") ||
		!m.NextAttemptAt.IsZero() || !strings.Contains(m.Text, o.Number) || !strings.Contains(m.HTML, "<html") ||
		!strings.Contains(m.Text, checkout.ReturnPath(o)) {
		t.Fatalf("kept mail: %+v", m)
	}
}

// TestMailInCustomersLanguage sends each customer the mails in the
// language the order was placed in, whatever the store's, and the owner
// of the Swedish store the new order in Swedish.
func TestMailInCustomersLanguage(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		lang          string
		subject, says string
		money         string // the order's total, 248,00 SEK
	}{
		{"sv", "Din beställning %s är bekräftad", "Tack för din beställning!", "248,00\u00a0kr"},
		{"en", "Your order %s is confirmed", "Thank you for your order.", "248,00\u00a0kr"},
		{"nb", "Ordren din %s er bekreftet", "Takk for bestillingen!", "248,00\u00a0SEK"},
		{"fi", "Tilauksesi %s on vahvistettu", "Kiitos tilauksestasi!", "248,00\u00a0SEK"},
		{"da", "Din ordre %s er bekræftet", "Tak for din bestilling!", "248,00\u00a0SEK"},
	} {
		t.Run(tt.lang, func(t *testing.T) {
			t.Parallel()
			srv := mailtest.Start(t)
			e := mailEnv(t, srv, envOptions{})
			o, _ := e.placeIn(govAccepted, tt.lang)
			if got := e.order(o.ID); got.Lang != tt.lang {
				t.Fatalf("stored order language %q; want %q", got.Lang, tt.lang)
			}
			e.sign(o, mapisim.Approve)
			ms := e.waitSent(o.ID, 2)
			customer, owner := messageOf(t, srv.Messages(), ms[0]), messageOf(t, srv.Messages(), ms[1])
			if ms[0].Lang != tt.lang || customer.Header("Content-Language") != tt.lang ||
				customer.Header("Subject") != fmt.Sprintf(tt.subject, o.Number) ||
				!strings.Contains(customer.Part("text/plain"), tt.says) || !strings.Contains(customer.Part("text/plain"), tt.money) ||
				!strings.Contains(customer.Part("text/html"), `<html lang="`+tt.lang+`">`) {
				t.Errorf("customer's mail in %s, Content-Language %s, subject %q:\n%s",
					ms[0].Lang, customer.Header("Content-Language"), customer.Header("Subject"), customer.Part("text/plain"))
			}
			if ms[1].Lang != "sv" || !strings.HasPrefix(owner.Header("Subject"), "Ny beställning "+o.Number) {
				t.Errorf("owner's mail in %s: %q; want Swedish", ms[1].Lang, owner.Header("Subject"))
			}
		})
	}
}
