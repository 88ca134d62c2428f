package web_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/kassa-dev/kassa"
	"github.com/kassa-dev/kassa/internal/browsertest"
	"github.com/kassa-dev/kassa/mapisim"
)

// Browser tests drive Debian's chromium through chromedp
// (internal/browsertest). They are skipped only when chromium is absent
// and KASSA_BROWSER_TESTS is unset; with KASSA_BROWSER_TESTS set, a
// missing chromium fails them.
//
// With KASSA_SCREENSHOTS=<dir>, the tests also write the README's
// screenshots (storefront.png, admin-order.png) into dir, plus
// admin-dashboard.png, admin-callbacks.png and checkout-phone.png for review.

// browser starts a headless chromium (browsertest.Start) and returns a
// context bounded by timeout for the whole test. It is an English
// browser (Accept-Language: en-US), as the tests check English words;
// browserIn starts one of another language.
func browser(t *testing.T, width, height int64, timeout time.Duration) context.Context {
	t.Helper()
	return browserIn(t, "en-US,en", width, height, timeout)
}

// browserIn is browser with the languages accept.
func browserIn(t *testing.T, accept string, width, height int64, timeout time.Duration) context.Context {
	t.Helper()
	return browsertest.Start(t, accept, width, height, timeout)
}

// step runs actions; on failure it saves a screenshot and fails the test.
func step(t *testing.T, ctx context.Context, name string, actions ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	browsertest.Step(t, ctx, name, actions...)
}

// screenshot writes a README screenshot when KASSA_SCREENSHOTS is set.
func screenshot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	dir := os.Getenv("KASSA_SCREENSHOTS")
	if dir == "" {
		return
	}
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatalf("screenshot %s: %v", name, err)
	}
	if err := os.WriteFile(filepath.Join(dir, name), png, 0o644); err != nil {
		t.Fatal(err)
	}
}

func textOf(t *testing.T, ctx context.Context, sel string) string {
	t.Helper()
	s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
	if err != nil {
		t.Fatalf("read %s: %v", sel, err)
	}
	return s
}

// buy adds the first product to the cart and purchases it with the
// invoice as persona gid, up to the Resurs signing page, then decides.
func buy(t *testing.T, ctx context.Context, base, gid, decision string) {
	t.Helper()
	step(t, ctx, "open catalog",
		chromedp.Navigate(base+"/"),
		chromedp.WaitVisible(chromedp.CSS(`form.add button`)))
	screenshot(t, ctx, "storefront.png")
	fillCheckout(t, ctx, gid)
	step(t, ctx, "pay",
		chromedp.Click(chromedp.CSS(`button[value="purchase"]`)),
		chromedp.WaitVisible(chromedp.CSS(`button[value="`+decision+`"]`)),
		chromedp.Click(chromedp.CSS(`button[value="`+decision+`"]`)),
		chromedp.WaitVisible(chromedp.CSS(`section.outcome`)))
}

// fillCheckout adds the shown product to the cart, goes to the checkout
// and fills in the form as persona gid, paying by invoice, with the terms
// accepted.
func fillCheckout(t *testing.T, ctx context.Context, gid string) {
	t.Helper()
	step(t, ctx, "add to cart",
		chromedp.Click(chromedp.CSS(`form.add button`)),
		chromedp.WaitVisible(chromedp.CSS(`a[href="/checkout"]`)),
		chromedp.Click(chromedp.CSS(`a[href="/checkout"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#gid`)))
	step(t, ctx, "fill in the form",
		chromedp.SendKeys(chromedp.CSS(`#gid`), gid),
		chromedp.SendKeys(chromedp.CSS(`#first`), "Test"),
		chromedp.SendKeys(chromedp.CSS(`#last`), "Person"),
		chromedp.SendKeys(chromedp.CSS(`#row1`), "Glassgatan 15"),
		chromedp.SendKeys(chromedp.CSS(`#zip`), "41655"),
		chromedp.SendKeys(chromedp.CSS(`#city`), "Göteborg"),
		chromedp.SendKeys(chromedp.CSS(`#email`), "test@example.com"),
		chromedp.SendKeys(chromedp.CSS(`#phone`), "0701112233"),
		chromedp.Click(chromedp.CSS(`input[value="`+mapisim.MethodInvoice+`"]`)),
		chromedp.Click(chromedp.CSS(`input[name="terms"]`)))
}

