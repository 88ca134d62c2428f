package main

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/kassa-dev/kassa/internal/browsertest"
	"github.com/kassa-dev/kassa/mapisim"
)

// The browser test drives Debian's chromium through chromedp, as kassa's
// own do (internal/browsertest).

// browser starts a headless English chromium, bounded by timeout.
func browser(t *testing.T, timeout time.Duration) context.Context {
	t.Helper()
	return browsertest.Start(t, "en-US,en", 1280, 900, timeout)
}

// step runs actions; on failure it saves a screenshot and fails the test.
func step(t *testing.T, ctx context.Context, name string, actions ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	browsertest.Step(t, ctx, name, actions...)
}

// TestBrowserEndToEnd is issue 21's end-to-end test in chromium: the
// shopper clicks Buy at the example shop (which creates a checkout at
// kassa with its own lines and a discount), fills in kassa's checkout
// form as the accepted persona, signs at the simulator and lands on the
// shop's successUrl; the shop learns the payment from signed webhooks, a
// capture through the API brings order.action, and the copy of the shop
// with a wrong secret refuses every delivery.
func TestBrowserEndToEnd(t *testing.T) {
	t.Parallel()
	ctx := browser(t, 90*time.Second)
	in := newIntegration(t)
	step(t, ctx, "buy at the shop",
		chromedp.Navigate(in.shopURL+"/"),
		chromedp.WaitVisible(chromedp.CSS(`#buy-button`)),
		chromedp.Click(chromedp.CSS(`#buy-button`)),
		chromedp.WaitVisible(chromedp.CSS(`#gid`)))
	if loc, err := chromedp.Run(ctx, chromedp.Location()); err != nil || !strings.HasPrefix(loc, in.kassa.URL+"/checkout/hosted/") {
		t.Fatalf("after Buy the browser is at %q (%v), want kassa's hosted checkout", loc, err)
	}
	step(t, ctx, "fill in kassa's checkout",
		chromedp.SendKeys(chromedp.CSS(`#gid`), personaAccepted),
		chromedp.SendKeys(chromedp.CSS(`#first`), "Vincent"),
		chromedp.SendKeys(chromedp.CSS(`#last`), "Alexandersson"),
		chromedp.SendKeys(chromedp.CSS(`#row1`), "Glassgatan 15"),
		chromedp.SendKeys(chromedp.CSS(`#zip`), "41655"),
		chromedp.SendKeys(chromedp.CSS(`#city`), "Göteborg"),
		chromedp.SendKeys(chromedp.CSS(`#email`), "vincent@example.com"),
		chromedp.SendKeys(chromedp.CSS(`#phone`), "0701112233"),
		chromedp.Click(chromedp.CSS(`input[value="`+mapisim.MethodInvoice+`"]`)),
		chromedp.Click(chromedp.CSS(`input[name="terms"]`)))
	step(t, ctx, "pay and sign",
		chromedp.Click(chromedp.CSS(`button[value="purchase"]`)),
		chromedp.WaitVisible(chromedp.CSS(`button[value="approve"]`)),
		chromedp.Click(chromedp.CSS(`button[value="approve"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#continue`)),
		chromedp.Click(chromedp.CSS(`#continue`)),
		chromedp.WaitVisible(chromedp.CSS(`#outcome`)))
	loc, err := chromedp.Run(ctx, chromedp.Location())
	if err != nil || !strings.HasPrefix(loc, in.shopURL+"/thanks?") || !strings.Contains(loc, "reference=Shop-1001") {
		t.Fatalf("after signing the browser is at %q (%v), want the shop's successUrl", loc, err)
	}
	in.paid(t, "Shop-1001")
	step(t, ctx, "the shop's orders",
		chromedp.Navigate(in.shopURL+"/orders"),
		chromedp.WaitVisible(chromedp.CSS(`#orders`)))
	state, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`#order-Shop-1001 .state`)))
	if err != nil || state != stateShipped {
		t.Errorf("the orders page says %q (%v), want %q", state, err, stateShipped)
	}
}
