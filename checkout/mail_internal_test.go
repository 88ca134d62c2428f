package checkout

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/kassa-dev/kassa"
)

// TestMailsFor checks which mails each order change causes.
func TestMailsFor(t *testing.T) {
	confirm := []mailEvent{{kind: kassa.MailConfirmation}, {kind: kassa.MailNewOrder, owner: true}}
	for _, tt := range []struct {
		from, to kassa.Status
		refunded kassa.Money // before; the order has 5000 refunded after
		alert    bool
		want     []mailEvent
	}{
		{kassa.StatusPending, kassa.StatusProcessing, 5000, false, confirm},
		{kassa.StatusPending, kassa.StatusCompleted, 5000, false, confirm},
		{kassa.StatusPending, kassa.StatusOnHold, 5000, false,
			[]mailEvent{{kind: kassa.MailOnHold}, {kind: kassa.MailNewOrder, owner: true}}},
		{kassa.StatusOnHold, kassa.StatusProcessing, 5000, false, []mailEvent{{kind: kassa.MailAccepted}}},
		{kassa.StatusOnHold, kassa.StatusFailed, 5000, false, []mailEvent{{kind: kassa.MailRejected}}},
		{kassa.StatusOnHold, kassa.StatusCancelled, 5000, false, []mailEvent{{kind: kassa.MailRejected}}},
		{kassa.StatusProcessing, kassa.StatusCancelled, 5000, false, []mailEvent{{kind: kassa.MailCancelled}}},
		{kassa.StatusPending, kassa.StatusFailed, 5000, false, nil},
		{kassa.StatusPending, kassa.StatusCancelled, 5000, false, nil},
		{kassa.StatusProcessing, kassa.StatusProcessing, 5000, false, nil},
		{kassa.StatusProcessing, kassa.StatusCompleted, 5000, false, nil},
		{kassa.StatusCompleted, kassa.StatusCompleted, 2000, false,
			[]mailEvent{{kind: kassa.MailRefunded, event: "5000", amount: 3000}}},
		{kassa.StatusCompleted, kassa.StatusRefunded, 0, false,
			[]mailEvent{{kind: kassa.MailRefunded, event: "5000", amount: 5000}}},
		{kassa.StatusCancelled, kassa.StatusCancelled, 5000, true,
			[]mailEvent{{kind: kassa.MailPaidButClosed, owner: true}}},
	} {
		o := &kassa.Order{Status: tt.to, Refunded: 5000}
		got := mailsFor(tt.from, tt.refunded, o, tt.alert)
		if d := cmp.Diff(tt.want, got, cmp.AllowUnexported(mailEvent{})); d != "" {
			t.Errorf("%s → %s (refunded %d before, alert %v) (-want +got):\n%s", tt.from, tt.to, tt.refunded, tt.alert, d)
		}
	}
}

// TestMailLanguages checks whose language each mail is in: the
// customer's the order's, or for an order without one the store
// country's; the owner's the admin's for the store's country.
func TestMailLanguages(t *testing.T) {
	for _, tt := range []struct {
		country, orderLang string
		customer, owner    string
	}{
		{"SE", "", "sv", "sv"},
		{"SE", "fi", "fi", "sv"},
		{"NO", "", "nb", "en"},
		{"FI", "", "fi", "en"},
		{"FI", "sv", "sv", "en"},
		{"DK", "", "da", "en"},
		{"DK", "en", "en", "en"},
		{"DE", "", "en", "en"},
		{"SE", "xx", "sv", "sv"}, // not a language the shop speaks
	} {
		e := &Engine{cfg: Config{Country: tt.country}}
		o := &kassa.Order{Lang: tt.orderLang}
		if got := e.customerLang(o); got != tt.customer {
			t.Errorf("store %s, order in %q: customer's mails in %s; want %s", tt.country, tt.orderLang, got, tt.customer)
		}
		if got := e.ownerLang(); got != tt.owner {
			t.Errorf("store %s: owner's mails in %s; want %s", tt.country, got, tt.owner)
		}
	}
}
