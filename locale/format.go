package locale

import (
	"strconv"
	"strings"
	"time"

	"github.com/kassa-dev/kassa"
)

// numberFormat is how a language writes numbers and money.
type numberFormat struct {
	group, decimal string // thousands separator and decimal mark
	percent        string // between a number and "%": a no-break space, or nothing
	// symbols are the currency signs the language writes after the
	// amount; a currency not here is written by its ISO code.
	symbols      map[string]string
	symbolBefore bool // English: "SEK 1,299.00", "€1,299.00"
}

const nbsp = "\u00a0"

// numberFormats follow CLDR's patterns for each language.
var numberFormats = map[string]numberFormat{
	"sv": {group: nbsp, decimal: ",", percent: nbsp, symbols: map[string]string{"SEK": "kr", "EUR": "€"}},
	"nb": {group: nbsp, decimal: ",", percent: nbsp, symbols: map[string]string{"NOK": "kr", "EUR": "€"}},
	"fi": {group: nbsp, decimal: ",", percent: nbsp, symbols: map[string]string{"EUR": "€"}},
	"da": {group: ".", decimal: ",", percent: nbsp, symbols: map[string]string{"DKK": "kr.", "EUR": "€"}},
	"en": {group: ",", decimal: ".", symbols: map[string]string{"EUR": "€"}, symbolBefore: true},
}

// In returns l for a shop in country: English keeps its words but
// writes numbers and money as the country does (CLDR's en-SE, en-NO,
// en-FI, en-DK: "1 299,00 kr"), the other languages are unchanged.
func (l *Lang) In(country string) *Lang {
	native := ForCountry(country)
	if l.code != "en" || native == english {
		return l
	}
	c := *l
	c.num = native.num
	return &c
}

// Money writes m in currency as a reader of l expects: 129900 SEK is
// "1 299,00 kr" in Swedish, "SEK 1,299.00" in English; 129900 DKK is
// "1.299,00 kr." in Danish. The minus sign is U+2212.
func (l *Lang) Money(m kassa.Money, currency string) string {
	return l.money(m, currency, false)
}

// MoneyShort is Money without the decimals of a whole amount: "1 299 kr".
func (l *Lang) MoneyShort(m kassa.Money, currency string) string {
	return l.money(m, currency, m%100 == 0)
}

func (l *Lang) money(m kassa.Money, currency string, whole bool) string {
	var b strings.Builder
	if m < 0 {
		b.WriteString("−")
	}
	num := l.amount(m, whole)
	sym, ok := l.num.symbols[currency]
	switch {
	case l.num.symbolBefore && ok:
		b.WriteString(sym + num)
	case l.num.symbolBefore:
		b.WriteString(currency + nbsp + num)
	case ok:
		b.WriteString(num + nbsp + sym)
	default:
		b.WriteString(num + nbsp + currency)
	}
	return b.String()
}

// Amount writes the absolute value of m with l's separators and two
// decimals, without a currency: "1 299,00".
func (l *Lang) Amount(m kassa.Money) string { return l.amount(m, false) }

func (l *Lang) amount(m kassa.Money, whole bool) string {
	n := uint64(m)
	if m < 0 {
		n = -n
	}
	s := l.group(strconv.FormatUint(n/100, 10))
	if whole {
		return s
	}
	return s + l.num.decimal + string([]byte{byte('0' + n%100/10), byte('0' + n%10)})
}

// group puts l's thousands separator into a run of digits.
func (l *Lang) group(digits string) string {
	if len(digits) <= 3 {
		return digits
	}
	var b strings.Builder
	for i, c := range digits {
		if i > 0 && (len(digits)-i)%3 == 0 {
			b.WriteString(l.num.group)
		}
		b.WriteRune(c)
	}
	return b.String()
}

// Int writes n with l's thousands separator: 12 345 or 12,345.
func (l *Lang) Int(n int64) string {
	if n < 0 {
		return "−" + l.group(strconv.FormatInt(-n, 10))
	}
	return l.group(strconv.FormatInt(n, 10))
}

// Percent writes a rate in hundredths of a percent: 2500 is "25 %" in
// Swedish and "25%" in English, 1250 is "12,5 %" and "12.5%".
func (l *Lang) Percent(rate int64) string {
	return l.Decimal(rate) + l.num.percent + "%"
}

// Decimal writes a number in hundredths without trailing zeros: 1250 is
// "12,5" in Swedish, 2500 is "25".
func (l *Lang) Decimal(hundredths int64) string {
	sign := ""
	if hundredths < 0 {
		sign, hundredths = "−", -hundredths
	}
	s := l.group(strconv.FormatInt(hundredths/100, 10))
	if f := hundredths % 100; f != 0 {
		s += l.num.decimal + strings.TrimRight(string([]byte{byte('0' + f/10), byte('0' + f%10)}), "0")
	}
	return sign + s
}

// Date writes the day of t as l writes a date in running text:
// "6 december 2026", "6 December 2026", "6. desember 2026", "6.12.2026".
func (l *Lang) Date(t time.Time) string {
	if l.code == "fi" {
		return strconv.Itoa(t.Day()) + "." + strconv.Itoa(int(t.Month())) + "." + strconv.Itoa(t.Year())
	}
	day := strconv.Itoa(t.Day())
	if l.code == "nb" || l.code == "da" {
		day += "."
	}
	return day + " " + l.T("month."+strconv.Itoa(int(t.Month()))) + " " + strconv.Itoa(t.Year())
}

// DateTime writes t's date and time to the minute: "6 december 2026
// 19:04", in English "6 December 2026, 19:04"; Finnish puts "klo"
// before the time and Danish writes the time with a dot.
func (l *Lang) DateTime(t time.Time) string {
	switch l.code {
	case "en":
		return l.Date(t) + ", " + t.Format("15:04")
	case "fi":
		return l.Date(t) + " klo " + t.Format("15.04")
	case "da":
		return l.Date(t) + " kl. " + t.Format("15.04")
	case "nb":
		return l.Date(t) + " kl. " + t.Format("15:04")
	}
	return l.Date(t) + " " + t.Format("15:04")
}
