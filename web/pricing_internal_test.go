package web

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/kassa-dev/kassa/mapi"
)

// signageBank answers price signage, failing when fail is set, and counts
// the reads.
type signageBank struct {
	Bank  // the other calls are not made
	reads int
	fail  bool
}

func (b *signageBank) PriceSignage(_ context.Context, _, _ string, amount mapi.Decimal) (*mapi.PriceSignage, error) {
	b.reads++
	if b.fail {
		return nil, errors.New("unavailable")
	}
	return &mapi.PriceSignage{CostList: []mapi.Cost{{DurationMonths: 12, MonthlyCost: amount / 12}}}, nil
}

// TestSignageCached: product pages and the checkout read Resurs' price
// signage of an amount once per ttl, and a failed read once a minute.
func TestSignageCached(t *testing.T) {
	now := time.Date(2026, 12, 6, 12, 0, 0, 0, time.UTC)
	bank := &signageBank{}
	c := newPriceCache(bank, "store", func() time.Time { return now }, 10*time.Minute)
	ctx := t.Context()
	for range 3 {
		if ps := c.signage(ctx, "pp", 120000); ps == nil || ps.CostList[0].MonthlyCost != 10000 {
			t.Fatalf("signage %+v", ps)
		}
	}
	c.signage(ctx, "pp", 60000)
	if bank.reads != 2 {
		t.Errorf("%d reads for two amounts, want 2", bank.reads)
	}
	now = now.Add(10 * time.Minute)
	bank.fail = true
	if ps := c.signage(ctx, "pp", 120000); ps != nil || bank.reads != 3 {
		t.Errorf("after ttl, Resurs down: %+v after %d reads, want nil after 3", ps, bank.reads)
	}
	bank.fail = false
	c.signage(ctx, "pp", 120000)
	if bank.reads != 3 {
		t.Errorf("a failed read was asked again within a minute (%d reads)", bank.reads)
	}
	now = now.Add(time.Minute)
	if ps := c.signage(ctx, "pp", 120000); ps == nil || bank.reads != 4 {
		t.Errorf("a minute after the failure: %+v after %d reads, want a signage after 4", ps, bank.reads)
	}
}
