package idnum

import (
	"errors"
	"strings"
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

// messages are the English texts of the problems.
var messages = map[Problem]string{
	ErrFormat:     "This number contains characters that do not belong in it.",
	ErrLength:     "This number has too few or too many digits.",
	ErrDate:       "The date of birth in this number is not possible.",
	ErrCheckDigit: "The last digit does not match the rest of the number. Please check it for a typing mistake.",
	ErrNotPerson:  "This is an organisation number. Enter your personal identity number, or choose company.",
	ErrNotCompany: "This is not an organisation number. Enter the company's organisation number.",
	ErrCountry:    "Identity numbers from this country cannot be checked.",
}

// hints show, per country and kind, how a number is written.
var hints = map[string]map[Kind]string{
	"SE": {Person: "A Swedish personal identity number has 10 or 12 digits, like 830514-7715 or 19830514-7715.",
		Organisation: "A Swedish organisation number has 10 digits, like 556036-0793."},
	"NO": {Person: "A Norwegian national identity number has 11 digits, like 18087248794.",
		Organisation: "A Norwegian organisation number has 9 digits, like 923609016."},
	"FI": {Person: "A Finnish personal identity code looks like 131052-308T.",
		Organisation: "A Finnish business ID looks like 0112038-9."},
	"DK": {Person: "A Danish CPR number has 10 digits, like 140285-3877.",
		Organisation: "A Danish CVR number has 8 digits, like 13585628."},
}

// Error returns the English message.
func (p Problem) Error() string { return messages[p] }

// Describe returns the English message for an error of Parse, ForPerson
// or ForCompany on a number of country that should be of kind k: what is
// wrong and, when the number is not written right, how it is written.
func Describe(err error, country string, k Kind) string {
	var p Problem
	if !errors.As(err, &p) {
		return err.Error()
	}
	if h := hints[strings.ToUpper(country)][k]; h != "" && (p == ErrFormat || p == ErrLength) {
		return messages[p] + " " + h
	}
	return messages[p]
}
