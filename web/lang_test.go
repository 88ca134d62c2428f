package web_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/kassa-dev/kassa/locale"
)

// TestStorefrontInEveryLanguage walks the storefront in every language
// the shop speaks, through a purchase to the thank-you page: each page
// says <html lang> right and shows no message missing from the catalog
// (locale writes a missing one as [[id]]).
func TestStorefrontInEveryLanguage(t *testing.T) {
	t.Parallel()
	st := newStack(t)
	for _, code := range locale.Codes {
		t.Run(code, func(t *testing.T) {
			c := clientIn(t, code)
			check := func(what string, resp *http.Response, page string) {
				t.Helper()
				if resp.StatusCode >= 500 {
					t.Fatalf("%s: %d", what, resp.StatusCode)
				}
				if !strings.Contains(page, `<html lang="`+code+`">`) {
					t.Errorf("%s is not in %s", what, code)
				}
				if m := regexp.MustCompile(`\[\[[^\]]*\]\]`).FindString(page); m != "" {
					t.Errorf("%s lacks the message %s", what, m)
				}
			}
			for _, p := range []string{"/", "/products/BOOK-001", "/cart", "/terms", "/privacy", "/withdrawal", "/nope"} {
				resp, page := do(t, c, http.MethodGet, st.URL+p, nil, nil)
				check(p, resp, page)
			}
			postForm(t, c, st.URL+"/cart/items", url.Values{"sku": {"BOOK-001"}, "quantity": {"2"}})
			resp, page := do(t, c, http.MethodGet, st.URL+"/cart", nil, nil)
			check("the cart", resp, page)
			resp, page = postForm(t, c, st.URL+"/checkout", url.Values{"customer.type": {"NATURAL"},
				"customer.governmentId": {"198305147716"}, "action": {"address"}})
			check("a wrong personal number", resp, page)
			bad := checkoutForm(personaAccepted)
			bad.Set("customer.email", "nope")
			bad.Del("customer.address.firstName")
			resp, page = postForm(t, c, st.URL+"/checkout", bad)
			check("the form with errors", resp, page)
			resp, _ = postForm(t, c, st.URL+"/checkout", checkoutForm(personaAccepted))
			loc := resp.Header.Get("Location")
			resp, _ = postForm(t, c, loc, url.Values{"decision": {"approve"}})
			resp, page = do(t, c, http.MethodGet, resp.Header.Get("Location"), nil, nil)
			check("the thank-you page", resp, page)
		})
	}
}

// TestLanguageSwitch: GET /lang remembers the choice and goes back to a
// page of the shop, never elsewhere; an unknown language is refused.
func TestLanguageSwitch(t *testing.T) {
	t.Parallel()
	st := newStack(t)
	c := clientIn(t, "")
	_, page := do(t, c, http.MethodGet, st.URL+"/cart", nil, nil)
	if !strings.Contains(page, `<html lang="sv">`) {
		t.Error("a browser without Accept-Language does not get the store country's language")
	}
	resp, _ := do(t, c, http.MethodGet, st.URL+"/lang?to=fi&back=/cart", nil, nil)
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/cart" {
		t.Errorf("switch: %d to %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	_, page = do(t, c, http.MethodGet, st.URL+"/cart", nil, map[string]string{"Accept-Language": "da"})
	if !strings.Contains(page, `<html lang="fi">`) {
		t.Error("the choice does not win over Accept-Language")
	}
	for _, back := range []string{"//evil.example/", "https://evil.example/", "/\\evil.example"} {
		resp, _ = do(t, c, http.MethodGet, st.URL+"/lang?to=sv&back="+url.QueryEscape(back), nil, nil)
		if loc := resp.Header.Get("Location"); loc != "/" {
			t.Errorf("back=%s: redirected to %q", back, loc)
		}
	}
	resp, _ = do(t, c, http.MethodGet, st.URL+"/lang?to=xx", nil, nil)
	if resp.StatusCode != http.StatusBadRequest && resp.StatusCode != http.StatusUnprocessableEntity {
		t.Errorf("unknown language: %d", resp.StatusCode)
	}
}
