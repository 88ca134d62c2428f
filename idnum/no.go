package idnum

import "time"

// parseNO parses a Norwegian fødselsnummer or D-nummer (day + 40):
// DDMMYYIIIKK, also written DDMMYY-IIIKK, where the individual number III
// gives the century and KK are two mod-11 check digits; or an
// organisasjonsnummer of 9 digits with one mod-11 check digit. Both are
// normalised to their digits.
func parseNO(s string, today time.Time) (Number, error) {
	s = cutDash(s, 6)
	switch {
	case !digits(s):
		return Number{}, ErrFormat
	case len(s) == 9:
		return organisationNO(s)
	case len(s) != 11:
		return Number{}, ErrLength
	}
	d, m, yy, ind := num(s, 0, 2), num(s, 2, 4), num(s, 4, 6), num(s, 6, 9)
	if d > 40 { // D-nummer
		d -= 40
	}
	y, ok := centuryNO(yy, ind)
	if !ok {
		return Number{}, ErrDate
	}
	n, err := person("NO", y, m, d, today, s)
	if err != nil {
		return Number{}, err
	}
	k1, ok1 := mod11(s, 3, 7, 6, 1, 8, 9, 4, 5, 2)
	k2, ok2 := mod11(s, 5, 4, 3, 2, 7, 6, 5, 4, 3, 2)
	if !ok1 || !ok2 || k1 != num(s, 9, 10) || k2 != num(s, 10, 11) {
		return Number{}, ErrCheckDigit
	}
	return n, nil
}

// centuryNO returns the year of birth given by the two-digit year and the
// individual number, and false for a combination never issued.
func centuryNO(yy, ind int) (int, bool) {
	switch {
	case ind < 500:
		return 1900 + yy, true
	case ind < 750 && yy >= 54:
		return 1800 + yy, true
	case yy < 40:
		return 2000 + yy, true
	case ind >= 900:
		return 1900 + yy, true
	}
	return 0, false
}

// organisationNO checks a 9-digit organisasjonsnummer.
func organisationNO(s string) (Number, error) {
	if k, ok := mod11(s, 3, 2, 7, 6, 5, 4, 3, 2); !ok || k != num(s, 8, 9) {
		return Number{}, ErrCheckDigit
	}
	return Number{Country: "NO", Kind: Organisation, norm: s}, nil
}
