package checkout

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/kassa-dev/kassa"
	"github.com/kassa-dev/kassa/mapi"
)

// TestSplitByVAT: an amount refund becomes one line per VAT rate of what
// is captured and not refunded, in proportion, adding up exactly.
func TestSplitByVAT(t *testing.T) {
	for _, tt := range []struct {
		name               string
		captured, refunded map[mapi.Decimal]mapi.Decimal
		amount             kassa.Money
		want               map[int64]kassa.Money // rate → line total
	}{
		{"one rate", map[mapi.Decimal]mapi.Decimal{2500: 24800}, nil, 10000, map[int64]kassa.Money{2500: 10000}},
		{"two rates", map[mapi.Decimal]mapi.Decimal{2500: 39800, 600: 24900}, nil, 10000,
			map[int64]kassa.Money{2500: 6151, 600: 3849}},
		{"three equal rates, a cent left over", map[mapi.Decimal]mapi.Decimal{2500: 100, 1200: 100, 600: 100}, nil, 100,
			map[int64]kassa.Money{2500: 34, 1200: 33, 600: 33}},
		{"refunded rate left out", map[mapi.Decimal]mapi.Decimal{2500: 10000, 600: 5000},
			map[mapi.Decimal]mapi.Decimal{600: 5000}, 2000, map[int64]kassa.Money{2500: 2000}},
		{"nothing captured", nil, nil, 100, map[int64]kassa.Money{}},
	} {
		led := ledger{capturedByRate: tt.captured, refundedByRate: tt.refunded}
		if led.refundedByRate == nil {
			led.refundedByRate = map[mapi.Decimal]mapi.Decimal{}
		}
		got := map[int64]kassa.Money{}
		for _, l := range splitByVAT(led, tt.amount) {
			if l.Quantity != 1 || l.VATAmount != kassa.VATPart(l.Total, l.VATRate) || l.Total <= 0 {
				t.Errorf("%s: bad line %+v", tt.name, l)
			}
			got[l.VATRate] += l.Total
		}
		if d := cmp.Diff(tt.want, got); d != "" {
			t.Errorf("%s: totals per rate (-want +got):\n%s", tt.name, d)
		}
	}
}

func TestModifyProgress(t *testing.T) {
	tx, other := "K1-modify-1", "K1-capture-1"
	log := func(types ...mapi.ActionLogType) *mapi.Payment {
		p := &mapi.Payment{}
		for _, typ := range types {
			e := mapi.ActionLog{Type: typ, ActionID: string(typ)}
			if typ == mapi.LogCancel {
				e.TransactionID = &tx
			}
			if typ == mapi.LogCapture {
				e.TransactionID = &other
			}
			p.Order.ActionLog = append(p.Order.ActionLog, e)
		}
		return p
	}
	for _, tt := range []struct {
		name  string
		p     *mapi.Payment
		at    int
		added bool
	}{
		{"nothing yet", log(mapi.LogCreate), -1, false},
		{"an earlier modify does not count", log(mapi.LogCreate, mapi.LogModifyOrder), -1, false},
		{"cancelled", log(mapi.LogCreate, mapi.LogCancel), 1, false},
		{"cancelled and added", log(mapi.LogCreate, mapi.LogCancel, mapi.LogModifyOrder), 1, true},
	} {
		at, added := modifyProgress(tt.p, tx)
		if at != tt.at || added != tt.added {
			t.Errorf("%s: (%d, %v), want (%d, %v)", tt.name, at, added, tt.at, tt.added)
		}
	}
}
