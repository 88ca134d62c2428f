package storetest

import (
	"sync"
	"testing"
	"time"

	"github.com/kassa-dev/kassa"
)

// Discounts is what TestDiscounts holds a store to: the discount codes,
// with the orders that take and give back their uses.
type Discounts interface {
	Orders
	kassa.Discounts
}

// TestDiscounts holds the stores open returns to kassa.Discounts, and to
// the uses CreateOrder takes and a failing or cancelling write gives back.
func TestDiscounts(t *testing.T, open Opener[Discounts]) {
	run(t, open, []test[Discounts]{
		{"DiscountCodes", testDiscountCodes},
		{"DiscountCodeInvalid", testDiscountCodeInvalid},
		{"OrderTakesUse", testOrderTakesUse},
		{"UsedUpWritesNothing", testUsedUpWritesNothing},
		{"ReleaseGivesUseBack", testReleaseGivesUseBack},
		{"ConcurrentUsesWithinLimit", testConcurrentUses},
	})
}

// code returns a valid 10 % code with a usage limit.
func code(name string, limit int64) kassa.DiscountCode {
	return kassa.DiscountCode{Code: name, Percent: 1000, UsageLimit: limit,
		ValidFrom: at.Add(-time.Hour), ValidUntil: at.Add(24 * time.Hour), MinOrder: 10000}
}

// withCode returns o priced with the discount code d.
func withCode(o *kassa.Order, d kassa.DiscountCode) *kassa.Order {
	o.Charges = &kassa.Charges{Discount: &d, FreeShippingFrom: 50000,
		Shipping: &kassa.ShippingOption{ID: "postnord", Name: "PostNord", Price: 4900, VATRate: 2500},
		Fee:      &kassa.PaymentFee{Name: "Invoice fee", Amount: 2900, VATRate: 2500}}
	return o
}

// used returns the use count of code.
func used(t *testing.T, s kassa.Discounts, name string) int64 {
	t.Helper()
	d, err := s.DiscountCode(ctx, name)
	must(t, err)
	return d.Used
}

func testDiscountCodes(t *testing.T, s Discounts) {
	must(t, s.PutDiscountCode(ctx, code(" spring10 ", 0)))
	must(t, s.PutDiscountCode(ctx, kassa.DiscountCode{Code: "FIFTY", Amount: 5000}))
	got, err := s.DiscountCode(ctx, "Spring10")
	must(t, err)
	want := code("SPRING10", 0)
	if d := diff(want, got); d != "" {
		t.Fatalf("DiscountCode (-want +got):\n%s", d)
	}
	list, err := s.DiscountCodes(ctx)
	must(t, err)
	if len(list) != 2 || list[0].Code != "FIFTY" || list[1].Code != "SPRING10" || !list[0].ValidFrom.IsZero() {
		t.Fatalf("DiscountCodes = %+v; want FIFTY then SPRING10", list)
	}
	put(t, s, product("A", 5))
	create(t, s, withCode(order(1, line(1, "A", 1)), got))
	changed := code("SPRING10", 3)
	changed.Percent, changed.Used = 1500, 99 // Used is the store's
	must(t, s.PutDiscountCode(ctx, changed))
	if got, _ := s.DiscountCode(ctx, "SPRING10"); got.Percent != 1500 || got.UsageLimit != 3 || got.Used != 1 {
		t.Fatalf("after replacing the terms: %+v; want 15 %%, limit 3, still 1 use", got)
	}
	must(t, s.DeleteDiscountCode(ctx, "spring10"))
	_, err = s.DiscountCode(ctx, "SPRING10")
	wantCode(t, err, kassa.ENOTFOUND)
	wantCode(t, s.DeleteDiscountCode(ctx, "SPRING10"), kassa.ENOTFOUND)
	if o := get(t, s, 1); o.Charges.DiscountCodeName() != "SPRING10" {
		t.Fatalf("the order lost its discount when the code was deleted: %+v", o.Charges)
	}
}

func testDiscountCodeInvalid(t *testing.T, s Discounts) {
	for _, d := range []kassa.DiscountCode{
		{Code: "", Percent: 1000},
		{Code: "TWO WORDS", Percent: 1000},
		{Code: "BOTH", Percent: 1000, Amount: 100},
		{Code: "NEITHER"},
		{Code: "OVER", Percent: 10001},
		{Code: "BACKWARDS", Percent: 1000, ValidFrom: at, ValidUntil: at.Add(-time.Second)},
		{Code: "NEGLIMIT", Percent: 1000, UsageLimit: -1},
	} {
		wantCode(t, s.PutDiscountCode(ctx, d), kassa.EINVALID)
	}
	if list, err := s.DiscountCodes(ctx); err != nil || len(list) != 0 {
		t.Fatalf("DiscountCodes = %v, %v after invalid puts; want none", list, err)
	}
}

