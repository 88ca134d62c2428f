package checkout

import (
	"net/mail"
	"regexp"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/kassa-dev/kassa"
	"github.com/kassa-dev/kassa/idnum"
	"github.com/kassa-dev/kassa/locale"
)

var postalCodeRE = regexp.MustCompile(`^[ \d]{1,10}$`)

// fieldChecker collects field errors.
type fieldChecker struct{ fields []kassa.FieldError }

// add adds the field error of field with the catalog's message id
// (package locale).
func (c *fieldChecker) add(field, id string, args ...any) {
	c.fields = append(c.fields, locale.Field(field, id, args...))
}

// text checks a free-text field: length in runes within [min, max], valid
// UTF-8 and no control characters. Its label is the catalog's message
// "label.<name>", name being the last part of field.
func (c *fieldChecker) text(field, v string, min, max int) {
	n := utf8.RuneCountInString(v)
	label := locale.ID("label." + field[strings.LastIndexByte(field, '.')+1:])
	switch {
	case !utf8.ValidString(v) || strings.IndexFunc(v, unicode.IsControl) >= 0:
		c.add(field, "field.bad_characters", "Label", label)
	case n < min && min == 1:
		c.add(field, "field.required", "Label", label)
	case n < min || n > max:
		c.add(field, "field.too_long", "Label", label, "Max", max)
	}
}

// normalizeCustomer trims the spaces around every text field and writes a
// valid government id in the form sent to Resurs (docs/mapi.md
// §Government ids); an invalid one is left for checkCustomer to report.
// today decides the century of a short Swedish number.
func normalizeCustomer(c kassa.Customer, country string, today time.Time) kassa.Customer {
	t := strings.TrimSpace
	c.GovernmentID, c.Email, c.Phone = t(c.GovernmentID), t(c.Email), t(c.Phone)
	a := &c.Address
	a.FirstName, a.LastName, a.CompanyName = t(a.FirstName), t(a.LastName), t(a.CompanyName)
	a.AddressRow1, a.AddressRow2 = t(a.AddressRow1), t(a.AddressRow2)
	a.PostalCode, a.PostalArea, a.CountryCode = t(a.PostalCode), t(a.PostalArea), strings.ToUpper(t(a.CountryCode))
	if n, err := parseGovID(c, country, today); err == nil {
		c.GovernmentID = n.String()
	}
	if cc, err := kassa.CountryOf(country); err == nil {
		if phone, ok := cc.NormalizePhone(c.Phone); ok {
			c.Phone = phone
		}
	}
	return c
}

// checkCustomer validates a normalized customer for a store in country.
func checkCustomer(c kassa.Customer, country string, today time.Time) []kassa.FieldError {
	var fc fieldChecker
	if c.Type != kassa.CustomerNatural && c.Type != kassa.CustomerLegal {
		fc.add("customer.type", "field.customer_type")
	}
	checkEmail(&fc, c.Email)
	checkPhone(&fc, c.Phone, country)
	if _, err := parseGovID(c, country, today); c.GovernmentID != "" && err != nil {
		fc.add("customer.governmentId", idnum.MessageID(err, country, govIDKind(c.Type)))
	}
	checkAddress(&fc, c.Address, c.Type, country)
	return fc.fields
}

// parseGovID parses the government id of c, a customer of a store in
// country: a company's organisation number (in Sweden also a sole
// trader's personal number) or a person's personal identity number.
func parseGovID(c kassa.Customer, country string, today time.Time) (idnum.Number, error) {
	if govIDKind(c.Type) == idnum.Organisation {
		return idnum.ForCompany(country, c.GovernmentID, today)
	}
	return idnum.ForPerson(country, c.GovernmentID, today)
}

// govIDKind returns the kind of government id a customer of type ct has.
func govIDKind(ct kassa.CustomerType) idnum.Kind {
	if ct == kassa.CustomerLegal {
		return idnum.Organisation
	}
	return idnum.Person
}

// checkPhone checks a phone number of the store's country, in its
// national or international form (kassa.Country.NormalizePhone).
func checkPhone(fc *fieldChecker, v, country string) {
	c, err := kassa.CountryOf(country)
	if err != nil {
		c = kassa.Countries[0]
	}
	if _, ok := c.NormalizePhone(v); !ok {
		fc.add("customer.phone", "field.phone", "Sample", c.PhoneSample, "International", c.CallingCode)
	}
}

func checkEmail(fc *fieldChecker, v string) {
	a, err := mail.ParseAddress(v)
	if err != nil || a.Address != v || len(v) > 100 || !strings.Contains(v[strings.LastIndex(v, "@")+1:], ".") {
		fc.add("customer.email", "field.email")
	}
}

func checkAddress(fc *fieldChecker, a kassa.Address, ct kassa.CustomerType, country string) {
	const p = "customer.address."
	fc.text(p+"firstName", a.FirstName, 1, 50)
	fc.text(p+"lastName", a.LastName, 1, 50)
	if ct == kassa.CustomerLegal {
		fc.text(p+"companyName", a.CompanyName, 1, 50)
	} else {
		fc.text(p+"companyName", a.CompanyName, 0, 50)
	}
	fc.text(p+"addressRow1", a.AddressRow1, 1, 100)
	fc.text(p+"addressRow2", a.AddressRow2, 0, 100)
	fc.text(p+"postalArea", a.PostalArea, 1, 50)
	if c, err := kassa.CountryOf(country); err == nil && a.CountryCode == country {
		if !c.ValidPostalCode(a.PostalCode) {
			fc.add(p+"postalCode", "field.postal_code_digits", "Digits", c.PostalDigits, "Sample", c.PostalSample)
		}
	} else if !postalCodeRE.MatchString(a.PostalCode) || strings.TrimSpace(a.PostalCode) == "" {
		fc.add(p+"postalCode", "field.postal_code")
	}
	if a.CountryCode != country {
		fc.add(p+"countryCode", "field.country", "Country", locale.ID("country."+country))
	}
}
