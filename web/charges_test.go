package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/kassa-dev/kassa"
	"github.com/kassa-dev/kassa/checkout"
)

// TestCartDiscountAndShipping: in Swedish, an unknown code is refused
// next to the field and changes nothing; a code and a shipping option
// chosen in the cart are kept by the checkout form, priced on the
// checkout page and the order, and shown on the thank-you page.
func TestCartDiscountAndShipping(t *testing.T) {
	t.Parallel()
	st := newStack(t)
	ctx := t.Context()
	if err := st.Engine.SetPricing(ctx, checkout.Pricing{ShippingOptions: []checkout.ShippingOption{
		{ID: "postnord", Name: "PostNord", Price: 4900, VATRate: 2500},
		{ID: "express", Name: "Expressfrakt", Price: 14900, VATRate: 2500}}, FreeShippingFrom: -1}); err != nil {
		t.Fatal(err)
	}
	if err := st.DB.PutDiscountCode(ctx, kassa.DiscountCode{Code: "VAR10", Percent: 1000}); err != nil {
		t.Fatal(err)
	}
	c := clientIn(t, "sv")
	postForm(t, c, st.URL+"/cart/items", url.Values{"sku": {"BOOK-001"}})
	resp, page := postForm(t, c, st.URL+"/cart/discount", url.Values{"code": {"FINNSEJ"}})
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(page, "Rabattkoden finns inte") {
		t.Fatalf("an unknown code: %d\n%s", resp.StatusCode, page)
	}
	resp, _ = postForm(t, c, st.URL+"/cart/discount", url.Values{"code": {"var10"}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("apply a code: %d", resp.StatusCode)
	}
	postForm(t, c, st.URL+"/cart/shipping", url.Values{"shippingOption": {"express"}})
	_, page = do(t, c, http.MethodGet, st.URL+"/cart", nil, nil)
	for _, want := range []string{"Rabattkoden VAR10 är tillagd", "Expressfrakt", `value="express" checked`, "(rabatt)"} {
		if !strings.Contains(page, want) {
			t.Errorf("the cart lacks %q", want)
		}
	}
	form := checkoutForm(personaAccepted)
	form.Set("token", checkoutToken(t, c, st))
	_, page = do(t, c, http.MethodGet, st.URL+"/checkout", nil, nil)
	if !strings.Contains(page, `value="express" checked`) || !strings.Contains(page, "Discount VAR10") {
		t.Fatalf("the checkout form lost the code or the shipping choice:\n%s", page)
	}
	form.Set("shippingOption", "express")
	signing := purchase(t, c, st, form)
	o := orders(t, st)[0]
	if o.Charges.DiscountCodeName() != "VAR10" || o.Charges.Shipping == nil || o.Charges.Shipping.ID != "express" {
		t.Fatalf("order charges %+v", o.Charges)
	}
	var discount, shipping kassa.Money
	for _, l := range o.Lines {
		switch l.Type {
		case kassa.LineDiscount:
			discount += l.Total
		case kassa.LineShipping:
			shipping += l.Total
		}
	}
	if discount >= 0 || shipping != 14900 {
		t.Fatalf("lines %+v; want a discount and express shipping", o.Lines)
	}
	resp, _ = postForm(t, c, signing, url.Values{"decision": {"approve"}})
	resp, page = do(t, c, http.MethodGet, resp.Header.Get("Location"), nil, nil)
	if resp.StatusCode != http.StatusOK || !strings.Contains(page, "Discount VAR10") || !strings.Contains(page, "Expressfrakt") {
		t.Fatalf("the thank-you page (%d) lacks the discount or shipping line:\n%s", resp.StatusCode, page)
	}
}