func testOrderTakesUse(t *testing.T, s Discounts) {
	put(t, s, product("A", 5))
	d := code("ONCE", 2)
	must(t, s.PutDiscountCode(ctx, d))
	o := create(t, s, withCode(order(1, line(1, "A", 1)), d))
	if n := used(t, s, "ONCE"); n != 1 {
		t.Fatalf("used %d after one order; want 1", n)
	}
	got := get(t, s, o.ID)
	if d := diff(o.Charges, got.Charges); d != "" {
		t.Fatalf("charges round trip (-want +got):\n%s", d)
	}
	plain := create(t, s, order(2, line(1, "A", 1)))
	if got := get(t, s, plain.ID); got.Charges != nil || used(t, s, "ONCE") != 1 {
		t.Fatalf("an order without charges: %+v, used %d", got.Charges, used(t, s, "ONCE"))
	}
	unknown := withCode(order(3, line(1, "A", 1)), code("NOSUCH", 0))
	err := s.CreateOrder(ctx, unknown, kassa.Event{At: at}, nil)
	wantCode(t, err, kassa.ENOTFOUND)
}

func testUsedUpWritesNothing(t *testing.T, s Discounts) {
	put(t, s, product("A", 5))
	d := code("ONCE", 1)
	must(t, s.PutDiscountCode(ctx, d))
	create(t, s, withCode(order(1, line(1, "A", 1)), d))
	err := s.CreateOrder(ctx, withCode(order(2, line(1, "A", 1)), d), kassa.Event{At: at}, nil)
	wantCode(t, err, kassa.ECONFLICT)
	if ke, ok := err.(*kassa.Error); !ok || len(ke.Fields) != 1 || ke.Fields[0].Field != "discountCode" {
		var fields []kassa.FieldError
		if ok {
			fields = ke.Fields
		}
		t.Fatalf("used up: fields %+v; want discountCode", fields)
	}
	if n, a := countOrders(t, s), stock(t, s, "A"); n != 1 || a != 4 || used(t, s, "ONCE") != 1 {
		t.Fatalf("after a used-up code: %d orders, stock %d, used %d; want 1, 4, 1", n, a, used(t, s, "ONCE"))
	}
}

func testReleaseGivesUseBack(t *testing.T, s Discounts) {
	put(t, s, product("A", 5))
	d := code("ONCE", 1)
	must(t, s.PutDiscountCode(ctx, d))
	o := create(t, s, withCode(order(1, line(1, "A", 1)), d))
	o.Status = kassa.StatusProcessing
	must(t, s.UpdateOrder(ctx, o, nil, nil))
	if n := used(t, s, "ONCE"); n != 1 {
		t.Fatalf("used %d while processing; want 1", n)
	}
	o.Status = kassa.StatusCancelled
	must(t, s.UpdateOrder(ctx, o, nil, nil))
	o.Status = kassa.StatusFailed
	must(t, s.UpdateOrder(ctx, o, nil, nil))
	if n := used(t, s, "ONCE"); n != 0 {
		t.Fatalf("used %d after the order was cancelled (and written again); want 0, given back once", n)
	}
	again := create(t, s, withCode(order(2, line(1, "A", 1)), d))
	if n := used(t, s, "ONCE"); n != 1 || again.ID == 0 {
		t.Fatalf("used %d after the use came back and was taken again; want 1", n)
	}
}

// testConcurrentUses: buyers place orders with a code of limit uses at
// once; exactly limit orders get it, the others are refused and write
// nothing.
func testConcurrentUses(t *testing.T, s Discounts) {
	const limit, buyers = 5, 24
	put(t, s, product("A", buyers))
	d := code("RUSH", limit)
	must(t, s.PutDiscountCode(ctx, d))
	var wg sync.WaitGroup
	var mu sync.Mutex
	placed, refused := 0, 0
	for i := range buyers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			err := s.CreateOrder(ctx, withCode(order(i, line(1, "A", 1)), d), kassa.Event{At: time.Now()}, nil)
			mu.Lock()
			defer mu.Unlock()
			switch kassa.ErrorCode(err) {
			case "":
				placed++
			case kassa.ECONFLICT:
				refused++
			default:
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if placed != limit || refused != buyers-limit {
		t.Fatalf("%d placed, %d refused; want %d and %d", placed, refused, limit, buyers-limit)
	}
	if n, a := used(t, s, "RUSH"), stock(t, s, "A"); n != limit || a != buyers-limit || countOrders(t, s) != limit {
		t.Fatalf("used %d, stock %d, %d orders; want %d, %d, %d", n, a, countOrders(t, s), limit, buyers-limit, limit)
	}
}
