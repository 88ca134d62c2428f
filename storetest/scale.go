package storetest

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"testing"

	"github.com/kassa-dev/kassa"
)

// counts returns the store's order counts without the zeros.
func counts(t *testing.T, s kassa.Orders) map[kassa.Status]int {
	t.Helper()
	c, err := s.OrderCounts(ctx)
	must(t, err)
	for st, n := range c {
		if n == 0 {
			delete(c, st)
		}
	}
	return c
}

// checkCounts fails t unless the store's counts are want and the
// listings' totals agree with them.
func checkCounts(t *testing.T, s kassa.Orders, step string, want map[kassa.Status]int) {
	t.Helper()
	if d := diff(want, counts(t, s)); d != "" {
		t.Fatalf("%s: counts (-want +got):\n%s", step, d)
	}
	all := 0
	for _, st := range kassa.Statuses {
		list, n, err := s.Orders(ctx, kassa.OrderFilter{Status: st, Limit: 1000})
		must(t, err)
		if n != want[st] || len(list) != want[st] {
			t.Fatalf("%s: %s: total %d, %d listed, want %d", step, st, n, len(list), want[st])
		}
		all += n
	}
	if _, n, err := s.Orders(ctx, kassa.OrderFilter{}); err != nil || n != all {
		t.Fatalf("%s: total of all orders %d, %v; want %d", step, n, err, all)
	}
}

func testOrderCounts(t *testing.T, s Orders) {
	checkCounts(t, s, "empty", map[kassa.Status]int{})
	put(t, s, product("A", 3))
	a := create(t, s, order(1, line(1, "A", 1)))
	b := create(t, s, order(2, line(1, "A", 1)))
	c := create(t, s, order(3, shipping))
	err := s.CreateOrder(ctx, order(4, line(1, "A", 5)), kassa.Event{Source: kassa.SourceCheckout}, nil)
	wantCode(t, err, kassa.ECONFLICT)
	checkCounts(t, s, "created", map[kassa.Status]int{kassa.StatusPending: 3})

	a.Status = kassa.StatusProcessing
	must(t, s.UpdateOrder(ctx, a, nil, nil))
	b.Status = kassa.StatusFailed
	must(t, s.UpdateOrder(ctx, b, nil, nil))
	a.SyncAttempts++ // no status change
	must(t, s.UpdateOrder(ctx, a, nil, nil))
	checkCounts(t, s, "updated", map[kassa.Status]int{kassa.StatusPending: 1, kassa.StatusProcessing: 1,
		kassa.StatusFailed: 1})

	stale := *c
	c.Status = kassa.StatusOnHold
	fail := func(context.Context, kassa.Tx) error { return errors.New("hook fails") }
	if err := s.UpdateOrder(ctx, c, nil, fail); err == nil {
		t.Fatal("UpdateOrder with a failing hook succeeded")
	}
	stale.Status = kassa.StatusCancelled
	stale.Version--
	wantCode(t, s.UpdateOrder(ctx, &stale, nil, nil), kassa.ECONFLICT)
	checkCounts(t, s, "refused writes", map[kassa.Status]int{kassa.StatusPending: 1, kassa.StatusProcessing: 1,
		kassa.StatusFailed: 1})

	a.Status, a.Lines = kassa.StatusCompleted, []kassa.Line{shipping}
	must(t, s.ReplaceOrderLines(ctx, a, nil, nil))
	checkCounts(t, s, "lines replaced", map[kassa.Status]int{kassa.StatusPending: 1, kassa.StatusCompleted: 1,
		kassa.StatusFailed: 1})
}

