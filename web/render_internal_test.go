package web

import (
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
