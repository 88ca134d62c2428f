package web_test

import (
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/kassa-dev/kassa/checkout"
	"github.com/kassa-dev/kassa/mapisim"
)

// TestBrowserTripleClickOneOrder: three clicks on Purchase, 100 ms apart
// while Resurs takes half a second to create a payment, make one order
// with one payment, and the browser lands on its signing page.
func TestBrowserTripleClickOneOrder(t *testing.T) {
	t.Parallel()
	ctx := browser(t, 1280, 900, 60*time.Second)
	st := newStack(t)
	st.Sim.SetFaults(mapisim.Faults{Endpoints: []mapisim.EndpointFault{
		{Route: "POST /v2/payments", Latency: 500 * time.Millisecond}}})
	step(t, ctx, "open catalog", chromedp.Navigate(st.URL+"/"), chromedp.WaitVisible(chromedp.CSS(`form.add button`)))
	fillCheckout(t, ctx, personaAccepted)
	step(t, ctx, "click Purchase three times",
		chromedp.Evaluate[chromedp.Void](`(() => {
			const b = document.querySelector('button[value="purchase"]');
			b.click(); setTimeout(() => b.click(), 100); setTimeout(() => b.click(), 200);
		})()`),
		chromedp.WaitVisible(chromedp.CSS(`button[value="approve"]`)))
	list := orders(t, st)
	if len(list) != 1 || list[0].PaymentID == "" {
		t.Fatalf("%d orders, want one with a payment", len(list))
	}
	loc, err := chromedp.Run(ctx, chromedp.Location())
	if err != nil || !strings.Contains(loc, "/sim/sign/") {
		t.Errorf("the browser is at %q (%v), want the signing page", loc, err)
	}
}

// TestBrowserRejectedFormKept: after a rejected payment, "Choose another
// payment method" shows the form as the shopper filled it in.
func TestBrowserRejectedFormKept(t *testing.T) {
	t.Parallel()
	ctx := browser(t, 1280, 900, 60*time.Second)
	st := newStack(t)
	buy(t, ctx, st.URL, personaRejected, "approve")
	step(t, ctx, "choose another payment method",
		chromedp.Click(chromedp.CSS(`a.button[href="/checkout"]`)),
		chromedp.WaitVisible(chromedp.CSS(`button[value="purchase"]`)))
	for sel, want := range map[string]string{"#gid": personaRejected, "#first": "Test", "#last": "Person",
		"#row1": "Glassgatan 15", "#zip": "41655", "#city": "Göteborg", "#email": "test@example.com", "#phone": "0701112233"} {
		if got, err := chromedp.Run(ctx, chromedp.Value(chromedp.CSS(sel))); err != nil || got != want {
			t.Errorf("%s = %q (%v), want %q", sel, got, err, want)
		}
	}
}

// TestBrowserAddressBackNoResubmission: Fetch my address, Purchase, then
// Back from the signing page shows the filled-in form, not the browser's
// "Confirm form resubmission" page.
func TestBrowserAddressBackNoResubmission(t *testing.T) {
	t.Parallel()
	ctx := browser(t, 1280, 900, 60*time.Second)
	st := newStack(t)
	step(t, ctx, "to the checkout",
		chromedp.Navigate(st.URL+"/"),
		chromedp.WaitVisible(chromedp.CSS(`form.add button`)),
		chromedp.Click(chromedp.CSS(`form.add button`)),
		chromedp.WaitVisible(chromedp.CSS(`a[href="/checkout"]`)),
		chromedp.Click(chromedp.CSS(`a[href="/checkout"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#gid`)))
	step(t, ctx, "fetch my address",
		chromedp.SendKeys(chromedp.CSS(`#gid`), personaAccepted),
		chromedp.Click(chromedp.CSS(`button[value="address"]`)),
		chromedp.WaitVisible(chromedp.CSS(`p.alert.ok`)))
	step(t, ctx, "purchase",
		chromedp.SendKeys(chromedp.CSS(`#email`), "test@example.com"),
		chromedp.SendKeys(chromedp.CSS(`#phone`), "0701112233"),
		chromedp.Click(chromedp.CSS(`input[value="`+mapisim.MethodInvoice+`"]`)),
		chromedp.Click(chromedp.CSS(`input[name="terms"]`)),
		chromedp.Click(chromedp.CSS(`button[value="purchase"]`)),
		chromedp.WaitVisible(chromedp.CSS(`button[value="approve"]`)))
	step(t, ctx, "back", chromedp.NavigateBack(), chromedp.WaitVisible(chromedp.CSS(`#row1`)))
	if got, err := chromedp.Run(ctx, chromedp.Value(chromedp.CSS(`#row1`))); err != nil || got != "Glassgatan 15" {
		t.Errorf("after Back the street is %q (%v), want the fetched address", got, err)
	}
}

// TestBrowserUnsignedFailPage: the fail URL of a payment not yet signed
// keeps the cart and offers "Try again", which leads to its signing page.
func TestBrowserUnsignedFailPage(t *testing.T) {
	t.Parallel()
	ctx := browser(t, 1280, 900, 60*time.Second)
	st := newStack(t)
	step(t, ctx, "open catalog", chromedp.Navigate(st.URL+"/"), chromedp.WaitVisible(chromedp.CSS(`form.add button`)))
	fillCheckout(t, ctx, personaAccepted)
	step(t, ctx, "purchase",
		chromedp.Click(chromedp.CSS(`button[value="purchase"]`)),
		chromedp.WaitVisible(chromedp.CSS(`button[value="approve"]`)))
	o := orders(t, st)[0]
	step(t, ctx, "the fail URL", chromedp.Navigate(st.URL+checkout.FailPath(o)),
		chromedp.WaitVisible(chromedp.CSS(`section.outcome`)))
	if h := textOf(t, ctx, "h1"); !strings.Contains(h, "not completed") {
		t.Errorf("fail heading %q", h)
	}
	if badge := textOf(t, ctx, ".badge"); badge != "1" {
		t.Errorf("cart badge %q, want 1 (cart kept)", badge)
	}
	step(t, ctx, "try again",
		chromedp.Click(chromedp.CSS(`#retry`)),
		chromedp.WaitVisible(chromedp.CSS(`button[value="approve"]`)))
}
