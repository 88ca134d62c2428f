package web_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/kassa-dev/kassa"
)

var tokenRe = regexp.MustCompile(`name="token" value="([^"]+)"`)

// checkoutToken opens the checkout form in c and returns its token.
func checkoutToken(t *testing.T, c *http.Client, st *stack) string {
	t.Helper()
	_, page := do(t, c, http.MethodGet, st.URL+"/checkout", nil, nil)
	m := tokenRe.FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("the checkout form has no token:\n%s", page)
	}
	return m[1]
}

// purchase posts form and returns where it sends the shopper.
func purchase(t *testing.T, c *http.Client, st *stack, form url.Values) string {
	t.Helper()
	resp, page := postForm(t, c, st.URL+"/checkout", form)
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("purchase: %d\n%s", resp.StatusCode, page)
	}
	return resp.Header.Get("Location")
}

// orders returns every order, newest first.
func orders(t *testing.T, st *stack) []*kassa.Order {
	t.Helper()
	list, _, err := st.DB.Orders(t.Context(), kassa.OrderFilter{})
	if err != nil {
		t.Fatal(err)
	}
	return list
}

// TestPurchaseOnce: three clicks at once, a retried POST, and Back then
// Purchase with the same cart and details make one order with one
// payment, and every one of them lands on its signing page.
func TestPurchaseOnce(t *testing.T) {
	t.Parallel()
	st := newStack(t)
	c := client(t)
	postForm(t, c, st.URL+"/cart/items", url.Values{"sku": {"BOOK-001"}})
	form := checkoutForm(personaAccepted)
	form.Set("token", checkoutToken(t, c, st))

	var wg sync.WaitGroup
	got := make([]string, 3)
	for i := range got {
		wg.Go(func() { got[i] = purchase(t, c, st, form) })
	}
	wg.Wait()
	got = append(got, purchase(t, c, st, form)) // a retry of the same POST
	form.Set("token", checkoutToken(t, c, st))  // Back: the form again
	got = append(got, purchase(t, c, st, form))
	form.Del("token") // a form without its token: the session's
	got = append(got, purchase(t, c, st, form))
	for i, loc := range got {
		if !signRe.MatchString(loc) || loc != got[0] {
			t.Errorf("purchase %d sent to %q, want the signing page %q", i+1, loc, got[0])
		}
	}
	if list := orders(t, st); len(list) != 1 || list[0].PaymentID == "" {
		t.Fatalf("%d orders, want one with a payment", len(list))
	}
}

// TestPurchaseChangedReplacesOrder: a purchase with other details
// places a new order; the earlier unsigned one says in its timeline that
// it was replaced (the simulator refuses to cancel an unsigned payment, so
// it is left to expire).
func TestPurchaseChangedReplacesOrder(t *testing.T) {
	t.Parallel()
	st := newStack(t)
	c := client(t)
	postForm(t, c, st.URL+"/cart/items", url.Values{"sku": {"BOOK-001"}})
	form := checkoutForm(personaAccepted)
	first := purchase(t, c, st, form)
	form.Set("customer.phone", "0709998877")
	second := purchase(t, c, st, form)
	if !signRe.MatchString(second) || second == first {
		t.Fatalf("changed purchase sent to %q, want another signing page than %q", second, first)
	}
	list := orders(t, st)
	if len(list) != 2 {
		t.Fatalf("%d orders, want 2", len(list))
	}
	newer, older := list[0], list[1]
	evs, err := st.DB.Events(t.Context(), older.ID)
	if err != nil {
		t.Fatal(err)
	}
	var notes []string
	for _, ev := range evs {
		notes = append(notes, ev.Note)
	}
	if all := strings.Join(notes, "\n"); !strings.Contains(all, "replaced by order "+newer.Number) {
		t.Errorf("the earlier order's timeline does not name its replacement:\n%s", all)
	}
}

// TestCheckoutFormKept: what the shopper typed survives "Change the cart",
// a rejected payment and the address lookup; the government id is in no
// cookie.
func TestCheckoutFormKept(t *testing.T) {
	t.Parallel()
	st := newStack(t)
	c := client(t)
	postForm(t, c, st.URL+"/cart/items", url.Values{"sku": {"BOOK-001"}})
	form := checkoutForm(personaRejected)
	form.Set("customer.email", "kept@example.com")
	form.Set("action", "cart")
	if resp, _ := postForm(t, c, st.URL+"/checkout", form); resp.Header.Get("Location") != "/cart" {
		t.Fatalf("change the cart: sent to %q, want /cart", resp.Header.Get("Location"))
	}
	wantKept(t, c, st, "after changing the cart", "kept@example.com", personaRejected, "Glassgatan 15")

	form.Set("action", "purchase")
	resp, _ := postForm(t, c, purchase(t, c, st, form), url.Values{"decision": {"reject"}})
	if back := resp.Header.Get("Location"); !strings.Contains(back, "/fail?key=") {
		t.Fatalf("rejected payment sent to %q, want the fail URL", back)
	} else {
		do(t, c, http.MethodGet, back, nil, nil)
	}
	wantKept(t, c, st, "after a rejected payment", "kept@example.com", personaRejected, "Glassgatan 15")

	u, _ := url.Parse(st.URL)
	for _, ck := range c.Jar.Cookies(u) {
		if strings.Contains(ck.Value, personaRejected) {
			t.Errorf("cookie %s carries the government id", ck.Name)
		}
	}
}

// wantKept fails t unless the checkout form shows every value.
func wantKept(t *testing.T, c *http.Client, st *stack, when string, values ...string) {
	t.Helper()
	_, page := do(t, c, http.MethodGet, st.URL+"/checkout", nil, nil)
	for _, v := range values {
		if !strings.Contains(page, `value="`+v+`"`) {
			t.Errorf("%s the form lost %q", when, v)
		}
	}
}
