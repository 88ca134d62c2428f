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
