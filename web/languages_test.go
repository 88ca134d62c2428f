package web_test

import (
	"html"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/kassa-dev/kassa/locale"
)

// TestStorefrontInEveryLanguage: every storefront page, the demo legal
// pages among them, is served in each language the storefront speaks,
// with <html lang> of that language, no message missing from its
// catalog ("[[id]]") and the footer's legal links; a legal page's
// heading is its name in the footer.
func TestStorefrontInEveryLanguage(t *testing.T) {
	t.Parallel()
	st := newStack(t)
	for _, code := range locale.Codes {
		t.Run(code, func(t *testing.T) {
			c := clientIn(t, code)
			postForm(t, c, st.URL+"/cart/items", url.Values{"sku": {"BOOK-001"}})
			for _, path := range []string{"/", "/products/BOOK-001", "/cart", "/checkout", "/terms", "/privacy", "/withdrawal"} {
				resp, page := do(t, c, http.MethodGet, st.URL+path, nil, nil)
				if resp.StatusCode != http.StatusOK {
					t.Errorf("%s: %d", path, resp.StatusCode)
					continue
				}
				if !strings.Contains(page, `<html lang="`+code+`">`) {
					t.Errorf("%s is not in %s", path, code)
				}
				if i := strings.Index(page, "[["); i >= 0 {
					t.Errorf("%s lacks a message: %s", path, page[i:min(len(page), i+60)])
				}
				for _, link := range footerLinks {
					if !strings.Contains(page, link) {
						t.Errorf("%s lacks the link %s", path, link)
					}
				}
			}
			for _, page := range []string{"terms", "privacy", "withdrawal"} {
				_, body := do(t, c, http.MethodGet, st.URL+"/"+page, nil, nil)
				want := "<h1>" + html.EscapeString(locale.Get(code).T("legal."+page)) + "</h1>"
				if !strings.Contains(body, want) {
					t.Errorf("/%s has no heading %s", page, want)
				}
			}
		})
	}
}
