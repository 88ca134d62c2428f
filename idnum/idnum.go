// Package idnum parses, checks and normalises the government ids of the
// Nordic countries Resurs Bank serves: personal identity numbers of people
// and registration numbers of organisations in Sweden, Norway, Finland and
// Denmark (docs/mapi.md §Government ids).
//
// A number that cannot be right is refused with a Problem, which names what
// is wrong (the length, the characters, the date, the check digit) and has
// an English message; the messages and hints are in messages.go.
package idnum

import (
	"strings"
	"time"
)

// Kind says whose number it is.
type Kind int

// The kinds of number.
const (
	Person       Kind = iota + 1 // personal identity number (also coordination and D-numbers)
	Organisation                 // registration number of a company or other organisation
)

// Number is a valid government id.
type Number struct {
	Country string    // ISO 3166 alpha-2: SE, NO, FI or DK
	Kind    Kind      // a person's or an organisation's
	Born    time.Time // a person's date of birth (UTC midnight); zero for an organisation
	norm    string
}

// String returns the normalised form, the one sent to Resurs Bank: see
// the table in docs/mapi.md §Government ids.
func (n Number) String() string { return n.norm }

// Parse parses s as a government id of country (ISO 3166 alpha-2, any
// case). Spaces are ignored. today (in the shop's time zone) decides the
// century of a Swedish number written with 10 digits; a birth date after
// today is refused. The error is a Problem.
func Parse(country, s string, today time.Time) (Number, error) {
	s = strings.Join(strings.Fields(s), "")
	if s == "" {
		return Number{}, ErrLength
	}
	switch country = strings.ToUpper(country); country {
	case "SE":
		return parseSE(s, today)
	case "NO":
		return parseNO(s, today)
	case "FI":
		return parseFI(s, today)
	case "DK":
		return parseDK(s, today)
	}
	return Number{}, ErrCountry
}

// ForPerson parses the number of a private person: a personal identity
// number, never an organisation's (ErrNotPerson).
func ForPerson(country, s string, today time.Time) (Number, error) {
	n, err := Parse(country, s, today)
	if err == nil && n.Kind != Person {
		return Number{}, ErrNotPerson
	}
	return n, err
}

// ForCompany parses the number a company is registered under: an
// organisation number, or in Sweden, where a sole trader's organisation
// number is the owner's personal identity number, that too. Anything else
// is ErrNotCompany.
func ForCompany(country, s string, today time.Time) (Number, error) {
	n, err := Parse(country, s, today)
	if err == nil && n.Kind != Organisation && n.Country != "SE" {
		return Number{}, ErrNotCompany
	}
	return n, err
}

// person returns the Number of a person born on y-m-d, or ErrDate when
// that date does not exist or lies after today.
func person(country string, y, m, d int, today time.Time, norm string) (Number, error) {
	born := time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC)
	if m < 1 || m > 12 || d < 1 || born.Day() != d || born.After(dateOf(today)) {
		return Number{}, ErrDate
	}
	return Number{Country: country, Kind: Person, Born: born, norm: norm}, nil
}

// dateOf returns the calendar date of t as UTC midnight.
func dateOf(t time.Time) time.Time {
	y, m, d := t.Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// digits reports whether s is made of ASCII digits only.
func digits(s string) bool {
	return strings.IndexFunc(s, func(r rune) bool { return r < '0' || r > '9' }) < 0
}

// num returns the value of the decimal digits s[i:j].
func num(s string, i, j int) int {
	n := 0
	for _, c := range s[i:j] {
		n = n*10 + int(c-'0')
	}
	return n
}

// weighted returns the sum of the digits of s times weights, pairwise.
func weighted(s string, weights ...int) int {
	sum := 0
	for i, w := range weights {
		sum += int(s[i]-'0') * w
	}
	return sum
}

// mod11 returns the check digit 11 - sum mod 11 (0 for 11) of the digits of
// s with weights, and false when that is 10, which no valid number has.
func mod11(s string, weights ...int) (int, bool) {
	c := (11 - weighted(s, weights...)%11) % 11
	return c, c != 10
}

// cutDash removes the dash at index i of s, if there is one.
func cutDash(s string, i int) string {
	if len(s) > i && s[i] == '-' {
		return s[:i] + s[i+1:]
	}
	return s
}
