package web_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestBrowserLanguages: a shopper whose browser asks for a language the
// shop does not speak (German) gets the storefront in the language of
// the Resurs store's country, Swedish; the language switch turns it
// English, and the choice stays on the next pages.
func TestBrowserLanguages(t *testing.T) {
	t.Parallel()
	ctx := browserIn(t, "de-DE,de", 1280, 900, 60*time.Second)
	st := newStack(t)
	step(t, ctx, "open catalog",
		chromedp.Navigate(st.URL+"/"),
		chromedp.WaitVisible(chromedp.CSS(`form.add button`)))
	if lang, button := pageLang(t, ctx), textOf(t, ctx, `form.add button`); lang != "sv" || button != "Lägg i varukorgen" {
		t.Errorf("default: <html lang=%q>, button %q; want Swedish", lang, button)
	}
	if price := textOf(t, ctx, `.card .price`); !strings.HasSuffix(price, ",00 kr") && !strings.HasSuffix(price, ",00\u00a0kr") {
		t.Errorf("price %q is not written the Swedish way", price)
	}
	screenshot(t, ctx, "storefront-sv.png")
	step(t, ctx, "switch to English",
		chromedp.Click(chromedp.CSS(`nav.langs a[lang="en"]`)),
		chromedp.WaitVisible(chromedp.CSS(`nav.langs span[lang="en"]`)))
	if lang, button := pageLang(t, ctx), textOf(t, ctx, `form.add button`); lang != "en" || button != "Add to cart" {
		t.Errorf("after the switch: <html lang=%q>, button %q; want English", lang, button)
	}
	step(t, ctx, "add to the cart",
		chromedp.Click(chromedp.CSS(`form.add button`)),
		chromedp.WaitVisible(chromedp.CSS(`table.lines`)))
	if lang, heading := pageLang(t, ctx), textOf(t, ctx, `main h1`); lang != "en" || heading != "Cart" {
		t.Errorf("the cart after the switch: <html lang=%q>, heading %q; want English", lang, heading)
	}
}

// pageLang returns the page's <html lang>.
func pageLang(t *testing.T, ctx context.Context) string {
	t.Helper()
	a, err := chromedp.Run(ctx, chromedp.AttributeValue(chromedp.CSS(`html`), "lang"))
	if err != nil {
		t.Fatalf("read <html lang>: %v", err)
	}
	return a.Value
}
