package idnum

import (
	"errors"
	"strings"

	"github.com/kassa-dev/kassa/locale"
)

// Problem names what is wrong with a number. It is an error whose text is
// the English message; a page in another language translates by the
// value (its string is a stable code).
type Problem string

// The problems Parse reports.
const (
	ErrFormat     Problem = "format"      // characters or separators that do not belong
	ErrLength     Problem = "length"      // too few or too many digits
	ErrDate       Problem = "date"        // the date of birth does not exist, lies ahead or is centuries ago
	ErrCheckDigit Problem = "check_digit" // the check digit does not match
	ErrNotPerson  Problem = "not_person"  // an organisation's number where a person's is wanted
	ErrNotCompany Problem = "not_company" // a person's number where an organisation's is wanted
	ErrCountry    Problem = "country"     // a country whose numbers this package does not know
)

// Error returns the English message.
func (p Problem) Error() string { return locale.English().T(MessageID(p, "", 0)) }

// MessageID returns the catalog's id (package locale, idnum.*.json) of
// the message for an error of Parse, ForPerson or ForCompany on a number
// of country that should be of kind k: what is wrong and, when the number
// is not written right, how it is written in that country.
func MessageID(err error, country string, k Kind) string {
	var p Problem
	if !errors.As(err, &p) {
		return "idnum.format"
	}
	country = strings.ToLower(country)
	if (p == ErrFormat || p == ErrLength) && knownCountry(country) {
		return "idnum." + string(p) + "." + country + "." + kindName(k)
	}
	return "idnum." + string(p)
}

// Describe returns MessageID's message in English.
func Describe(err error, country string, k Kind) string {
	return locale.English().T(MessageID(err, country, k))
}

func knownCountry(c string) bool { return c == "se" || c == "no" || c == "fi" || c == "dk" }

func kindName(k Kind) string {
	if k == Organisation {
		return "organisation"
	}
	return "person"
}
