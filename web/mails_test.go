package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/kassa-dev/kassa"
)

// seedMails stores an order with a kept and a failed mail.
func seedMails(t *testing.T, st *stack) (kept, failed *kassa.Mail) {
	t.Helper()
	ctx := context.Background()
	o := &kassa.Order{Key: "k", CallbackToken: "t", Status: kassa.StatusProcessing, Currency: "SEK",
		Lines: []kassa.Line{{Position: 1, Type: kassa.LineShipping, Description: "Postnord", Quantity: 1,
			UnitPrice: 4900, VATRate: 2500, Total: 4900, VATAmount: 980}},
		Total: 4900, VATTotal: 980, ExpiresAt: time.Now().Add(time.Hour),
		Customer: kassa.Customer{Type: kassa.CustomerNatural, Email: "anna@example.com",
			Address: kassa.Address{FirstName: "Anna", LastName: "Andersson", CountryCode: "SE"}}}
	if err := st.DB.CreateOrder(ctx, o, kassa.Event{At: time.Now(), Source: kassa.SourceCheckout,
		To: kassa.StatusPending, Applied: true}, nil); err != nil {
		t.Fatal(err)
	}
	kept = &kassa.Mail{OrderID: o.ID, Key: kassa.MailKey(o.ID, kassa.MailConfirmation, ""), Kind: kassa.MailConfirmation,
		Lang: "en", To: "anna@example.com", Subject: "Your order " + o.Number + " is confirmed",
		Text: "Hello Anna,\n\nThank you & welcome.\n", HTML: `<p>Hello <b>Anna</b></p><script>alert(1)</script>`,
		State: kassa.MailKept}
	failed = &kassa.Mail{OrderID: o.ID, Key: kassa.MailKey(o.ID, kassa.MailNewOrder, ""), Kind: kassa.MailNewOrder,
		Lang: "sv", To: "owner@shop.example", Subject: "Ny beställning " + o.Number, Text: "A new order.", HTML: "<p>A new order.</p>",
		State: kassa.MailFailed, Attempts: 10, Error: "451 4.3.0 Try again later"}
	for _, m := range []*kassa.Mail{kept, failed} {
		if err := st.DB.AddMail(ctx, m); err != nil {
			t.Fatal(err)
		}
	}
	return kept, failed
}

func TestAdminMails(t *testing.T) {
	t.Parallel()
	st := newStack(t)
	kept, failed := seedMails(t, st)
	c := client(t)
	for _, path := range []string{"/admin/emails", "/admin/emails/1"} {
		if resp, _ := do(t, c, http.MethodGet, st.URL+path, nil, nil); resp.StatusCode != http.StatusSeeOther {
			t.Errorf("%s without a session: %d; want a redirect to the login", path, resp.StatusCode)
		}
	}
	login(t, c, st.URL)

	resp, page := do(t, c, http.MethodGet, st.URL+"/admin/emails", nil, nil)
	for _, want := range []string{`href="/admin/emails"`, kept.Subject, failed.Subject, "anna@example.com",
		"state-kept", "state-failed", "451 4.3.0 Try again later", `<td data-label="Language">sv</td>`, `<td data-label="Language">en</td>`, `href="/admin/emails/` + strconv.FormatInt(kept.ID, 10) + `"`} {
		if resp.StatusCode != http.StatusOK || !strings.Contains(page, want) {
			t.Errorf("list: status %d, lacks %q", resp.StatusCode, want)
		}
	}
	resp, page = do(t, c, http.MethodGet, st.URL+"/admin/emails?state=failed", nil, nil)
	if resp.StatusCode != http.StatusOK || strings.Contains(page, kept.Subject) || !strings.Contains(page, failed.Subject) {
		t.Errorf("list of failed mails: status %d, shows the kept mail or not the failed one", resp.StatusCode)
	}
	if resp, _ := do(t, c, http.MethodGet, st.URL+"/admin/emails?state=lost", nil, nil); resp.StatusCode == http.StatusOK {
		t.Errorf("unknown state: %d; want an error", resp.StatusCode)
	}

	resp, page = do(t, c, http.MethodGet, st.URL+"/admin/emails/"+strconv.FormatInt(kept.ID, 10), nil, nil)
	for _, want := range []string{kept.Subject, "anna@example.com", "Thank you &amp; welcome.", "not sent", "language en",
		`sandbox srcdoc="&lt;p&gt;Hello &lt;b&gt;Anna&lt;/b&gt;&lt;/p&gt;&lt;script&gt;`} {
		if resp.StatusCode != http.StatusOK || !strings.Contains(page, want) {
			t.Errorf("mail page: status %d, lacks %q", resp.StatusCode, want)
		}
	}
	if strings.Contains(page, "<script>alert(1)") {
		t.Error("mail page runs the mail's HTML in the admin page")
	}
	if resp, _ := do(t, c, http.MethodGet, st.URL+"/admin/emails/999", nil, nil); resp.StatusCode != http.StatusNotFound {
		t.Errorf("unknown mail: %d; want 404", resp.StatusCode)
	}
}

// TestOrderLanguage checks that an order records the customer's
// language: the storefront's page language at purchase, the JSON API's
// "lang", else the store country's (Swedish).
func TestOrderLanguage(t *testing.T) {
	t.Parallel()
	st := newStack(t)
	c := clientIn(t, "fi")
	postForm(t, c, st.URL+"/cart/items", url.Values{"sku": {"BOOK-001"}})
	form := checkoutForm(personaAccepted)
	form.Set("token", checkoutToken(t, c, st))
	purchase(t, c, st, form)
	if list := orders(t, st); len(list) != 1 || list[0].Lang != "fi" {
		t.Fatalf("orders %v; want one in Finnish", list)
	}

	for lang, want := range map[string]string{"da": "da", "": "sv"} {
		m := orderJSON(personaAccepted)
		if lang != "" {
			m["lang"] = lang
		}
		resp, answer := postJSON(t, client(t), st.URL+"/api/orders", mustJSON(t, m), nil)
		if resp.StatusCode != http.StatusCreated {
			t.Fatalf("lang %q: %d %s", lang, resp.StatusCode, answer)
		}
		var o created
		decode(t, answer, &o)
		got, err := st.DB.Order(t.Context(), o.ID)
		if err != nil || got.Lang != want {
			t.Errorf("API order with lang %q is in %q (%v); want %q", lang, got.Lang, err, want)
		}
	}
}