func TestBrowserBuyApproved(t *testing.T) {
	t.Parallel()
	ctx := browser(t, 1280, 900, 60*time.Second)
	st := newStack(t)
	buy(t, ctx, st.URL, personaAccepted, "approve")
	if h := textOf(t, ctx, "h1"); !strings.Contains(h, "Your order is confirmed") {
		t.Errorf("thank-you heading %q", h)
	}
	waitStatus(t, st.DB, 1, kassa.StatusProcessing)
	if badge := evalInt(t, ctx, `document.querySelectorAll(".badge").length`); badge != 0 {
		html, _ := chromedp.Run(ctx, chromedp.OuterHTML(chromedp.CSS("header")))
		t.Errorf("cart still shows items after a paid order: %s", html)
	}

	// The admin logs in, finds the order and sees its timeline.
	o, err := st.DB.Order(context.Background(), 1)
	if err != nil {
		t.Fatal(err)
	}
	step(t, ctx, "admin login",
		chromedp.Navigate(st.URL+"/admin"),
		chromedp.WaitVisible(chromedp.CSS(`#password`)),
		chromedp.SendKeys(chromedp.CSS(`#password`), adminPassword),
		chromedp.Submit(chromedp.CSS(`#password`)),
		chromedp.WaitVisible(chromedp.CSS(`.stats`)))
	step(t, ctx, "find the order",
		chromedp.Navigate(st.URL+"/admin/orders"),
		chromedp.WaitVisible(chromedp.CSS(`#q`)),
		chromedp.SendKeys(chromedp.CSS(`#q`), o.Number),
		chromedp.Submit(chromedp.CSS(`#q`)),
		chromedp.WaitVisible(chromedp.CSS(`a[href="/admin/orders/1"]`)),
		chromedp.Click(chromedp.CSS(`a[href="/admin/orders/1"]`)),
		chromedp.WaitVisible(chromedp.CSS(`ol.timeline`)))
	timeline := textOf(t, ctx, "ol.timeline")
	for _, want := range []string{"pending", "processing", "ACCEPTED"} {
		if !strings.Contains(timeline, want) {
			t.Errorf("timeline lacks %q:\n%s", want, timeline)
		}
	}
	screenshot(t, ctx, "admin-order.png")
	step(t, ctx, "dashboard", chromedp.Navigate(st.URL+"/admin"), chromedp.WaitVisible(chromedp.CSS(`svg.chart`)))
	screenshot(t, ctx, "admin-dashboard.png")
	step(t, ctx, "callbacks", chromedp.Navigate(st.URL+"/admin/callbacks"), chromedp.WaitVisible(chromedp.CSS(`table.list`)))
	screenshot(t, ctx, "admin-callbacks.png")
}

func TestBrowserRejectedKeepsCart(t *testing.T) {
	t.Parallel()
	ctx := browser(t, 1280, 900, 60*time.Second)
	st := newStack(t)
	buy(t, ctx, st.URL, personaRejected, "approve")
	if h := textOf(t, ctx, "h1"); !strings.Contains(h, "not completed") {
		t.Errorf("fail heading %q", h)
	}
	if badge := textOf(t, ctx, ".badge"); badge != "1" {
		t.Errorf("cart badge %q, want 1 (cart kept)", badge)
	}
	step(t, ctx, "back to checkout",
		chromedp.Click(chromedp.CSS(`a.button[href="/checkout"]`)),
		chromedp.WaitVisible(chromedp.CSS(`button[value="purchase"]`)))
}

