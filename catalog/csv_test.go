package catalog_test

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/kassa-dev/kassa"
	"github.com/kassa-dev/kassa/catalog"
	"github.com/kassa-dev/kassa/sqlite"
)

var ctx = context.Background()

func open(t *testing.T) *sqlite.DB {
	t.Helper()
	db, err := sqlite.Open(ctx, ":memory:")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// fields returns the field errors of err as "field: message".
func fields(t *testing.T, err error) []string {
	t.Helper()
	var ke *kassa.Error
	if !errors.As(err, &ke) || ke.Code != kassa.EINVALID {
		t.Fatalf("err = %v; want EINVALID", err)
	}
	var out []string
	for _, f := range ke.Fields {
		out = append(out, f.Field+": "+f.Message)
	}
	return out
}

func TestImportCreatesAndEdits(t *testing.T) {
	db := open(t)
	in := "\uFEFFvatRate,sku,name,price\n25,MUG-1,\"Mug, blue\",\"129,50\"\n6,BOOK-1,Book,1 299.00\n"
	ps, err := catalog.Import(ctx, db, strings.NewReader(in), "import", "first.csv")
	if err != nil {
		t.Fatal(err)
	}
	want := []kassa.Product{
		{SKU: "MUG-1", Name: "Mug, blue", Price: 12950, VATRate: 2500},
		{SKU: "BOOK-1", Name: "Book", Price: 129900, VATRate: 600},
	}
	if d := cmp.Diff(want, ps); d != "" {
		t.Fatalf("imported (-want +got):\n%s", d)
	}
	// A price list: the columns left out stay; semicolons, as a Swedish spreadsheet writes.
	if _, err := catalog.Import(ctx, db, strings.NewReader("sku;price;stock\nMUG-1;99,00;12\n"), "import", "prices.csv"); err != nil {
		t.Fatal(err)
	}
	got, err := db.Product(ctx, "MUG-1")
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(kassa.Product{SKU: "MUG-1", Name: "Mug, blue", Price: 9900, VATRate: 2500, Stock: 12}, got); d != "" {
		t.Fatalf("after the price list (-want +got):\n%s", d)
	}
	moves, err := db.StockMoves(ctx, "MUG-1", 0)
	if err != nil || len(moves) != 1 || moves[0].Change != 12 || moves[0].By != "import" || moves[0].Reason != "prices.csv" {
		t.Fatalf("stock moves %+v, %v; want one of +12 by import for prices.csv", moves, err)
	}
}

// TestImportBadRowChangesNothing: every bad row is named by its line
// (a quoted cell over two lines counts both), and nothing is applied.
func TestImportBadRowChangesNothing(t *testing.T) {
	db := open(t)
	seed := kassa.Product{SKU: "A", Name: "A", Price: 100, VATRate: 2500, Stock: 3}
	if err := db.PutProduct(ctx, seed); err != nil {
		t.Fatal(err)
	}
	in := strings.Join([]string{
		"sku,name,description,price,vatRate,stock,active",
		"A,Renamed,,1.00,25,9,true",
		`B,Bee,"two`,
		`lines",2.00,25,1,true`,
		"C,Cee,,12.345,25,1,true",
		"D,Dee,,1.00,125,-1,maybe",
		"A,Again,,1.00,25,1,true",
		strings.Repeat("E", 65) + ",E,,1.00,25,1,true",
		"F,Eff,,1.00,25,1",
	}, "\n")
	_, err := catalog.Import(ctx, db, strings.NewReader(in), "import", "bad.csv")
	want := []string{
		"line 5: price: Enter a price such as 299.00.",
		"line 6: vatRate: Enter a VAT rate in percent between 0 and 100, such as 25 or 12.5.",
		"line 6: stock: Enter a whole number, 0 or more.",
		"line 6: active: Enter true or false.",
		"line 7: sku: A is on line 2 already.",
		"line 8: sku: A SKU is 1 to 64 characters, with no space at either end.",
		"line 9: 6 cells; the header names 7 columns.",
	}
	if d := cmp.Diff(want, fields(t, err)); d != "" {
		t.Fatalf("errors (-want +got):\n%s", d)
	}
	// A row only the store can judge: an unknown product without a name.
	_, err = catalog.Import(ctx, db, strings.NewReader("sku,stock\nA,5\nNEW,1\n"), "import", "bad.csv")
	if d := cmp.Diff([]string{"line 3: sku: Product NEW does not exist: a new product needs a name, a price and a VAT rate."}, fields(t, err)); d != "" {
		t.Fatalf("errors (-want +got):\n%s", d)
	}
	ps, err := db.Products(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff([]kassa.Product{seed}, ps); d != "" {
		t.Fatalf("catalog after refused imports (-want +got):\n%s", d)
	}
	if m, _ := db.StockMoves(ctx, "", 0); len(m) != 0 {
		t.Fatalf("stock moves after refused imports: %+v", m)
	}
}

func TestReadHeaderProblems(t *testing.T) {
	for in, want := range map[string]string{
		"":                       "line 1: The file is empty: it needs a header row such as sku,name,description,price,vatRate,stock,active,imageUrl.",
		"name,price\n":           "line 1: The header must name a sku column.",
		"sku,colour\n":           `line 1: Unknown column "colour"; the columns are sku, name, description, price, vatRate, stock, active, imageUrl.`,
		"sku,price,price\nA,1,1": "line 1: Column price appears twice.",
	} {
		_, err := catalog.Read(strings.NewReader(in))
		if got := fields(t, err); len(got) != 1 || got[0] != want {
			t.Errorf("Read(%q) = %q; want %q", in, got, want)
		}
	}
}

// TestRoundTrip: export, then import into an empty shop and into the same
// shop: the same products, and the second import moves no stock.
func TestRoundTrip(t *testing.T) {
	src := open(t)
	products := append(kassa.DemoCatalog(),
		kassa.Product{SKU: "ODD.1_x", Name: "Quote \" and, comma", Description: "Two\nlines; ümlauts", Price: 1,
			VATRate: 2550, Stock: 0, Inactive: true, ImageURL: "https://cdn.example.com/a.jpg?x=1,2"},
		kassa.Product{SKU: "ZERO", Name: "  spaced  ", Price: 0, VATRate: 0, Stock: 9_000_000, ImageURL: "/static/z.png"})
	for _, p := range products {
		if err := src.PutProduct(ctx, p); err != nil {
			t.Fatal(err)
		}
	}
	want, _ := src.Products(ctx)
	var buf bytes.Buffer
	if err := catalog.Write(&buf, want); err != nil {
		t.Fatal(err)
	}
	exported := buf.String()
	dst := open(t)
	for _, db := range []*sqlite.DB{dst, src} {
		if _, err := catalog.Import(ctx, db, strings.NewReader(exported), "import", "export.csv"); err != nil {
			t.Fatal(err)
		}
		got, _ := db.Products(ctx)
		if d := cmp.Diff(want, got); d != "" {
			t.Fatalf("after the round trip (-want +got):\n%s", d)
		}
	}
	if m, _ := src.StockMoves(ctx, "", 0); len(m) != 0 {
		t.Fatalf("importing the shop's own export moved stock: %+v", m)
	}
	buf.Reset()
	got, _ := dst.Products(ctx)
	if err := catalog.Write(&buf, got); err != nil || buf.String() != exported {
		t.Fatalf("second export differs (%v):\n%s\nwant:\n%s", err, buf.String(), exported)
	}
}

func TestVATRate(t *testing.T) {
	for in, want := range map[string]int64{"25": 2500, "25.5": 2550, "25,5": 2550, "6 %": 600, "0": 0, "12.50": 1250} {
		got, err := catalog.ParseVATRate(in)
		if err != nil || got != want {
			t.Errorf("ParseVATRate(%q) = %d, %v; want %d", in, got, err, want)
		}
		if back, _ := catalog.ParseVATRate(catalog.FormatVATRate(got)); back != got {
			t.Errorf("FormatVATRate(%d) = %q does not read back", got, catalog.FormatVATRate(got))
		}
	}
	for _, in := range []string{"", "-1", "101", "25.555", "x"} {
		if _, err := catalog.ParseVATRate(in); err == nil {
			t.Errorf("ParseVATRate(%q) accepted", in)
		}
	}
}