func testOrdersSearchWords(t *testing.T, s Orders) {
	anna := order(1, shipping)
	anna.Customer.Email = "anna.lind@example.se"
	anna.Customer.Address.FirstName, anna.Customer.Address.LastName = "Anna", "Lind"
	anna.Customer.Address.CompanyName = "Lindberg"
	firma := order(2, shipping)
	firma.Customer.Type = kassa.CustomerLegal
	firma.Customer.Email = "inkop@firma.se"
	firma.Customer.Address.FirstName, firma.Customer.Address.LastName = "Bo", "Ek"
	firma.Customer.Address.CompanyName = "Snickeri Ek AB"
	named := order(3, shipping)
	named.Customer.Email = "c@example.se"
	named.Customer.Address.FirstName, named.Customer.Address.LastName = "Cecilia", "Annberg"
	for _, o := range []*kassa.Order{anna, firma, named} {
		create(t, s, o)
	}
	named.PaymentID = "lind" // a payment id that is also a word of another order
	must(t, s.UpdateOrder(ctx, named, nil, nil))
	for _, tt := range []struct {
		q    string
		want []*kassa.Order
	}{
		{"anna", []*kassa.Order{anna}},
		{"Ann", []*kassa.Order{named, anna}}, // a prefix of Annberg and Anna
		{"anna lind", []*kassa.Order{anna}},
		{"lind anna", []*kassa.Order{anna}},
		{"ANNA.LIND@EXAMPLE", []*kassa.Order{anna}},
		{"exa", []*kassa.Order{named, anna}},
		{"snickeri", []*kassa.Order{firma}},
		{"ek ab", []*kassa.Order{firma}},
		{"cecilia annberg", []*kassa.Order{named}},
		{"anna firma", nil},
		{"cecilia annbe", []*kassa.Order{named}}, // a longer beginning
		{"annbx", nil},
		{"ann cecilia", nil}, // only the last word may be a beginning
		{"lind exa", []*kassa.Order{anna}},
		{strconv.FormatInt(firma.ID, 10), []*kassa.Order{firma}},
		{firma.Number, []*kassa.Order{firma}},
		{"k " + strings.TrimPrefix(firma.Number, "K"), []*kassa.Order{firma}},
		{"k anna", []*kassa.Order{anna}}, // every order's number begins with the word k
		{"lind", []*kassa.Order{named}},  // a payment id finds its order alone
		{"lin", []*kassa.Order{anna}},    // lind and lindberg, listed once
		{"example lin", []*kassa.Order{anna}},
		{"anna lindb", []*kassa.Order{anna}},
		{"lindbe", []*kassa.Order{anna}},
		{"cecilia e", []*kassa.Order{named}},
	} {
		got, n, err := s.Orders(ctx, kassa.OrderFilter{Query: tt.q})
		must(t, err)
		if d := diff(ids(tt.want), ids(got)); d != "" || n != len(tt.want) {
			t.Fatalf("query %q: total %d, want %d; ids (-want +got):\n%s", tt.q, n, len(tt.want), d)
		}
	}
	for _, tt := range []struct {
		name string
		f    kassa.OrderFilter
		want []*kassa.Order
		n    int
	}{
		{"payment id", kassa.OrderFilter{Query: "lind", Limit: 1}, []*kassa.Order{named}, 1},
		{"payment id, after", kassa.OrderFilter{Query: "lind", Limit: 1, After: named.ID}, nil, 1},
		{"payment id, before", kassa.OrderFilter{Query: "lind", Limit: 1, Before: anna.ID}, []*kassa.Order{named}, 1},
		{"payment id, before it", kassa.OrderFilter{Query: "lind", Before: named.ID}, nil, 1},
		{"words after", kassa.OrderFilter{Query: "exa", Limit: 1, After: named.ID}, []*kassa.Order{anna}, 2},
		{"words before", kassa.OrderFilter{Query: "exa", Limit: 1, Before: anna.ID}, []*kassa.Order{named}, 2},
		{"status", kassa.OrderFilter{Query: "exa", Status: kassa.StatusPending}, []*kassa.Order{named, anna}, 2},
		{"other status", kassa.OrderFilter{Query: "exa", Status: kassa.StatusFailed}, nil, 0},
		{"payment id, status", kassa.OrderFilter{Query: "lind", Status: kassa.StatusPending}, []*kassa.Order{named}, 1},
		{"payment id, other status", kassa.OrderFilter{Query: "lind", Status: kassa.StatusFailed}, nil, 0},
	} {
		got, n, err := s.Orders(ctx, tt.f)
		must(t, err)
		if d := diff(ids(tt.want), ids(got)); d != "" || n != tt.n {
			t.Fatalf("%s: total %d, want %d; ids (-want +got):\n%s", tt.name, n, tt.n, d)
		}
	}
}

