package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/kassa-dev/kassa"
	"github.com/kassa-dev/kassa/checkout"
	"github.com/kassa-dev/kassa/mapisim"
	"github.com/kassa-dev/kassa/web"
)

const personaFrozen = "198209123705" // frozen, then decided later (docs/mapi.md §Test personas)

// signedOutcome buys one book with method as persona gid through the
// pages, signs it with decision and returns the page the shopper comes
// back to, with the order.
func signedOutcome(t *testing.T, st *stack, gid, method, decision string) (string, *kassa.Order) {
	t.Helper()
	c := client(t)
	postForm(t, c, st.URL+"/cart/items", url.Values{"sku": {"BOOK-001"}})
	form := checkoutForm(gid)
	form.Set("paymentMethodId", method)
	resp, _ := postForm(t, c, purchase(t, c, st, form), url.Values{"decision": {decision}})
	_, page := do(t, c, http.MethodGet, resp.Header.Get("Location"), nil, nil)
	return page, orders(t, st)[0]
}

// wantSays fails t unless page says every one of want and none of not.
func wantSays(t *testing.T, what, page string, want []string, not ...string) {
	t.Helper()
	for _, w := range want {
		if !strings.Contains(page, w) {
			t.Errorf("%s does not say %q", what, w)
		}
	}
	for _, n := range not {
		if strings.Contains(page, n) {
			t.Errorf("%s says %q", what, n)
		}
	}
}

// TestThankYouPageHonest: the thank-you page's words follow the method's
// type and the order's status, name the method, and promise an e-mail
// only when the shop sends e-mail.
func TestThankYouPageHonest(t *testing.T) {
	t.Parallel()
	st := newStack(t)
	page, _ := signedOutcome(t, st, personaAccepted, mapisim.MethodInvoice, "approve")
	wantSays(t, "the invoice's thank-you page", page,
		[]string{"Your order is confirmed", "The invoice comes from Resurs Bank", "Faktura"}, "is paid")
	page, _ = signedOutcome(t, st, personaAccepted, mapisim.MethodSwish, "approve")
	wantSays(t, "the Swish thank-you page", page, []string{"Your order is paid", "with Swish"}, "invoice")
	page, _ = signedOutcome(t, st, personaFrozen, mapisim.MethodInvoice, "approve")
	wantSays(t, "the on-hold thank-you page without e-mail", page,
		[]string{"awaiting a decision", "this page shows the decision"}, "e-mail vincent@")

	mail := newStack(t, func(_ *checkout.Config, w *web.Config) { w.MailConfigured = true })
	page, _ = signedOutcome(t, mail, personaFrozen, mapisim.MethodInvoice, "approve")
	wantSays(t, "the on-hold thank-you page with e-mail", page, []string{"We will e-mail vincent@example.com"})
}

// TestFailPageOfUnsignedPayment: the fail URL of a payment that can still
// be signed says it was not completed, offers its signing page again and
// another method, and keeps the cart.
func TestFailPageOfUnsignedPayment(t *testing.T) {
	t.Parallel()
	st := newStack(t)
	c := client(t)
	postForm(t, c, st.URL+"/cart/items", url.Values{"sku": {"BOOK-001"}})
	sign := purchase(t, c, st, checkoutForm(personaAccepted))
	o := orders(t, st)[0]
	_, page := do(t, c, http.MethodGet, st.URL+checkout.FailPath(o), nil, nil)
	wantSays(t, "the fail page", page, []string{"The payment was not completed", `href="` + sign + `"`,
		"Try again", "Choose another payment method", "Your cart is kept"}, "Thank you")
	if _, page := do(t, c, http.MethodGet, st.URL+"/cart", nil, nil); !strings.Contains(page, "Svensk husmanskost") {
		t.Error("the fail page emptied the cart")
	}
	// Another browser (no checkout state) is offered the payment's own page.
	_, page = do(t, client(t), http.MethodGet, st.URL+checkout.FailPath(o), nil, nil)
	wantSays(t, "the fail page in another browser", page, []string{`href="` + sign + `"`})
}

// TestOrderPageAfterTheShopActs: the shopper's link to an order the shop
// refunded or cancelled says so.
func TestOrderPageAfterTheShopActs(t *testing.T) {
	t.Parallel()
	st := newStack(t)
	ctx := t.Context()
	refunded, cancelled := paidOrder(t, st), paidOrder(t, st)
	all := checkout.ActionRequest{All: true, Source: kassa.SourceAdmin, Creator: "test"}
	if _, _, err := st.Engine.Capture(ctx, refunded.ID, all); err != nil {
		t.Fatal(err)
	}
	if _, _, err := st.Engine.Refund(ctx, refunded.ID, all); err != nil {
		t.Fatal(err)
	}
	if _, _, err := st.Engine.Cancel(ctx, cancelled.ID, all); err != nil {
		t.Fatal(err)
	}
	_, page := do(t, client(t), http.MethodGet, st.URL+checkout.ReturnPath(refunded), nil, nil)
	wantSays(t, "the refunded order's page", page, []string{"The shop refunded order <strong>" + refunded.Number}, "not completed")
	_, page = do(t, client(t), http.MethodGet, st.URL+checkout.ReturnPath(cancelled), nil, nil)
	wantSays(t, "the cancelled order's page", page, []string{"The shop cancelled order <strong>" + cancelled.Number}, "not completed")
}
