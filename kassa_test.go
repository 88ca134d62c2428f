package kassa_test

import (
	"errors"
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/kassa-dev/kassa"
)

func TestMoneyString(t *testing.T) {
	for _, tt := range []struct {
		m    kassa.Money
		want string
	}{
		{0, "0.00"},
		{1, "0.01"},
		{-1, "-0.01"},
		{10, "0.10"},
		{100, "1.00"},
		{129900, "1299.00"},
		{-2005, "-20.05"},
		{123456789, "1234567.89"},
		{math.MaxInt64, "92233720368547758.07"},
		{math.MinInt64, "-92233720368547758.08"},
	} {
		if got := tt.m.String(); got != tt.want {
			t.Errorf("Money(%d).String() = %q, want %q", int64(tt.m), got, tt.want)
		}
	}
}

func TestParseMoney(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want kassa.Money
	}{
		{"0", 0},
		{"12", 1200},
		{"12.5", 1250},
		{"12.50", 1250},
		{"12.05", 1205},
		{"0.01", 1},
		{"-20.05", -2005},
		{"-0", 0},
		{" 7.10\n", 710},
		{"007", 700},
		{"999999999999.99", 99999999999999},
	} {
		got, err := kassa.ParseMoney(tt.in)
		if err != nil || got != tt.want {
			t.Errorf("ParseMoney(%q) = %d, %v; want %d", tt.in, got, err, tt.want)
		}
	}
	for _, in := range []string{"", " ", "-", ".", "1.", ".5", "1.234", "1,50", "1 000", "+1", "--1",
		"1e3", "0x10", "١٢", "12.5a", "NaN", "1000000000000", "-1.-5"} {
		if got, err := kassa.ParseMoney(in); err == nil {
			t.Errorf("ParseMoney(%q) = %d, want an error", in, got)
		}
	}
}

func TestParseAmount(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want kassa.Money
	}{
		{"100,50", 10050},
		{"100.50", 10050},
		{"100", 10000},
		{"100,5", 10050},
		{"0,01", 1},
		{"1 000,50", 100050},
		{"1\u00a0000,50", 100050},
		{"1\u202f000,50", 100050},
		{"12 345 678.90", 1234567890},
		{" 7,10 ", 710},
	} {
		got, err := kassa.ParseAmount(tt.in)
		if err != nil || got != tt.want {
			t.Errorf("ParseAmount(%q) = %d, %v; want %d", tt.in, got, err, tt.want)
		}
	}
	for _, in := range []string{"", " ", ",", "1,", ",5", "1,234", "1,000.50", "1.000,50", "1,5,0",
		"1 00", "1000 000", "1  000", "10 00,50", "1 000 0", "abc", "1e3", "100,50 kr"} {
		if got, err := kassa.ParseAmount(in); err == nil {
			t.Errorf("ParseAmount(%q) = %d, want an error", in, got)
		}
	}
}

// FuzzParseMoney checks that every accepted input formats back to a
// canonical form that parses to the same amount. The seed corpus is in
// testdata/fuzz/FuzzParseMoney.
func FuzzParseMoney(f *testing.F) {
	for _, s := range []string{"12.50", "-0.01", "abc", "1.234"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		m, err := kassa.ParseMoney(s)
		if err != nil {
			return
		}
		str := m.String()
		back, err := kassa.ParseMoney(str)
		if err != nil || back != m {
			t.Fatalf("ParseMoney(%q) = %d, formatted %q, parsed back %d, %v", s, m, str, back, err)
		}
		if frac := str[strings.IndexByte(str, '.')+1:]; len(frac) != 2 {
			t.Fatalf("%d formats as %q, not with two decimals", m, str)
		}
	})
}

func TestVATPart(t *testing.T) {
	for _, tt := range []struct {
		gross kassa.Money
		rate  int64
		want  kassa.Money
	}{
		{12500, 2500, 2500},   // 125.00 incl. 25 % = 25.00
		{100, 2500, 20},       // exact
		{1, 2500, 0},          // 0.2 öre
		{3, 2500, 1},          // 0.6 öre
		{-3, 2500, -1},        // symmetric
		{11200, 1200, 1200},   // 112.00 incl. 12 %
		{14, 1200, 2},         // 1.5 öre: half away from zero
		{-14, 1200, -2},       // -1.5 öre: half away from zero
		{13, 1200, 1},         // 1.39 öre
		{1, 10000, 1},         // 0.5 öre at 100 %
		{-1, 10000, -1},       // -0.5 öre
		{3, 10000, 2},         // 1.5 öre
		{10600, 600, 600},     // 106.00 incl. 6 %
		{29900, 600, 1692},    // 1692.45… öre
		{7995, 1200, 857},     // 856.607… öre
		{179500, 2500, 35900}, // exact
		{12345, 0, 0},         // no VAT
		{0, 2500, 0},
		{12345, -10000, 0}, // nonsense rate: no VAT rather than a division by zero
	} {
		if got := kassa.VATPart(tt.gross, tt.rate); got != tt.want {
			t.Errorf("VATPart(%s, %d) = %s, want %s", tt.gross, tt.rate, got, tt.want)
		}
	}
}