// testOrdersSearchEmail: a query that is a whole e-mail address some order
// has lists the orders of that address alone, ignoring case, with their
// status and pages, not the other orders that hold its words; an address
// no order has is searched by its words.
func testOrdersSearchEmail(t *testing.T, s Orders) {
	var all []*kassa.Order
	for i, email := range []string{"lind.anna@example.se", "anna.lind@example.se.com", "Anna.Lind@Example.se",
		"anna.lind@example.se", "ANNA.LIND@EXAMPLE.SE"} {
		o := order(i, shipping)
		o.Customer.Email = email
		all = append(all, create(t, s, o))
	}
	swapped, longer, a1, a2, a3 := all[0], all[1], all[2], all[3], all[4]
	swapped.Status = kassa.StatusFailed // the words' search would list it with the status
	must(t, s.UpdateOrder(ctx, swapped, nil, nil))
	a2.Status = kassa.StatusProcessing
	must(t, s.UpdateOrder(ctx, a2, nil, nil))
	const q = "anna.lind@example.se"
	for _, tt := range []struct {
		name string
		f    kassa.OrderFilter
		want []*kassa.Order
		n    int
	}{
		{"address", kassa.OrderFilter{Query: q}, []*kassa.Order{a3, a2, a1}, 3},
		{"other case, spaces", kassa.OrderFilter{Query: " Anna.LIND@example.SE "}, []*kassa.Order{a3, a2, a1}, 3},
		{"words swapped", kassa.OrderFilter{Query: "lind.anna@example.se"}, []*kassa.Order{swapped}, 1},
		{"first page", kassa.OrderFilter{Query: q, Limit: 1}, []*kassa.Order{a3}, 3},
		{"after", kassa.OrderFilter{Query: q, Limit: 1, After: a3.ID}, []*kassa.Order{a2}, 3},
		{"after the last", kassa.OrderFilter{Query: q, After: a1.ID}, nil, 3},
		{"before", kassa.OrderFilter{Query: q, Limit: 1, Before: a1.ID}, []*kassa.Order{a2}, 3},
		{"status", kassa.OrderFilter{Query: q, Status: kassa.StatusProcessing}, []*kassa.Order{a2}, 1},
		{"status none of its orders has", kassa.OrderFilter{Query: q, Status: kassa.StatusFailed}, nil, 0},
		{"address nobody has", kassa.OrderFilter{Query: "anna.lind@example.s"},
			[]*kassa.Order{a3, a2, a1, longer, swapped}, 5},
		{"address nobody has, status", kassa.OrderFilter{Query: "anna.lind@example.s", Status: kassa.StatusFailed},
			[]*kassa.Order{swapped}, 1},
		{"not an address", kassa.OrderFilter{Query: "anna.lind@example"}, []*kassa.Order{a3, a2, a1, longer, swapped}, 5},
	} {
		got, n, err := s.Orders(ctx, tt.f)
		must(t, err)
		if d := diff(ids(tt.want), ids(got)); d != "" || n != tt.n {
			t.Fatalf("%s: total %d, want %d; ids (-want +got):\n%s", tt.name, n, tt.n, d)
		}
	}
}

// testOrdersCountCap checks that a search counts at most CountCap+1
// matches, while the listing without a query counts exactly.
func testOrdersCountCap(t *testing.T, s Orders) {
	const n = kassa.CountCap + 2
	var names []string
	for i := range n {
		o := order(i, shipping)
		o.Customer.Address.FirstName = "Kund" + letters(i)
		names = append(names, strings.ToLower(o.Customer.Address.FirstName))
		create(t, s, o)
	}
	_, total, err := s.Orders(ctx, kassa.OrderFilter{Query: "example"})
	must(t, err)
	if total != kassa.CountCap+1 {
		t.Errorf("search total %d, want %d (more than CountCap)", total, kassa.CountCap+1)
	}
	// The first names are Kunda, Kundb … Kundaa …: beginnings of a few and
	// of many of them.
	// "example kunda": a beginning of many words after a word.
	for _, q := range []string{"kunda", "kundab", "kundzz", "kundaab", "kundx", "example kunda", "öberg kundab"} {
		want := 0
		begun := q[strings.LastIndexByte(q, ' ')+1:]
		for _, name := range names {
			if strings.HasPrefix(name, begun) {
				want++
			}
		}
		found, total, err := s.Orders(ctx, kassa.OrderFilter{Query: q, Limit: 1000})
		must(t, err)
		if total != want || len(found) != want {
			t.Errorf("search %q: total %d, %d listed; want %d", q, total, len(found), want)
		}
	}
	list, total, err := s.Orders(ctx, kassa.OrderFilter{Limit: 10})
	must(t, err)
	if total != n || len(list) != 10 {
		t.Errorf("listing total %d with %d orders, want %d with 10", total, len(list), n)
	}
}

// letters is i written in the letters a to z: a, b, … z, aa, ab …
func letters(i int) string {
	s := ""
	for i++; i > 0; i = (i - 1) / 26 {
		s = string(rune('a'+(i-1)%26)) + s
	}
	return s
}
