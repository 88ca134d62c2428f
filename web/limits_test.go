package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/kassa-dev/kassa"
	"github.com/kassa-dev/kassa/checkout"
	"github.com/kassa-dev/kassa/mapisim"
	"github.com/kassa-dev/kassa/web"
)

// TestCheckoutLimitsUnpaidOrders: one client (here: one address) may hold
// two unpaid orders; the third purchase, on the page or through the JSON
// API, is answered 429 with the reason and reserves nothing.
func TestCheckoutLimitsUnpaidOrders(t *testing.T) {
	t.Parallel()
	st := newStack(t, func(c *checkout.Config, _ *web.Config) { c.MaxOpenOrders, c.MaxHeldUnits = 2, 10 })
	// Each purchase from a browser of its own: one browser's purchase of
	// the same cart again is the same order (TestPurchaseOnce).
	shopper := func() *http.Client {
		c := client(t)
		postForm(t, c, st.URL+"/cart/items", url.Values{"sku": {"BOOK-001"}, "quantity": {"1"}})
		return c
	}
	for i := range 2 {
		if resp, page := postForm(t, shopper(), st.URL+"/checkout", checkoutForm(personaAccepted)); resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("purchase %d: %d\n%s", i+1, resp.StatusCode, page)
		}
	}
	stock := bookStock(t, st)
	resp, page := postForm(t, shopper(), st.URL+"/checkout", checkoutForm(personaAccepted))
	if resp.StatusCode != http.StatusTooManyRequests || !strings.Contains(page, "You already have 2 unpaid orders") {
		t.Errorf("third purchase: %d, want 429 and the reason on the page\n%s", resp.StatusCode, page)
	}
	// Another browser at the same address through the API.
	resp, body := postJSON(t, client(t), st.URL+"/api/orders", mustJSON(t, orderJSON(personaAccepted)), nil)
	var answer struct{ Code, Message string }
	decode(t, body, &answer)
	if resp.StatusCode != http.StatusTooManyRequests || !strings.Contains(answer.Message, "unpaid orders") {
		t.Errorf("API purchase: %d %s, want 429 with the reason", resp.StatusCode, body)
	}
	if _, n, err := st.DB.Orders(t.Context(), kassa.OrderFilter{}); err != nil || n != 2 {
		t.Errorf("%d orders (%v), want 2", n, err)
	}
	if got := bookStock(t, st); got != stock {
		t.Errorf("stock %d after the refusals, want %d", got, stock)
	}
}

func bookStock(t *testing.T, st *stack) int64 {
	t.Helper()
	p, err := st.DB.Product(t.Context(), "BOOK-001")
	if err != nil {
		t.Fatal(err)
	}
	return p.Stock
}

// TestAddressLookupsLimited: "Fetch my address" answers twice in ten
// minutes per client, then 429 with a clear message and Retry-After, for
// another browser at the same address too, until the window has passed.
func TestAddressLookupsLimited(t *testing.T) {
	t.Parallel()
	clock := mapisim.NewManualClock(time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC))
	st := newStack(t, func(_ *checkout.Config, w *web.Config) {
		w.MaxAddressLookups, w.AddressLookupWindow, w.Now = 2, 10*time.Minute, clock.Now
	})
	c := client(t)
	postForm(t, c, st.URL+"/cart/items", url.Values{"sku": {"BOOK-001"}, "quantity": {"1"}})
	lookup := func(c *http.Client) (*http.Response, string) {
		resp, page := postForm(t, c, st.URL+"/checkout", url.Values{"customer.type": {"NATURAL"},
			"customer.governmentId": {personaAccepted}, "action": {"address"}})
		return follow(t, c, st, resp, page)
	}
	for i := range 2 {
		if resp, page := lookup(c); resp.StatusCode != http.StatusOK || !strings.Contains(page, "Glassgatan 15") {
			t.Fatalf("lookup %d: %d, address filled in %t", i+1, resp.StatusCode, strings.Contains(page, "Glassgatan 15"))
		}
	}
	clock.Advance(4 * time.Minute)
	resp, page := lookup(c)
	if resp.StatusCode != http.StatusTooManyRequests || strings.Contains(page, "Glassgatan 15") ||
		!strings.Contains(page, "An address can be fetched 2 times in 10 minutes") ||
		!strings.Contains(page, "try again in 6 minutes") || resp.Header.Get("Retry-After") != "360" {
		t.Errorf("third lookup: %d, Retry-After %q\n%s", resp.StatusCode, resp.Header.Get("Retry-After"), page)
	}
	other := client(t)
	postForm(t, other, st.URL+"/cart/items", url.Values{"sku": {"BOOK-001"}, "quantity": {"1"}})
	if resp, _ := lookup(other); resp.StatusCode != http.StatusTooManyRequests {
		t.Errorf("another browser at the same address: %d, want 429", resp.StatusCode)
	}
	clock.Advance(6 * time.Minute)
	if resp, page := lookup(c); resp.StatusCode != http.StatusOK || !strings.Contains(page, "Glassgatan 15") {
		t.Errorf("lookup after the window: %d", resp.StatusCode)
	}
}
