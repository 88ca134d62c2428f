package mail_test

import (
	"context"
	"strings"
	"testing"

	"github.com/kassa-dev/kassa"
	"github.com/kassa-dev/kassa/mail"
	"github.com/kassa-dev/kassa/mail/mailtest"
)

// testOrder is a confirmed order of Anna's with two lines.
func testOrder() *kassa.Order {
	return &kassa.Order{ID: 42, Number: "K000042", Status: kassa.StatusProcessing, Currency: "SEK",
		Lines: []kassa.Line{
			{Position: 1, Type: kassa.LineProduct, SKU: "TEE", Description: "T-shirt <organic>", Quantity: 2,
				UnitPrice: 64950, VATRate: 2500, Total: 129900, VATAmount: 25980},
			{Position: 2, Type: kassa.LineShipping, Description: "Postnord", Quantity: 1, UnitPrice: 4900,
				VATRate: 2500, Total: 4900, VATAmount: 980},
		},
		Total: 134800, VATTotal: 26960, Authorized: 134800, PaymentID: "pay-1",
		Customer: kassa.Customer{Email: "anna@example.com", Address: kassa.Address{FirstName: "Anna",
			LastName: "Andersson", AddressRow1: "Storgatan 1", PostalCode: "123 45", PostalArea: "Stockholm"}},
	}
}

func testData() mail.Data {
	return mail.Data{Order: testOrder(), Amount: 64950, Shop: "Demo Shop",
		OrderURL: "https://shop.example/checkout/orders/42/return?key=k&x=1", AdminURL: "https://shop.example/admin/orders/42"}
}

