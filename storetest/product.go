package storetest

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/kassa-dev/kassa"
)

func testProducts(t *testing.T, s kassa.Catalog) {
	ps, err := s.Products(ctx)
	must(t, err)
	if len(ps) != 0 {
		t.Fatalf("new store has %d products, want none", len(ps))
	}
	c, a, b := product("C-3", 3), product("A-1", 0), product("B-2", 7)
	put(t, s, c, a, b)
	ps, err = s.Products(ctx)
	must(t, err)
	if d := diff([]kassa.Product{a, b, c}, ps); d != "" {
		t.Fatalf("Products (-want +got):\n%s", d)
	}
	got, err := s.Product(ctx, "B-2")
	must(t, err)
	if d := diff(b, got); d != "" {
		t.Fatalf("Product (-want +got):\n%s", d)
	}
	wantTerms(t, s, b) // twice: a store that keeps terms answers the second from memory
	wantTerms(t, s, b)
	b.Name, b.Price, b.Stock, b.VATRate = "Renamed", 99, 1, 600
	put(t, s, b)
	got, err = s.Product(ctx, "B-2")
	must(t, err)
	if d := diff(b, got); d != "" {
		t.Fatalf("Product after replace (-want +got):\n%s", d)
	}
	wantTerms(t, s, b)
	_, err = s.Product(ctx, "NOPE")
	wantCode(t, err, kassa.ENOTFOUND)
	_, err = s.ProductTerms(ctx, "NOPE")
	wantCode(t, err, kassa.ENOTFOUND)
	if ke := (*kassa.Error)(nil); !errors.As(err, &ke) || !strings.Contains(ke.Op, "ProductTerms") {
		t.Errorf("ProductTerms(NOPE) = %v; want its own operation named", err)
	}
}

// wantTerms fails unless ProductTerms answers p without its stock.
func wantTerms(t *testing.T, s kassa.Catalog, p kassa.Product) {
	t.Helper()
	got, err := s.ProductTerms(ctx, p.SKU)
	must(t, err)
	p.Stock = 0
	if d := diff(p, got); d != "" {
		t.Fatalf("ProductTerms(%s) (-want +got):\n%s", p.SKU, d)
	}
}

func testProductInvalid(t *testing.T, s kassa.Catalog) {
	a := product("A-1", 5)
	put(t, s, a)
	wantTerms(t, s, a)
	for name, p := range map[string]kassa.Product{
		"no sku":         {Name: "x", Price: 1, Stock: 1},
		"no name":        {SKU: "A-1", Price: 1, Stock: 1},
		"negative price": {SKU: "A-1", Name: "x", Price: -1, Stock: 1},
		"negative stock": {SKU: "A-1", Name: "x", Price: 1, Stock: -1},
		"negative vat":   {SKU: "A-1", Name: "x", Price: 1, VATRate: -1},
	} {
		wantCode(t, s.PutProduct(ctx, p), kassa.EINVALID)
		if got := stock(t, s, "A-1"); got != 5 {
			t.Fatalf("%s: stock = %d after a refused put, want 5", name, got)
		}
		wantTerms(t, s, a)
	}
	ps, err := s.Products(ctx)
	must(t, err)
	if len(ps) != 1 {
		t.Fatalf("%d products after refused puts, want 1", len(ps))
	}
}

func testSettings(t *testing.T, s kassa.Settings) {
	v, ok, err := s.Setting(ctx, "mapi.store_id")
	must(t, err)
	if ok || v != "" {
		t.Fatalf("Setting of a new store = %q, %v; want \"\", false", v, ok)
	}
	must(t, s.PutSetting(ctx, "mapi.store_id", "a"))
	must(t, s.PutSetting(ctx, "mapi.store_id", "b"))
	must(t, s.PutSetting(ctx, "empty", ""))
	for key, want := range map[string]string{"mapi.store_id": "b", "empty": ""} {
		v, ok, err = s.Setting(ctx, key)
		must(t, err)
		if !ok || v != want {
			t.Fatalf("Setting(%q) = %q, %v; want %q, true", key, v, ok, want)
		}
	}
}

func testSwapSetting(t *testing.T, s kassa.Settings) {
	swap := func(key, old, value string, want bool) {
		t.Helper()
		got, err := s.SwapSetting(ctx, key, old, value)
		must(t, err)
		if got != want {
			t.Fatalf("SwapSetting(%q, %q, %q) = %v, want %v", key, old, value, got, want)
		}
	}
	swap("k", "x", "a", false) // missing is "", not "x"
	swap("k", "", "a", true)   // created
	swap("k", "", "b", false)  // exists
	swap("k", "b", "c", false)
	swap("k", "a", "", true) // taken
	swap("k", "", "d", true) // an empty value counts as missing
	if v, ok, err := s.Setting(ctx, "k"); err != nil || !ok || v != "d" {
		t.Fatalf("Setting after swaps = %q, %v, %v; want \"d\"", v, ok, err)
	}
	if _, err := s.SwapSetting(ctx, "", "", "x"); kassa.ErrorCode(err) != kassa.EINVALID {
		t.Fatalf("SwapSetting with an empty key: %v, want EINVALID", err)
	}
}

// testSwapSettingConcurrent: of many processes creating one value at
// once, exactly one wins, and all read back the winner's value.
func testSwapSettingConcurrent(t *testing.T, s kassa.Settings) {
	const n = 8
	var wg sync.WaitGroup
	won := make([]bool, n)
	errs := make([]error, n)
	for i := range n {
		wg.Go(func() { won[i], errs[i] = s.SwapSetting(ctx, "once", "", fmt.Sprint("v", i)) })
	}
	wg.Wait()
	winners := 0
	for i := range n {
		must(t, errs[i])
		if won[i] {
			winners++
		}
	}
	if winners != 1 {
		t.Fatalf("%d concurrent creates won, want 1", winners)
	}
}
