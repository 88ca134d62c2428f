package mapi

import (
	"encoding/json"
	"errors"
	"math"
	"testing"
)

func TestParseDecimal(t *testing.T) {
	tests := []struct {
		in   string
		want Decimal
		err  error // nil, ErrDecimalPrecision, ErrDecimalRange or errBad
	}{
		{"898", 89800, nil},
		{"179.6", 17960, nil},
		{"-20.05", -2005, nil},
		{"+1.5", 150, nil},
		{"0", 0, nil},
		{"-0.00", 0, nil},
		{".5", 50, nil},
		{"5.", 500, nil},
		{"1e2", 10000, nil},
		{"1.5E-1", 15, nil},
		{"12.3400000", 1234, nil},
		{"0.001", 0, ErrDecimalPrecision},
		{"1310.259999999999990905", 0, ErrDecimalPrecision},
		{"9999999999.99", MaxDecimal, nil},
		{"-9999999999.99", -MaxDecimal, nil},
		{"10000000000", 0, ErrDecimalRange},
		{"1e10", 0, ErrDecimalRange},
		{"00000000000000001.25", 125, nil},
		{"", 0, errBad},
		{"-", 0, errBad},
		{".", 0, errBad},
		{"1,5", 0, errBad},
		{"1.2.3", 0, errBad},
		{"--1", 0, errBad},
		{"1e", 0, errBad},
		{"1e99", 0, errBad},
		{"NaN", 0, errBad},
		{" 1", 0, errBad},
	}
	for _, tc := range tests {
		got, err := ParseDecimal(tc.in)
		switch {
		case tc.err == nil && err != nil:
			t.Errorf("ParseDecimal(%q) error %v", tc.in, err)
		case tc.err == errBad && err == nil:
			t.Errorf("ParseDecimal(%q) = %v, want an error", tc.in, got)
		case tc.err != nil && tc.err != errBad && !errors.Is(err, tc.err):
			t.Errorf("ParseDecimal(%q) error %v, want %v", tc.in, err, tc.err)
		case tc.err == nil && got != tc.want:
			t.Errorf("ParseDecimal(%q) = %d, want %d", tc.in, got, tc.want)
		}
	}
}

var errBad = errors.New("any error")

func TestDecimalString(t *testing.T) {
	for d, want := range map[Decimal]string{0: "0.00", 5: "0.05", -5: "-0.05", 1250: "12.50", -2005: "-20.05",
		MaxDecimal: "9999999999.99", math.MinInt64: "-92233720368547758.08", math.MaxInt64: "92233720368547758.07"} {
		if got := d.String(); got != want {
			t.Errorf("Decimal(%d).String() = %q, want %q", int64(d), got, want)
		}
	}
}

func TestDecimalJSON(t *testing.T) {
	type wrap struct {
		A Decimal  `json:"a"`
		B *Decimal `json:"b,omitempty"`
	}
	b, err := json.Marshal(wrap{A: 1250, B: decp("-0.5")})
	if err != nil || string(b) != `{"a":12.50,"b":-0.50}` {
		t.Errorf("Marshal = %s, %v", b, err)
	}
	if _, err := json.Marshal(wrap{A: MaxDecimal + 1}); !errors.Is(err, ErrDecimalRange) {
		t.Errorf("Marshal out of range: %v", err)
	}
	var w wrap
	if err := json.Unmarshal([]byte(`{"a":"179.6","b":null}`), &w); err != nil || w.A != 17960 || w.B != nil {
		t.Errorf("Unmarshal = %+v, %v", w, err)
	}
	if err := json.Unmarshal([]byte(`{"a":0.125}`), &w); !errors.Is(err, ErrDecimalPrecision) {
		t.Errorf("Unmarshal 0.125: %v", err)
	}
	// Forms the fast path leaves to ParseDecimal.
	for in, want := range map[string]Decimal{`1.5e2`: 15000, `0.500`: 50, `"-0012.3"`: -1230, `"7"`: 700} {
		if err := json.Unmarshal([]byte(`{"a":`+in+`}`), &w); err != nil || w.A != want {
			t.Errorf("Unmarshal %s = %d, %v; want %d", in, w.A, err, want)
		}
	}
	if err := json.Unmarshal([]byte(`{"a":99999999999}`), &w); !errors.Is(err, ErrDecimalRange) {
		t.Errorf("Unmarshal 99999999999: %v, want ErrDecimalRange", err)
	}
}

// FuzzDecimal checks that every valid Decimal survives String→Parse and
// JSON, that whatever ParseDecimal accepts is in range and round-trips, and
// that the fast path of UnmarshalJSON (parsePlain) agrees with it.
// The seed corpus is in testdata/fuzz/FuzzDecimal.
func FuzzDecimal(f *testing.F) {
	f.Add(int64(0), "0")
	f.Add(int64(-2005), "-20.05")
	f.Add(int64(MaxDecimal), "9999999999.99")
	f.Fuzz(func(t *testing.T, n int64, s string) {
		if d := Decimal(n); d.Valid() == nil {
			roundTrip(t, d)
		}
		d, err := ParseDecimal(s)
		if p, ok := parsePlain([]byte(s)); ok && (err != nil || p != d) {
			t.Fatalf("parsePlain(%q) = %d; ParseDecimal = %d, %v", s, p, d, err)
		}
		if err != nil {
			return
		}
		if d.Valid() != nil {
			t.Fatalf("ParseDecimal(%q) = %d, out of range", s, d)
		}
		roundTrip(t, d)
	})
}

func roundTrip(t *testing.T, d Decimal) {
	t.Helper()
	back, err := ParseDecimal(d.String())
	if err != nil || back != d {
		t.Fatalf("ParseDecimal(%q) = %d, %v; want %d", d.String(), back, err, d)
	}
	b, err := json.Marshal(d)
	if err != nil {
		t.Fatalf("Marshal(%d): %v", d, err)
	}
	var j Decimal
	if err := json.Unmarshal(b, &j); err != nil || j != d {
		t.Fatalf("JSON %s → %d, %v; want %d", b, j, err, d)
	}
}
