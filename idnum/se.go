package idnum

import (
	"strconv"
	"time"
)

// parseSE parses a Swedish personnummer or samordningsnummer (day + 60):
// YYMMDD-NNNC, YYMMDD+NNNC (100 years or older), YYYYMMDD-NNNC, each also
// without the separator, normalised to the 12 digits YYYYMMDDNNNC; or an
// organisationsnummer (third digit at least 2): NNNNNN-NNNN, also without
// the separator or with the prefix 16, normalised to 16NNNNNNNNNN. The last
// digit is a Luhn check digit over the last ten.
func parseSE(s string, today time.Time) (Number, error) {
	body, sep := s, byte(0)
	if i := len(s) - 5; i >= 0 && (s[i] == '-' || s[i] == '+') {
		body, sep = s[:i]+s[i+1:], s[i]
	}
	if !digits(body) {
		return Number{}, ErrFormat
	}
	if len(body) != 10 && len(body) != 12 {
		return Number{}, ErrLength
	}
	ten, century := body[len(body)-10:], body[:len(body)-10]
	switch {
	case century == "16" || century == "" && ten[2] >= '2':
		return organisationSE(ten, sep)
	case century != "" && sep == '+':
		return Number{}, ErrFormat
	case century != "" && (century < "18" || century > "20"):
		return Number{}, ErrDate
	}
	n, err := personSE(ten, century, sep == '+', today)
	if err == nil && !luhn(ten) {
		return Number{}, ErrCheckDigit
	}
	return n, err
}

// organisationSE checks the ten digits of an organisationsnummer.
func organisationSE(ten string, sep byte) (Number, error) {
	switch {
	case sep == '+':
		return Number{}, ErrFormat
	case ten[2] < '2':
		return Number{}, ErrNotCompany
	case !luhn(ten):
		return Number{}, ErrCheckDigit
	}
	return Number{Country: "SE", Kind: Organisation, norm: "16" + ten}, nil
}

// personSE checks the date of a personnummer's ten digits. Without a
// written century the person is born on the latest such date not after
// today, or a hundred years before that when old (the '+' separator).
func personSE(ten, century string, old bool, today time.Time) (Number, error) {
	yy, m, d := num(ten, 0, 2), num(ten, 2, 4), num(ten, 4, 6)
	if d > 60 { // samordningsnummer
		d -= 60
	}
	y := today.Year()/100*100 + yy
	if century != "" {
		y = num(century, 0, 2)*100 + yy
	} else if y*10000+m*100+d > today.Year()*10000+int(today.Month())*100+today.Day() {
		y -= 100
	}
	if old {
		y -= 100
	}
	return person("SE", y, m, d, today, strconv.Itoa(y/100)+ten)
}

// luhn reports whether the last digit of s is its Luhn check digit.
func luhn(s string) bool {
	sum := 0
	for i := range len(s) {
		d := int(s[len(s)-1-i] - '0')
		if i%2 == 1 {
			d *= 2
			if d > 9 {
				d -= 9
			}
		}
		sum += d
	}
	return sum%10 == 0
}
