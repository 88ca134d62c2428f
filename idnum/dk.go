package idnum

import "time"

// parseDK parses a Danish CPR number, DDMMYY-SSSS (also without the dash),
// normalised to the form with the dash: the date must exist and the first
// digit of SSSS gives the century; since 2007 it has no check digit. Or a
// CVR number of 8 digits with a mod-11 check (weights 2,7,6,5,4,3,2,1),
// normalised to its digits.
func parseDK(s string, today time.Time) (Number, error) {
	s = cutDash(s, 6)
	switch {
	case !digits(s):
		return Number{}, ErrFormat
	case len(s) == 8:
		if weighted(s, 2, 7, 6, 5, 4, 3, 2, 1)%11 != 0 {
			return Number{}, ErrCheckDigit
		}
		return Number{Country: "DK", Kind: Organisation, norm: s}, nil
	case len(s) != 10:
		return Number{}, ErrLength
	}
	yy := num(s, 4, 6)
	return person("DK", centuryDK(yy, s[6]-'0')+yy, num(s, 2, 4), num(s, 0, 2), today, s[:6]+"-"+s[6:])
}

// centuryDK returns the century of a CPR number from its two-digit year
// and the first digit of its serial number.
func centuryDK(yy int, first byte) int {
	switch {
	case first <= 3:
		return 1900
	case first == 4 || first == 9:
		if yy <= 36 {
			return 2000
		}
		return 1900
	case yy <= 57:
		return 2000
	}
	return 1800
}
