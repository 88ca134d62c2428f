package web_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/kassa-dev/kassa"
)

// TestBrowserOwnerAddsProductShopperBuysIt: the owner creates a product
// in the admin; a shopper finds it in the shop, buys it, and the order
// carries it at the price the owner set.
func TestBrowserOwnerAddsProductShopperBuysIt(t *testing.T) {
	t.Parallel()
	ctx := browser(t, 1280, 900, 90*time.Second)
	st := newStack(t)
	step(t, ctx, "admin login",
		chromedp.Navigate(st.URL+"/admin/products/new"),
		chromedp.WaitVisible(chromedp.CSS(`#password`)),
		chromedp.SendKeys(chromedp.CSS(`#password`), adminPassword),
		chromedp.Submit(chromedp.CSS(`#password`)),
		chromedp.WaitVisible(chromedp.CSS(`#sku`)))
	step(t, ctx, "create the product",
		chromedp.SendKeys(chromedp.CSS(`#sku`), "CANDLE-1"),
		chromedp.SendKeys(chromedp.CSS(`#name`), "Ljusstake i mässing"),
		chromedp.SendKeys(chromedp.CSS(`#description`), "Brass candlestick, 20 cm."),
		chromedp.SendKeys(chromedp.CSS(`#price`), "349,50"),
		chromedp.SetValue(chromedp.CSS(`#stock`), "6"),
		chromedp.Submit(chromedp.CSS(`#product-form`)),
		chromedp.WaitVisible(chromedp.CSS(`p.alert.ok`)))
	step(t, ctx, "the shop lists it",
		chromedp.Navigate(st.URL+"/"),
		chromedp.WaitVisible(chromedp.CSS(`a[href="/products/CANDLE-1"]`)),
		chromedp.Click(chromedp.CSS(`a[href="/products/CANDLE-1"]`)),
		chromedp.WaitVisible(chromedp.CSS(`form.add button`)))
	if price := textOf(t, ctx, "p.price"); !strings.Contains(price, "349,50") {
		t.Fatalf("product page price %q, want 349,50", price)
	}
	fillCheckout(t, ctx, personaAccepted)
	step(t, ctx, "pay",
		chromedp.Click(chromedp.CSS(`button[value="purchase"]`)),
		chromedp.WaitVisible(chromedp.CSS(`button[value="approve"]`)),
		chromedp.Click(chromedp.CSS(`button[value="approve"]`)),
		chromedp.WaitVisible(chromedp.CSS(`section.outcome`)))
	o := waitStatus(t, st.DB, 1, kassa.StatusProcessing)
	if l := o.Lines[0]; l.SKU != "CANDLE-1" || l.UnitPrice != 34950 || l.VATRate != 2500 || l.Description != "Ljusstake i mässing" {
		t.Fatalf("order line %+v; want CANDLE-1 at 349.50 with 25 %% VAT", l)
	}
	p, err := st.DB.Product(context.Background(), "CANDLE-1")
	if err != nil || p.Stock != 5 {
		t.Fatalf("stock after the sale: %+v, %v; want 5", p, err)
	}
}
