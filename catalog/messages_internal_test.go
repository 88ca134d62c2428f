package catalog

import (
	"strings"
	"testing"

	"github.com/kassa-dev/kassa/locale"
)

// TestCellMessagesSayTheParseErrors: a bad cell is said by the catalog's
// message catalog.cell.<column>, whose English must stay the error of the
// Parse function that refused it (the command line and the API show it).
func TestCellMessagesSayTheParseErrors(t *testing.T) {
	en, sv := locale.English(), locale.Get("sv")
	for col, parse := range map[string]func(string) error{
		"price":   func(s string) error { _, err := ParsePrice(s); return err },
		"vatRate": func(s string) error { _, err := ParseVATRate(s); return err },
		"stock":   func(s string) error { _, err := ParseStock(s); return err },
		"active":  func(s string) error { _, err := ParseActive(s); return err },
	} {
		err := parse("x")
		if err == nil {
			t.Fatalf("%s: x parsed", col)
		}
		id := "catalog.cell." + col
		if got := en.T(id); got != sentence(err.Error()) {
			t.Errorf("%s in English is %q, the parse error %q", id, got, sentence(err.Error()))
		}
		if got := sv.T(id); got == en.T(id) || strings.HasPrefix(got, "[[") {
			t.Errorf("%s has no Swedish: %q", id, got)
		}
	}
	for cause, id := range csvMessages {
		if got := en.T(id); got != sentence(cause.Error()) {
			t.Errorf("%s in English is %q, encoding/csv's error %q", id, got, sentence(cause.Error()))
		}
	}
}

// TestCell: the page reads back the places Read names.
func TestCell(t *testing.T) {
	for field, want := range map[string]struct {
		line   int
		column string
		ok     bool
	}{
		"line 3: price": {3, "price", true},
		"line 12":       {12, "", true},
		"products[0]":   {0, "", false},
		"line x: price": {0, "", false},
	} {
		line, column, ok := Cell(field)
		if line != want.line || column != want.column || ok != want.ok {
			t.Errorf("Cell(%q) = %d, %q, %v; want %+v", field, line, column, ok, want)
		}
	}
}