// TestBrowserPhoneWidth renders the storefront, the cart and the checkout
// at 375 px and checks nothing overflows sideways.
func TestBrowserPhoneWidth(t *testing.T) {
	t.Parallel()
	ctx := browser(t, 375, 812, 45*time.Second)
	st := newStack(t)
	step(t, ctx, "catalog", chromedp.Navigate(st.URL+"/"), chromedp.WaitVisible(chromedp.CSS(`form.add button`)),
		chromedp.Click(chromedp.CSS(`form.add button`)), chromedp.WaitVisible(chromedp.CSS(`table.lines`)))
	for _, path := range []string{"/", "/cart", "/checkout", "/products/BOOK-001", "/admin/login"} {
		step(t, ctx, "render "+path,
			chromedp.Navigate(st.URL+path),
			chromedp.WaitReady(chromedp.CSS(`main`)))
		overflow := evalInt(t, ctx, `document.documentElement.scrollWidth - window.innerWidth`)
		width := evalInt(t, ctx, `window.innerWidth`)
		if width != 375 {
			t.Fatalf("%s: viewport %d px, want 375", path, width)
		}
		if overflow > 0 {
			t.Errorf("%s: the page is %d px wider than a 375 px phone", path, overflow)
		}
		if path == "/checkout" {
			screenshot(t, ctx, "checkout-phone.png")
		}
	}
}

func evalInt(t *testing.T, ctx context.Context, expr string) int {
	t.Helper()
	n, err := chromedp.Run(ctx, chromedp.Evaluate[int](expr))
	if err != nil {
		t.Fatalf("evaluate %s: %v", expr, err)
	}
	return n
}

// TestBrowserAdminOffersOnlyWhatIsPossible: a failed order's page offers no
// capture (nor anything else) and says why; cancelling a paid order's
// authorization asks first, naming the amount, and acts once confirmed.
func TestBrowserAdminOffersOnlyWhatIsPossible(t *testing.T) {
	t.Parallel()
	ctx := browser(t, 1280, 900, 90*time.Second)
	st := newStack(t)
	failed, paid := failedOrder(t, st), paidOrder(t, st)
	step(t, ctx, "admin login on the failed order",
		chromedp.Navigate(st.URL+"/admin/orders/"+itoa(failed.ID)),
		chromedp.WaitVisible(chromedp.CSS(`#password`)),
		chromedp.SendKeys(chromedp.CSS(`#password`), adminPassword),
		chromedp.Submit(chromedp.CSS(`#password`)),
		chromedp.WaitVisible(chromedp.CSS(`#payment`)))
	if n := evalInt(t, ctx, `document.querySelectorAll("#aftersale button, #aftersale form").length`); n != 0 {
		t.Fatalf("the failed order's page offers %d after-sale buttons and forms, want none", n)
	}
	if got := textOf(t, ctx, "#possible"); got != "none" {
		t.Fatalf("possible actions of the failed order: %q, want none", got)
	}
	if why := textOf(t, ctx, "#why-not"); !strings.Contains(why, "REJECTED") {
		t.Fatalf("the failed order's page says %q, want why nothing is offered", why)
	}
	step(t, ctx, "ask to cancel the paid order's authorization",
		chromedp.Navigate(st.URL+"/admin/orders/"+itoa(paid.ID)),
		chromedp.Click(chromedp.CSS(`#cancel-all`)),
		chromedp.WaitVisible(chromedp.CSS(`#confirm`)))
	if ask := textOf(t, ctx, "#confirm-panel"); !strings.Contains(ask, "598,00") {
		t.Fatalf("confirmation page: %q, want the amount", ask)
	}
	if p, ok := st.Sim.Payment(paid.PaymentID); !ok || p.Order.CanceledAmount != 0 {
		t.Fatal("the authorization was cancelled before the admin confirmed")
	}
	step(t, ctx, "confirm",
		chromedp.Click(chromedp.CSS(`#confirm`)),
		chromedp.WaitVisible(chromedp.CSS(`p.alert.ok`)))
	if h := textOf(t, ctx, "h1"); !strings.Contains(h, "cancelled") {
		t.Fatalf("order heading after confirming: %q, want cancelled", h)
	}
}
