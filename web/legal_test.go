package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/kassa-dev/kassa/mapisim"
)

// footerLinks are the footer's links to the built-in demo pages.
var footerLinks = []string{`href="/terms"`, `href="/privacy"`, `href="/withdrawal"`}

// TestLegalLinksOnEveryStorefrontPage: every storefront page links the
// shop's terms, privacy policy and right of withdrawal (the demo pages
// until the admin sets others), and the demo pages say they are a demo.
func TestLegalLinksOnEveryStorefrontPage(t *testing.T) {
	t.Parallel()
	st := newStack(t)
	c := client(t)
	postForm(t, c, st.URL+"/cart/items", url.Values{"sku": {"BOOK-001"}})
	for _, path := range []string{"/", "/products/BOOK-001", "/cart", "/checkout", "/terms", "/privacy", "/withdrawal"} {
		resp, page := do(t, c, http.MethodGet, st.URL+path, nil, nil)
		if resp.StatusCode != http.StatusOK {
			t.Errorf("%s: %d", path, resp.StatusCode)
		}
		for _, link := range footerLinks {
			if !strings.Contains(page, link) {
				t.Errorf("%s lacks the link %s", path, link)
			}
		}
	}
	for _, path := range []string{"/terms", "/privacy", "/withdrawal"} {
		if _, page := do(t, c, http.MethodGet, st.URL+path, nil, nil); !strings.Contains(page, "This is a demo shop.") {
			t.Errorf("%s does not say it is a demo", path)
		}
	}
	admin := client(t)
	csrf := login(t, admin, st.URL)
	resp, _ := postForm(t, admin, st.URL+"/admin/settings", shopSettings(csrf, url.Values{
		"termsUrl": {"https://shop.example/villkor"}}))
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("save the terms address: %d", resp.StatusCode)
	}
	if _, page := do(t, c, http.MethodGet, st.URL+"/checkout", nil, nil); !strings.Contains(page, `href="https://shop.example/villkor"`) ||
		!strings.Contains(page, `href="/privacy"`) {
		t.Error("the checkout does not link the shop's own terms next to the demo privacy page")
	}
}

// shopSettings is the settings form with the stored MAPI settings and the
// given shop fields (the others empty).
func shopSettings(csrf string, shop url.Values) url.Values {
	v := url.Values{"csrf": {csrf}, "env": {"simulator"}, "storeId": {mapisim.DefaultStoreID}}
	for _, f := range []string{"termsUrl", "privacyUrl", "withdrawalUrl", "partMethod", "partMonths", "partMinPrice"} {
		v.Set(f, shop.Get(f))
	}
	return v
}

// TestTermsBoxRequired: a purchase without the terms box ticked is
// refused with a field error, keeps what was typed and places no order.
func TestTermsBoxRequired(t *testing.T) {
	t.Parallel()
	st := newStack(t)
	c := client(t)
	postForm(t, c, st.URL+"/cart/items", url.Values{"sku": {"BOOK-001"}})
	form := checkoutForm(personaAccepted)
	form.Del("terms")
	form.Set("customer.email", "typed@example.com")
	resp, page := postForm(t, c, st.URL+"/checkout", form)
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(page, "Please accept the terms of purchase") {
		t.Fatalf("purchase without the terms: %d, want 422 with the field error", resp.StatusCode)
	}
	if !strings.Contains(page, `value="typed@example.com"`) {
		t.Error("the refused form lost the e-mail typed")
	}
	if n := len(orders(t, st)); n != 0 {
		t.Fatalf("%d orders placed without the terms accepted", n)
	}
	if _, page := do(t, c, http.MethodGet, st.URL+"/checkout", nil, nil); !strings.Contains(page, `value="typed@example.com"`) {
		t.Error("the checkout form after the refusal lost the e-mail typed")
	}
	form.Set("terms", "accepted")
	purchase(t, c, st, form)
	if n := len(orders(t, st)); n != 1 {
		t.Errorf("%d orders with the terms accepted, want 1", n)
	}
}

// TestPartPaymentLine: the part-payment line, with Resurs' credit-cost
// example, shows on a product priced from the configured minimum for the
// configured period, and not below it; the checkout shows the monthly
// amount of the part-payment method.
func TestPartPaymentLine(t *testing.T) {
	t.Parallel()
	st := newStack(t)
	c := client(t)
	admin := client(t)
	csrf := login(t, admin, st.URL)
	resp, page := postForm(t, admin, st.URL+"/admin/settings", shopSettings(csrf, url.Values{
		"partMonths": {"twelve"}, "partMinPrice": {"1000"}}))
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(page, "Give a number of months") {
		t.Fatalf("bad period: %d, want 422 with a field error", resp.StatusCode)
	}
	if v, ok, _ := st.DB.Setting(t.Context(), "partpayment.min_price"); ok {
		t.Fatalf("a refused form stored the minimum price %q", v)
	}
	resp, _ = postForm(t, admin, st.URL+"/admin/settings", shopSettings(csrf, url.Values{
		"partMonths": {"12"}, "partMinPrice": {"1000,00"}}))
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("save the part-payment settings: %d", resp.StatusCode)
	}
	// HOME-004 costs 1 795,00 kr; HOME-001 899,00 kr (within Delbetalning's
	// limits, below the minimum set).
	_, page = do(t, c, http.MethodGet, st.URL+"/products/HOME-004", nil, nil)
	for _, want := range []string{"/month for 12 months with Delbetalning", "a credit of 1\u00a0795,00\u00a0kr",
		"effective annual interest"} {
		if !strings.Contains(page, want) {
			t.Errorf("HOME-004's page lacks %q", want)
		}
	}
	if _, page := do(t, c, http.MethodGet, st.URL+"/products/HOME-001", nil, nil); strings.Contains(page, "/month") {
		t.Error("HOME-001, below the minimum price, shows a part-payment line")
	}
	postForm(t, c, st.URL+"/cart/items", url.Values{"sku": {"HOME-004"}})
	if _, page := do(t, c, http.MethodGet, st.URL+"/checkout", nil, nil); !strings.Contains(page, "/month for 12 months (effective annual interest") {
		t.Error("the checkout does not show the part-payment method's monthly amount")
	}
}

// TestCartFreeShipping: the cart states what is left to add for free
// shipping, and that shipping is free once it is.
func TestCartFreeShipping(t *testing.T) {
	t.Parallel()
	st := newStack(t)
	c := client(t)
	postForm(t, c, st.URL+"/cart/items", url.Values{"sku": {"BOOK-001"}}) // 299,00 kr
	_, page := do(t, c, http.MethodGet, st.URL+"/cart", nil, nil)
	if want := "Free shipping from 500,00\u00a0kr — add 201,00\u00a0kr more"; !strings.Contains(page, want) {
		t.Errorf("the cart lacks %q", want)
	}
	postForm(t, c, st.URL+"/cart/items", url.Values{"sku": {"BOOK-002"}}) // + 249,00 kr
	_, page = do(t, c, http.MethodGet, st.URL+"/cart", nil, nil)
	if !strings.Contains(page, "Free shipping</p>") || strings.Contains(page, "more</p>") {
		t.Error("a cart of 548,00 kr does not say shipping is free")
	}
}