func TestErrorCodeAndMessage(t *testing.T) {
	e := kassa.Errorf(kassa.ECONFLICT, "Only %d left.", 2)
	wrapped := fmt.Errorf("ctx: %w", e)
	for _, tt := range []struct {
		err       error
		code, msg string
	}{
		{nil, "", "An internal error occurred."},
		{errors.New("boom"), kassa.EINTERNAL, "An internal error occurred."},
		{wrapped, kassa.ECONFLICT, "Only 2 left."},
	} {
		if got := kassa.ErrorCode(tt.err); got != tt.code {
			t.Errorf("ErrorCode(%v) = %q, want %q", tt.err, got, tt.code)
		}
		if got := kassa.ErrorMessage(tt.err); got != tt.msg {
			t.Errorf("ErrorMessage(%v) = %q, want %q", tt.err, got, tt.msg)
		}
	}
	full := &kassa.Error{Code: kassa.EINVALID, Message: "Bad.", Op: "op", Err: errors.New("cause"),
		Fields: []kassa.FieldError{{Field: "lines[0].quantity", Message: "must be at least 1"}}}
	if got, want := full.Error(), "op: invalid: Bad.; lines[0].quantity: must be at least 1: cause"; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
}

func TestDemoCatalog(t *testing.T) {
	ps := kassa.DemoCatalog()
	if len(ps) < 8 || len(ps) > 10 {
		t.Fatalf("%d products, want 8–10", len(ps))
	}
	skus, rates, low := map[string]bool{}, map[int64]bool{}, 0
	for _, p := range ps {
		if p.SKU == "" || skus[p.SKU] || p.Name == "" || p.Description == "" || p.Price <= 0 || p.Stock < 0 {
			t.Errorf("product %+v: empty or repeated SKU, no name/description, or bad price/stock", p)
		}
		skus[p.SKU], rates[p.VATRate] = true, true
		if p.Stock <= 3 {
			low++
		}
	}
	for _, r := range []int64{2500, 1200, 600} {
		if !rates[r] {
			t.Errorf("no product with VAT %d", r)
		}
	}
	if len(rates) != 3 || low == 0 {
		t.Errorf("VAT rates %v, %d products low on stock; want exactly the three Swedish rates and some low stock", rates, low)
	}
}

// TestNormalizePhone: each country's national and international forms
// become one international form; other countries' numbers, wrong lengths
// and letters are refused.
func TestNormalizePhone(t *testing.T) {
	tests := []struct {
		country, in, want string // want "" = refused
	}{
		{"SE", "070-123 45 67", "+46701234567"},
		{"SE", "0701234567", "+46701234567"},
		{"SE", "+46 70 123 45 67", "+46701234567"},
		{"SE", "0046701234567", "+46701234567"},
		{"SE", "+46 (0)70-123 45 67", "+46701234567"},
		{"SE", "08-991 00 00", "+4689910000"},
		{"SE", "701234567", ""},          // no trunk prefix
		{"SE", "+47 912 34 567", ""},     // Norwegian
		{"SE", "070-123 45 67 89 0", ""}, // too long
		{"SE", "call me", ""},
		{"NO", "912 34 567", "+4791234567"},
		{"NO", "+47 912 34 567", "+4791234567"},
		{"NO", "0047 91234567", "+4791234567"},
		{"NO", "9123456", ""},    // 7 digits
		{"NO", "09123 4567", ""}, // starts with 0
		{"FI", "040 123 4567", "+358401234567"},
		{"FI", "+358 40 123 4567", "+358401234567"},
		{"FI", "+3585005555127", "+3585005555127"},
		{"FI", "09 123 4567", "+35891234567"},
		{"FI", "40 123 4567", ""},
		{"DK", "20 12 34 56", "+4520123456"},
		{"DK", "+45 25 55 75 85", "+4525557585"},
		{"DK", "+4525557585", "+4525557585"},
		{"DK", "2012345", ""},
		{"DK", "+46 20 12 34 56", ""},
	}
	for _, tt := range tests {
		c, err := kassa.CountryOf(tt.country)
		if err != nil {
			t.Fatal(err)
		}
		got, ok := c.NormalizePhone(tt.in)
		if ok != (tt.want != "") || got != tt.want {
			t.Errorf("%s NormalizePhone(%q) = %q, %v; want %q", tt.country, tt.in, got, ok, tt.want)
		}
	}
}