func newRenderer(t *testing.T) *mail.Renderer {
	t.Helper()
	r, err := mail.NewRenderer()
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// TestRenderEveryKind checks what each mail says, in both bodies.
func TestRenderEveryKind(t *testing.T) {
	r := newRenderer(t)
	lines := []string{"K000042", "T-shirt", "1\u00a0299,00\u00a0kr", "1\u00a0348,00\u00a0kr"}
	for _, tt := range []struct {
		kind    kassa.MailKind
		subject string
		want    []string // in the text and the HTML body
	}{
		{kassa.MailConfirmation, "Your order K000042 is confirmed", append([]string{"Hello Anna", "approved", "Demo Shop"}, lines...)},
		{kassa.MailOnHold, "We have received your order K000042", append([]string{"awaiting a decision", "We will e-mail you"}, lines...)},
		{kassa.MailAccepted, "Your order K000042 is approved", append([]string{"approved the payment"}, lines...)},
		{kassa.MailRejected, "Your order K000042 could not be completed", []string{"did not approve", "not be charged"}},
		{kassa.MailCancelled, "Your order K000042 has been cancelled", append([]string{"has been cancelled"}, lines...)},
		{kassa.MailRefunded, "Refund for your order K000042", []string{"refunded", "649,50\u00a0kr"}},
		{kassa.MailNewOrder, "New order K000042: 1\u00a0348,00\u00a0kr", append([]string{"processing", "anna@example.com", "Storgatan 1", "/admin/orders/42"}, lines...)},
		{kassa.MailPaidButClosed, "ALERT: order K000042 is processing but its payment is accepted", []string{"pay-1", "Authorized: 1\u00a0348,00\u00a0kr", "/admin/orders/42"}},
	} {
		t.Run(string(tt.kind), func(t *testing.T) {
			c, err := r.Render(tt.kind, "en", testData())
			if err != nil {
				t.Fatal(err)
			}
			if c.Subject != tt.subject {
				t.Errorf("subject %q; want %q", c.Subject, tt.subject)
			}
			for _, w := range tt.want {
				if !strings.Contains(c.Text, w) {
					t.Errorf("text lacks %q:\n%s", w, c.Text)
				}
				if !strings.Contains(c.HTML, w) {
					t.Errorf("HTML lacks %q:\n%s", w, c.HTML)
				}
			}
			if !strings.Contains(c.HTML, `<html lang="en">`) || strings.Contains(c.HTML, "<organic>") {
				t.Errorf("HTML has no lang or unescaped text:\n%s", c.HTML)
			}
		})
	}
}

// TestRenderLinks checks that the customer's link reaches both bodies
// intact (escaped in HTML only).
func TestRenderLinks(t *testing.T) {
	c, err := newRenderer(t).Render(kassa.MailConfirmation, "en", testData())
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(c.Text, "https://shop.example/checkout/orders/42/return?key=k&x=1") ||
		!strings.Contains(c.HTML, `href="https://shop.example/checkout/orders/42/return?key=k&amp;x=1"`) {
		t.Fatalf("order link missing:\n%s\n%s", c.Text, c.HTML)
	}
}

func TestRenderUnknown(t *testing.T) {
	r := newRenderer(t)
	if _, err := r.Render(kassa.MailConfirmation, "xx", testData()); kassa.ErrorCode(err) != kassa.EINVALID {
		t.Errorf("unknown language: %v; want EINVALID", err)
	}
	if _, err := r.Render("postcard", "en", testData()); kassa.ErrorCode(err) != kassa.EINVALID {
		t.Errorf("unknown kind: %v; want EINVALID", err)
	}
	if !r.Has("en") || r.Has("xx") {
		t.Error("Has: want en only")
	}
}

func TestMoney(t *testing.T) {
	for m, want := range map[kassa.Money]string{
		0: "0,00\u00a0kr", 4900: "49,00\u00a0kr", 129900: "1\u00a0299,00\u00a0kr",
		123456789: "1\u00a0234\u00a0567,89\u00a0kr", -64950: "−649,50\u00a0kr",
	} {
		if got := mail.Money(m); got != want {
			t.Errorf("Money(%d) = %q; want %q", m, got, want)
		}
	}
}

func TestNewSenderRefusesBadConfig(t *testing.T) {
	for _, tt := range []struct{ url, from string }{
		{"http://mail.example", "shop@example.com"},
		{"smtp://", "shop@example.com"},
		{"smtp://mail.example:99999", "shop@example.com"},
		{"smtp://mail.example:25", "not an address"},
	} {
		if _, err := mail.NewSender(tt.url, tt.from); kassa.ErrorCode(err) != kassa.EINVALID {
			t.Errorf("NewSender(%q, %q): %v; want EINVALID", tt.url, tt.from, err)
		}
	}
	_, err := mail.NewSender("ftp://user:secret@mail.example", "shop@example.com")
	if err == nil || strings.Contains(err.Error(), "secret") {
		t.Errorf("error %v shows the password", err)
	}
}

// TestSendOverSMTP sends a rendered mail to a real SMTP server.
func TestSendOverSMTP(t *testing.T) {
	srv := mailtest.Start(t)
	s, err := mail.NewSender(srv.URL, "Demo Shop <shop@example.com>")
	if err != nil {
		t.Fatal(err)
	}
	c, err := newRenderer(t).Render(kassa.MailConfirmation, "en", testData())
	if err != nil {
		t.Fatal(err)
	}
	m := &kassa.Mail{ID: 7, OrderID: 42, Key: "42/confirmation", Kind: kassa.MailConfirmation, Lang: "en",
		To: "anna@example.com", Subject: c.Subject, Text: c.Text, HTML: c.HTML}
	if err := s.Send(context.Background(), m); err != nil {
		t.Fatal(err)
	}
	msgs := srv.Messages()
	if len(msgs) != 1 {
		t.Fatalf("%d messages; want 1", len(msgs))
	}
	got := msgs[0]
	for name, want := range map[string]string{
		"Subject": c.Subject, "To": "<anna@example.com>", "From": `"Demo Shop" <shop@example.com>`,
		"Message-ID": "<42.confirmation@example.com>", "Content-Language": "en",
	} {
		if v := got.Header(name); v != want {
			t.Errorf("%s: %q; want %q", name, v, want)
		}
	}
	if got.From != "shop@example.com" || len(got.To) != 1 || got.To[0] != "anna@example.com" {
		t.Errorf("envelope %q → %q", got.From, got.To)
	}
	if text := got.Part("text/plain"); strings.TrimSpace(text) != strings.TrimSpace(strings.ReplaceAll(c.Text, "\n", "\r\n")) {
		t.Errorf("text part:\n%q\nwant\n%q", text, c.Text)
	}
	if html := got.Part("text/html"); !strings.Contains(html, "T-shirt &lt;organic&gt;") {
		t.Errorf("HTML part:\n%s", html)
	}
}

// TestSendRefused reports the server's temporary refusal as an error.
func TestSendRefused(t *testing.T) {
	srv := mailtest.Start(t)
	srv.RefuseData(1)
	s, err := mail.NewSender(srv.URL, "shop@example.com")
	if err != nil {
		t.Fatal(err)
	}
	m := &kassa.Mail{ID: 1, Key: "1/confirmation", Lang: "en", To: "anna@example.com", Subject: "s", Text: "t", HTML: "<p>h</p>"}
	if err := s.Send(context.Background(), m); err == nil || !strings.Contains(err.Error(), "451") {
		t.Fatalf("Send to a refusing server: %v; want the 451", err)
	}
	if err := s.Send(context.Background(), m); err != nil || len(srv.Messages()) != 1 {
		t.Fatalf("second Send: %v, %d messages; want delivered once", err, len(srv.Messages()))
	}
}
