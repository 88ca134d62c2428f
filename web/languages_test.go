package web_test

import (
	"html"
	"net/http"
	"strings"
	"testing"

	"github.com/kassa-dev/kassa/locale"
)

// TestLegalPagesInEveryLanguage: the demo legal pages exist in each
// language the storefront speaks, link the others from the footer, and
// a page's heading is its name in the footer.
func TestLegalPagesInEveryLanguage(t *testing.T) {
	t.Parallel()
	st := newStack(t)
	for _, code := range locale.Codes {
		c := clientIn(t, code)
		for _, page := range []string{"terms", "privacy", "withdrawal"} {
			resp, body := do(t, c, http.MethodGet, st.URL+"/"+page, nil, nil)
			if resp.StatusCode != http.StatusOK {
				t.Errorf("%s /%s: %d", code, page, resp.StatusCode)
				continue
			}
			want := "<h1>" + html.EscapeString(locale.Get(code).T("legal."+page)) + "</h1>"
			if !strings.Contains(body, want) {
				t.Errorf("%s /%s has no heading %s", code, page, want)
			}
			for _, link := range footerLinks {
				if !strings.Contains(body, link) {
					t.Errorf("%s /%s lacks the link %s", code, page, link)
				}
			}
		}
	}
}
