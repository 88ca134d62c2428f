package mail_test

import (
	"context"
	"fmt"
	"io/fs"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/kassa-dev/kassa"
	"github.com/kassa-dev/kassa/locale"
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
		CreatedAt: time.Date(2026, 12, 6, 18, 4, 0, 0, time.UTC), // 19:04 in Stockholm
		Customer: kassa.Customer{Email: "anna@example.com", Address: kassa.Address{FirstName: "Anna",
			LastName: "Andersson", AddressRow1: "Storgatan 1", PostalCode: "123 45", PostalArea: "Stockholm"}},
	}
}

func testData() mail.Data {
	return mail.Data{Order: testOrder(), Amount: 64950, Shop: "Demo Shop", Country: "SE",
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
	lines := []string{"K000042", "Order date: 6 December 2026", "T-shirt", "1\u00a0299,00\u00a0kr", "1\u00a0348,00\u00a0kr"}
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

// TestRenderLanguages checks that a customer's confirmation is written
// in the customer's language, with money and dates as that language
// writes them in the store's country and the order's currency.
func TestRenderLanguages(t *testing.T) {
	r := newRenderer(t)
	for _, tt := range []struct {
		lang, country, currency string
		subject                 string
		want                    []string // in the text and the HTML body
	}{
		{"sv", "SE", "SEK", "Din beställning K000042 är bekräftad", []string{"Hej Anna!", "Tack för din beställning",
			"Beställningsdatum: 6 december 2026", "1\u00a0299,00\u00a0kr", "Totalt", "1\u00a0348,00\u00a0kr", "Vänliga hälsningar"}},
		{"fi", "FI", "EUR", "Tilauksesi K000042 on vahvistettu", []string{"Hei Anna!", "Kiitos tilauksestasi",
			"Tilauspäivä: 6.12.2026", "1\u00a0299,00\u00a0€", "Yhteensä", "1\u00a0348,00\u00a0€", "Ystävällisin terveisin"}},
		{"nb", "NO", "NOK", "Ordren din K000042 er bekreftet", []string{"Hei Anna!", "Takk for bestillingen",
			"Ordredato: 6. ", "1\u00a0299,00\u00a0kr", "Totalt", "1\u00a0348,00\u00a0kr", "Med vennlig hilsen"}},
		{"da", "DK", "DKK", "Din ordre K000042 er bekræftet", []string{"Hej Anna!", "Tak for din bestilling",
			"Ordredato: 6. ", "1.299,00\u00a0kr.", "I alt", "1.348,00\u00a0kr.", "Med venlig hilsen"}},
		// English keeps its words and writes money as the store's
		// country does; outside the Nordic countries as English does.
		{"en", "SE", "SEK", "Your order K000042 is confirmed", []string{"Hello Anna", "1\u00a0299,00\u00a0kr"}},
		{"en", "FI", "EUR", "Your order K000042 is confirmed", []string{"1\u00a0299,00\u00a0€"}},
		{"en", "", "SEK", "Your order K000042 is confirmed", []string{"SEK\u00a01,299.00", "6 December 2026"}},
		// A Swede abroad: Swedish words, the Finnish store's euros.
		{"sv", "FI", "EUR", "Din beställning K000042 är bekräftad", []string{"1\u00a0299,00\u00a0€"}},
	} {
		t.Run(tt.lang+"-"+tt.country, func(t *testing.T) {
			d := testData()
			d.Country, d.Order.Currency = tt.country, tt.currency
			c, err := r.Render(kassa.MailConfirmation, tt.lang, d)
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
			if !strings.Contains(c.HTML, `<html lang="`+tt.lang+`">`) {
				t.Errorf("HTML is not marked %s:\n%s", tt.lang, c.HTML)
			}
		})
	}
}

// TestRenderDateInStoreZone checks that the order date is the store
// country's day: 23:30 UTC on 6 December is 7 December in Stockholm.
func TestRenderDateInStoreZone(t *testing.T) {
	d := testData()
	d.Order.CreatedAt = time.Date(2026, 12, 6, 23, 30, 0, 0, time.UTC)
	c, err := newRenderer(t).Render(kassa.MailConfirmation, "sv", d)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(c.Text, "Beställningsdatum: 7 december 2026") {
		t.Errorf("order date not Stockholm's:\n%s", c.Text)
	}
}

// TestRenderOwnerMailsSwedish checks the owner's mails in Swedish, the
// admin's language of a Swedish store: the status in Swedish words.
func TestRenderOwnerMailsSwedish(t *testing.T) {
	r := newRenderer(t)
	d := testData()
	c, err := r.Render(kassa.MailNewOrder, "sv", d)
	if err != nil {
		t.Fatal(err)
	}
	if want := "Ny beställning K000042: 1\u00a0348,00\u00a0kr"; c.Subject != want {
		t.Errorf("subject %q; want %q", c.Subject, want)
	}
	for _, w := range []string{"En ny beställning har kommit in.", "Status: under behandling", "Kund: Anna Andersson, anna@example.com",
		"Leveransadress: Storgatan 1", "/admin/orders/42"} {
		if !strings.Contains(c.Text, w) {
			t.Errorf("text lacks %q:\n%s", w, c.Text)
		}
	}
	d.Order.Status = kassa.StatusOnHold
	if c, err = r.Render(kassa.MailNewOrder, "sv", d); err != nil || !strings.HasSuffix(c.Subject, "(väntar på Resurs Bank)") ||
		!strings.Contains(c.Text, "Status: pausad — Resurs Bank granskar fortfarande betalningen") {
		t.Errorf("on-hold new order: %v\n%s\n%s", err, c.Subject, c.Text)
	}
	d.Order.Status = kassa.StatusCancelled
	c, err = r.Render(kassa.MailPaidButClosed, "sv", d)
	if err != nil {
		t.Fatal(err)
	}
	if want := "VARNING: beställning K000042 är avbruten men betalningen är godkänd"; c.Subject != want {
		t.Errorf("subject %q; want %q", c.Subject, want)
	}
	if !strings.Contains(c.Text, "Auktoriserat: 1\u00a0348,00\u00a0kr") || !strings.Contains(c.HTML, "Kreditera eller annullera betalningen") {
		t.Errorf("alert:\n%s\n%s", c.Text, c.HTML)
	}
}

// TestEveryLanguageHasEveryKind renders every kind of mail in every
// language the storefront speaks: each is marked with its language,
// names the order and leaves no field unfilled.
func TestEveryLanguageHasEveryKind(t *testing.T) {
	r := newRenderer(t)
	for _, lang := range locale.Codes {
		if !r.Has(lang) {
			t.Errorf("no templates for %s", lang)
			continue
		}
		for _, k := range kassa.MailKinds {
			d := testData()
			named := "K000042" // what the subject names
			switch k {
			case kassa.MailPaidButClosed:
				d.Order.Status = kassa.StatusFailed
			case kassa.MailWebhookDisabled:
				d.Endpoint, d.Reason, named = "https://erp.example/hooks", "HTTP 500 for 72 hours", "https://erp.example/hooks"
			}
			c, err := r.Render(k, lang, d)
			if err != nil {
				t.Errorf("%s %s: %v", lang, k, err)
				continue
			}
			all := c.Subject + c.Text + c.HTML
			if !strings.Contains(c.Subject, named) || !strings.Contains(c.HTML, `<html lang="`+lang+`">`) ||
				strings.Contains(all, "<no value>") || strings.Contains(all, "[[") || strings.Contains(all, "**") {
				t.Errorf("%s %s:\n%s\n%s\n%s", lang, k, c.Subject, c.Text, c.HTML)
			}
			if lang != "en" && (strings.Contains(all, "failed") || strings.Contains(all, "processing")) {
				t.Errorf("%s %s shows a status code, not words:\n%s", lang, k, c.Text)
			}
		}
	}
}

// TestNewRendererRefusesMissingTemplates takes each file of each
// language away in turn: the renderer must refuse to start, as it must
// without a language's directory.
func TestNewRendererRefusesMissingTemplates(t *testing.T) {
	all := fstest.MapFS{}
	err := fs.WalkDir(mail.Templates, "templates", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(mail.Templates, path)
		all[path] = &fstest.MapFile{Data: b}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := mail.NewRendererFS(all); err != nil {
		t.Fatalf("every template: %v", err)
	}
	for _, lang := range locale.Codes {
		names, _ := fs.Glob(all, "templates/"+lang+"/*")
		if want := 2 + 2*len(kassa.MailKinds); len(names) != want {
			t.Errorf("%s has %d files; want %d", lang, len(names), want)
		}
		for _, name := range names {
			if err := newRendererWithout(all, name); err == nil {
				t.Errorf("NewRenderer without %s: no error", name)
			}
		}
		if err := newRendererWithout(all, names...); err == nil || !strings.Contains(err.Error(), `"`+lang+`"`) {
			t.Errorf("NewRenderer without %s: %v; want no templates for it", lang, err)
		}
	}
}

// newRendererWithout makes a renderer of the templates of all but the
// files names.
func newRendererWithout(all fstest.MapFS, names ...string) error {
	fsys := fstest.MapFS{}
	for k, v := range all {
		fsys[k] = v
	}
	for _, n := range names {
		delete(fsys, n)
	}
	_, err := mail.NewRendererFS(fsys)
	return err
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

// TestRenderConcurrently renders from many goroutines at once, as the
// engine's concurrent order writes do (run with -race).
func TestRenderConcurrently(t *testing.T) {
	r := newRenderer(t)
	want, err := r.Render(kassa.MailConfirmation, "sv", testData())
	if err != nil {
		t.Fatal(err)
	}
	errs := make(chan error, 8)
	for range 8 {
		go func() {
			for range 20 {
				c, err := r.Render(kassa.MailConfirmation, "sv", testData())
				if err == nil && c != want {
					err = fmt.Errorf("rendered %q; want %q", c.Subject, want.Subject)
				}
				if err != nil {
					errs <- err
					return
				}
			}
			errs <- nil
		}()
	}
	for range 8 {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
}

// BenchmarkRender measures one mail: copying the parsed templates with
// the funcs bound, escaping the HTML copy, and executing both.
func BenchmarkRender(b *testing.B) {
	r, err := mail.NewRenderer()
	if err != nil {
		b.Fatal(err)
	}
	d := testData()
	for b.Loop() {
		if _, err := r.Render(kassa.MailConfirmation, "sv", d); err != nil {
			b.Fatal(err)
		}
	}
}
