// Package kassa holds the domain of a checkout that takes payments through
// Resurs Bank's Merchant API (MAPI): orders, lines, money, statuses, events,
// callbacks, the store contract and the one pure function that decides how
// an order's status follows its payment.
//
// The order status graph (docs/architecture.md §Order statuses) is monotonic:
//
//	pending ──► on-hold ──► processing ──► completed ──► refunded
//	   │           │            │
//	   ├───────────┴──► failed  └──► cancelled (fully cancelled at Resurs)
//	   └───────────┴──► cancelled
//
// A stale or repeated payment read never moves an order backwards; see Transition.
//
// This package imports only the standard library. Adapters live in
// subpackages named after what they adapt: mapi (the bank client), mapisim
// (a MAPI simulator), sqlite (the store), checkout (the engine), web (HTTP).
package kassa

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// Money is an amount in hundredths of the currency unit (öre, cents).
// It is never a float.
type Money int64

// String formats m with two decimals, e.g. "1299.00" or "-20.05".
func (m Money) String() string {
	var buf [24]byte
	return string(m.Append(buf[:0]))
}

// Append appends m to b as String formats it.
func (m Money) Append(b []byte) []byte {
	n := uint64(m) // uint64 so that the most negative Money negates too
	if m < 0 {
		n = -n
		b = append(b, '-')
	}
	b = strconv.AppendUint(b, n/100, 10)
	return append(b, '.', byte('0'+n%100/10), byte('0'+n%10))
}

// ParseMoney parses "12", "12.5" or "12.50" (at most two decimals).
func ParseMoney(s string) (Money, error) {
	s = strings.TrimSpace(s)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	whole, frac, hasFrac := strings.Cut(s, ".")
	if whole == "" || len(frac) > 2 || (hasFrac && frac == "") || len(whole) > 12 {
		return 0, fmt.Errorf("invalid amount %q: want a number with at most 2 decimals", s)
	}
	for _, part := range []string{whole, frac} {
		for _, c := range part {
			if c < '0' || c > '9' {
				return 0, fmt.Errorf("invalid amount %q: want a number with at most 2 decimals", s)
			}
		}
	}
	w, err := strconv.ParseInt(whole, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("invalid amount %q: %w", s, err)
	}
	frac += strings.Repeat("0", 2-len(frac))
	f, _ := strconv.ParseInt(frac, 10, 64)
	m := Money(w*100 + f)
	if neg {
		m = -m
	}
	return m, nil
}

// ParseAmount parses an amount as a person types it into a form, the
// Swedish way or the English way: "100,50", "100.50", "100", and with the
// thousands grouped by spaces (plain, no-break or narrow no-break):
// "1 000,50". One decimal mark, at most two decimals; groups after the
// first have three digits, so "1 00" and "1,000.50" are refused rather
// than guessed.
func ParseAmount(s string) (Money, error) {
	s = strings.TrimSpace(s)
	whole, frac, hasFrac := strings.Cut(strings.Replace(s, ",", ".", 1), ".")
	groups := strings.FieldsFunc(whole, isGroupSpace)
	if len(groups) == 0 || strings.Join(groups, " ") != normalSpaces(whole) {
		return 0, fmt.Errorf("invalid amount %q: want a number such as 100,50", s)
	}
	for _, g := range groups[1:] {
		if len(g) != 3 {
			return 0, fmt.Errorf("invalid amount %q: digits in groups of three, such as 1 000,50", s)
		}
	}
	if len(groups[0]) > 3 && len(groups) > 1 {
		return 0, fmt.Errorf("invalid amount %q: digits in groups of three, such as 1 000,50", s)
	}
	plain := strings.Join(groups, "")
	if hasFrac {
		plain += "." + frac
	}
	m, err := ParseMoney(plain)
	if err != nil {
		return 0, fmt.Errorf("invalid amount %q: want a number with at most 2 decimals, such as 100,50", s)
	}
	return m, nil
}

// isGroupSpace reports whether r separates groups of thousands: a space,
// a no-break space or a narrow no-break space.
func isGroupSpace(r rune) bool { return r == ' ' || r == '\u00a0' || r == '\u202f' }

// normalSpaces writes every group space of s as a plain space.
func normalSpaces(s string) string {
	return strings.Map(func(r rune) rune {
		if isGroupSpace(r) {
			return ' '
		}
		return r
	}, s)
}

// VATPart returns the VAT contained in gross for a rate in hundredths of a
// percent (2500 = 25 %), rounded half away from zero to the hundredth:
// vat = gross × rate / (10000 + rate).
func VATPart(gross Money, rate int64) Money {
	num := int64(gross) * rate
	den := 10000 + rate
	if den == 0 {
		return 0
	}
	q, r := num/den, num%den
	if r < 0 {
		r = -r
	}
	if 2*r >= den {
		if num < 0 {
			q--
		} else {
			q++
		}
	}
	return Money(q)
}

// Error codes of Error.Code. They are stable, for machines; Message is for people.
const (
	EINVALID      = "invalid"          // bad input; Fields say which
	ENOTFOUND     = "not_found"        // no such entity
	ECONFLICT     = "conflict"         // state changed underneath (version, stock)
	EDECLINED     = "payment_declined" // Resurs refused
	EUNAVAILABLE  = "bank_unavailable" // Resurs could not be reached
	EUNAUTHORIZED = "unauthorized"     // bad key, token or credentials
	EINTERNAL     = "internal"
)

// FieldError is one field-level validation error. Field is a JSON path such
// as "customer.email" or "lines[1].quantity".
type FieldError struct {
	Field   string `json:"field"`
	Message string `json:"message"`
	Said
}

// Said names a message in the shop's catalogs (package locale) and the
// arguments of its placeholders, so that a page can say it in the
// reader's language. The Message beside it is its English text, for the
// JSON API and the logs. A message with no ID is shown as it is.
type Said struct {
	ID   string `json:"-"`
	Args []any  `json:"-"`
}

// Error is the application error. Message is safe to show to a customer or
// an admin (in English; Said names it for a page in another language);
// Err (the cause) is for logs.
type Error struct {
	Code    string
	Message string
	Said
	Fields []FieldError
	Op     string
	Err    error
}

func (e *Error) Error() string {
	var b strings.Builder
	if e.Op != "" {
		b.WriteString(e.Op + ": ")
	}
	b.WriteString(e.Code)
	if e.Message != "" {
		b.WriteString(": " + e.Message)
	}
	for _, f := range e.Fields {
		fmt.Fprintf(&b, "; %s: %s", f.Field, f.Message)
	}
	if e.Err != nil {
		b.WriteString(": " + e.Err.Error())
	}
	return b.String()
}

func (e *Error) Unwrap() error { return e.Err }

// Errorf returns an *Error with code and a formatted message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// ErrorCode returns the code of the first *Error in err's chain, EINTERNAL
// for any other non-nil error, and "" for nil.
func ErrorCode(err error) string {
	var e *Error
	switch {
	case err == nil:
		return ""
	case errors.As(err, &e):
		return e.Code
	default:
		return EINTERNAL
	}
}

// ErrorMessage returns the human message of err's *Error, or a generic text.
func ErrorMessage(err error) string {
	var e *Error
	if errors.As(err, &e) && e.Message != "" {
		return e.Message
	}
	return "An internal error occurred."
}
