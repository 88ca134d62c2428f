// Package catalog reads and writes the shop's products as files and as
// the text of their fields: the CSV that `kassa products import|export`
// and the admin's upload take, and the parsing of a price, a VAT rate or
// an active flag that the JSON API shares. Its columns are named as the
// JSON API names a product's fields: sku, name, description, price,
// vatRate, stock, active, imageUrl (README.md §Managing products).
package catalog

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/kassa-dev/kassa"
)

// Columns are the CSV columns, in the order Write writes them.
var Columns = []string{"sku", "name", "description", "price", "vatRate", "stock", "active", "imageUrl"}

// ParsePrice parses a price as a person or a spreadsheet writes it:
// "299", "299.00", "299,00", "1 299,00" (kassa.ParseAmount).
func ParsePrice(s string) (kassa.Money, error) {
	m, err := kassa.ParseAmount(s)
	if err != nil {
		return 0, fmt.Errorf("enter a price such as 299.00")
	}
	return m, nil
}

// ParseVATRate parses a VAT rate in percent ("25", "25.5", "25,5", "6 %")
// into hundredths of a percent (2500, 2550, 600).
func ParseVATRate(s string) (int64, error) {
	t := strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(s), "%"))
	m, err := kassa.ParseMoney(strings.Replace(t, ",", ".", 1))
	if err != nil || m < 0 || m > 10000 {
		return 0, fmt.Errorf("enter a VAT rate in percent between 0 and 100, such as 25 or 12.5")
	}
	return int64(m), nil
}

// FormatVATRate writes a rate in hundredths of a percent as a percent
// number without needless decimals: 2500 → "25", 2550 → "25.5".
func FormatVATRate(rate int64) string {
	s := kassa.Money(rate).String()
	return strings.TrimSuffix(strings.TrimRight(s, "0"), ".")
}

// ParseActive parses an active flag: true or false (also 1 or 0, yes or
// no), in any case.
func ParseActive(s string) (bool, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "true", "1", "yes":
		return true, nil
	case "false", "0", "no":
		return false, nil
	}
	return false, fmt.Errorf("enter true or false")
}

// ParseStock parses a stock level: a whole number, not negative.
func ParseStock(s string) (int64, error) {
	n, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
	if err != nil || n < 0 {
		return 0, fmt.Errorf("enter a whole number, 0 or more")
	}
	return n, nil
}
