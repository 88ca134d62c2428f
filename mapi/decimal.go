package mapi

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// Decimal is an exact number with at most two decimals, stored as hundredths.
// MAPI uses it for amounts (in major currency units), quantities and VAT rates.
// It marshals to JSON as a number with exactly two decimals (12.5 → 12.50)
// and never passes through float64.
type Decimal int64

// MaxDecimal is the largest magnitude MAPI accepts: 10 integer digits and 2
// decimals (docs/mapi.md §Amounts, "numeric value out of bounds (<10 digits>.<2 digits> expected)").
const MaxDecimal Decimal = 9_999_999_999_99

// ErrDecimalPrecision is returned when a value has more than two decimals.
var ErrDecimalPrecision = errors.New("mapi: more than 2 decimals")

// ErrDecimalRange is returned when a value has more than 10 integer digits.
var ErrDecimalRange = errors.New("mapi: numeric value out of bounds (10 digits and 2 decimals expected)")

// Hundredths returns d as an integer count of hundredths (öre, cents).
func (d Decimal) Hundredths() int64 { return int64(d) }

// Units makes a Decimal from whole units (e.g. 25 for a 25 % VAT rate).
func Units(n int64) Decimal { return Decimal(n * 100) }

// String formats d with exactly two decimals, e.g. "-20.05".
func (d Decimal) String() string {
	var buf [24]byte
	return string(d.appendTo(buf[:0]))
}

// appendTo appends d with exactly two decimals, e.g. "-20.05", to b. It is
// String without fmt: amounts are written for every MAPI request.
func (d Decimal) appendTo(b []byte) []byte {
	n := uint64(d)
	if d < 0 {
		b = append(b, '-')
		n = -n // two's complement: right for math.MinInt64 too
	}
	b = strconv.AppendUint(b, n/100, 10)
	cents := n % 100
	return append(b, '.', byte('0'+cents/10), byte('0'+cents%10))
}

// Valid reports an error when d is out of MAPI's range.
func (d Decimal) Valid() error {
	if d > MaxDecimal || d < -MaxDecimal {
		return fmt.Errorf("%w: %s", ErrDecimalRange, d)
	}
	return nil
}

// ParseDecimal parses a decimal number such as "898", "179.6", "-20.05" or
// "1e2". More than two significant decimals is ErrDecimalPrecision;
// more than 10 integer digits is ErrDecimalRange.
func ParseDecimal(s string) (Decimal, error) {
	orig := s
	if s == "" {
		return 0, fmt.Errorf("mapi: empty number")
	}
	neg := false
	switch s[0] {
	case '-':
		neg, s = true, s[1:]
	case '+':
		s = s[1:]
	}
	exp := 0
	if i := strings.IndexAny(s, "eE"); i >= 0 {
		e, err := strconv.Atoi(s[i+1:])
		if err != nil || e > 20 || e < -20 {
			return 0, fmt.Errorf("mapi: bad number %q", orig)
		}
		exp, s = e, s[:i]
	}
	intPart, frac, _ := strings.Cut(s, ".")
	if intPart == "" && frac == "" || !allDigits(intPart) || !allDigits(frac) {
		return 0, fmt.Errorf("mapi: bad number %q", orig)
	}
	digits := intPart + frac
	scale := len(frac) - exp // value = digits × 10^-scale
	digits = strings.TrimLeft(digits, "0")
	// Drop trailing zeros that sit beyond the second decimal.
	for scale > 2 && strings.HasSuffix(digits, "0") {
		digits, scale = digits[:len(digits)-1], scale-1
	}
	if digits == "" {
		return 0, nil
	}
	if scale > 2 {
		return 0, fmt.Errorf("%w: %q", ErrDecimalPrecision, orig)
	}
	digits += strings.Repeat("0", 2-scale)
	if len(digits) > 12 {
		return 0, fmt.Errorf("%w: %q", ErrDecimalRange, orig)
	}
	n, err := strconv.ParseInt(digits, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("mapi: bad number %q: %w", orig, err)
	}
	if neg {
		n = -n
	}
	return Decimal(n), nil
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// MarshalJSON writes d as a JSON number with exactly two decimals.
func (d Decimal) MarshalJSON() ([]byte, error) {
	if err := d.Valid(); err != nil {
		return nil, err
	}
	return d.appendTo(make([]byte, 0, 16)), nil
}

// UnmarshalJSON reads a JSON number (or a numeric string) exactly.
func (d *Decimal) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		return nil
	}
	if len(b) >= 2 && b[0] == '"' && b[len(b)-1] == '"' {
		b = b[1 : len(b)-1]
	}
	if v, ok := parsePlain(b); ok {
		*d = v
		return nil
	}
	v, err := ParseDecimal(strings.Trim(string(b), `"`))
	if err != nil {
		return err
	}
	*d = v
	return nil
}

// parsePlain parses the form almost every amount in a MAPI answer has,
// [-]digits[.d[d]] with at most 12 digits, without allocating; ok is false
// for anything else, which ParseDecimal then accepts or refuses. For the
// inputs it accepts it answers exactly as ParseDecimal (FuzzDecimal).
func parsePlain(b []byte) (_ Decimal, ok bool) {
	neg := len(b) > 0 && b[0] == '-'
	if neg {
		b = b[1:]
	}
	var n int64
	digits, decimals, dot := 0, 0, false
	for _, c := range b {
		switch {
		case c >= '0' && c <= '9':
			if dot {
				decimals++
			}
			digits++
			n = n*10 + int64(c-'0')
		case c == '.' && !dot:
			dot = true
		default:
			return 0, false
		}
	}
	if digits == 0 || digits > 12 || decimals > 2 || (dot && decimals == 0) {
		return 0, false
	}
	for ; decimals < 2; decimals++ {
		n *= 10
	}
	if Decimal(n) > MaxDecimal {
		return 0, false
	}
	if neg {
		n = -n
	}
	return Decimal(n), true
}
