package web

import (
	"strings"
	"testing"

	"github.com/kassa-dev/kassa/locale"
)

// TestSayConstants: a message without arguments is written into the
// template text in the page's language, escaped for HTML (markup kept for
// an _html message); anything with arguments stays an action.
func TestSayConstants(t *testing.T) {
	en := locale.Get("en")
	for src, want := range map[string]string{
		`<p>{{T "status.awaiting"}}</p>`:                  `<p>awaiting Resurs Bank&#39;s decision</p>`,
		`<b data-label="{{T "cart.total"}}">`:             `<b data-label="Total">`,
		`{{TH "admin.keys.how_html"}}`:                    `Send it as <code>Authorization: Bearer &lt;key&gt;</code> to the admin API and to <code>POST /api/checkouts</code>.`,
		`{{T "cart.quantity_of" "Product" .Description}}`: `{{T "cart.quantity_of" "Product" .Description}}`,
		`{{T "no.such.id"}}`:                              `[[no.such.id]]`,
	} {
		if got := sayConstants(en, src); got != want {
			t.Errorf("sayConstants(%s) = %s, want %s", src, got, want)
		}
	}
}

// TestPagerCounts renders the admin lists' pager in both admin languages
// for a list within the count and one beyond it ("more than 1000").
func TestPagerCounts(t *testing.T) {
	for _, code := range []string{"en", "sv"} {
		l := locale.Get(code)
		pages, err := parsePages(new(Server).templateFuncs(l), l)
		if err != nil {
			t.Fatal(err)
		}
		for total, want := range map[int]string{
			3:    l.N("admin.count.orders", 3),
			5000: l.T("admin.pager.more_than", "Count", l.N("admin.count.orders", 1000)),
		} {
			var b strings.Builder
			li := listing{Total: total, Noun: "admin.count.orders", OlderURL: "/admin/orders?after=9"}
			if err := pages["orders"].ExecuteTemplate(&b, "pager", li); err != nil {
				t.Fatalf("%s, %d orders: %v", code, total, err)
			}
			if !strings.Contains(b.String(), want) {
				t.Errorf("%s, %d orders: the pager says %q, want %q", code, total, b.String(), want)
			}
		}
	}
}
