package idnum

import (
	"strings"
	"time"
)

// fiCheckChars are the check characters of a henkilötunnus, by remainder
// mod 31.
const fiCheckChars = "0123456789ABCDEFHJKLMNPRSTUVWXY"

// fiCenturies maps the century sign of a henkilötunnus to its century.
var fiCenturies = map[byte]int{'+': 1800,
	'-': 1900, 'Y': 1900, 'X': 1900, 'W': 1900, 'V': 1900, 'U': 1900,
	'A': 2000, 'B': 2000, 'C': 2000, 'D': 2000, 'E': 2000, 'F': 2000}

// parseFI parses a Finnish henkilötunnus, DDMMYYCZZZQ with the century
// sign C, the individual number ZZZ and the check character Q, normalised
// to upper case; or a Y-tunnus, 1234567-8 (also without the dash) with a
// mod-11 check digit, normalised to the form with the dash.
func parseFI(s string, today time.Time) (Number, error) {
	s = strings.ToUpper(s)
	if len(s) > 6 && fiCenturies[s[6]] != 0 {
		return personFI(s, today)
	}
	s = cutDash(s, 7)
	switch {
	case !digits(s):
		return Number{}, ErrFormat
	case len(s) != 8:
		return Number{}, ErrLength
	}
	r := weighted(s, 7, 9, 10, 5, 8, 4, 2) % 11
	if r == 1 || (11-r)%11 != num(s, 7, 8) {
		return Number{}, ErrCheckDigit
	}
	return Number{Country: "FI", Kind: Organisation, norm: s[:7] + "-" + s[7:]}, nil
}

// personFI checks a henkilötunnus, whose seventh character is a century
// sign.
func personFI(s string, today time.Time) (Number, error) {
	if len(s) != 11 {
		return Number{}, ErrLength
	}
	nine := s[:6] + s[7:10]
	if !digits(nine) || strings.IndexByte(fiCheckChars, s[10]) < 0 {
		return Number{}, ErrFormat
	}
	n, err := person("FI", fiCenturies[s[6]]+num(s, 4, 6), num(s, 2, 4), num(s, 0, 2), today, s)
	if err == nil && fiCheckChars[num(nine, 0, 9)%31] != s[10] {
		return Number{}, ErrCheckDigit
	}
	return n, err
}
