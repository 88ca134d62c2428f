package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/kassa-dev/kassa"
	"github.com/kassa-dev/kassa/catalog"
)

func init() {
	register(command{name: "products", summary: "import or export the products as CSV", run: products})
}

const productsUsage = `usage: kassa products [shop flags] COMMAND [ARGS]

commands:
  import FILE.csv     apply the file to the catalog: all of it, or nothing
                      when a row is wrong (each bad row is named by its line)
  export              write every product as CSV to standard output

The CSV's header names its columns as the JSON API names a product's fields:
sku,name,description,price,vatRate,stock,active,imageUrl, in any order; only
sku is required. A column left out keeps what is stored; a new product needs
name, price and vatRate. An export imports back into the same products.

The shop flags are serve's (--data or --database-url; see kassa serve -h): the
command works on the running shop's database, which sees the change at once.`

// products imports or exports the catalog as CSV on the shop's database.
func products(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	cfg, cmd, rest, err := shopCommand("products", productsUsage, args, stderr)
	if err != nil {
		return err
	}
	switch {
	case cmd == "import" && len(rest) == 1, cmd == "export" && len(rest) == 0:
	default:
		return errors.New("products: want import FILE.csv or export")
	}
	db, err := openDatabase(ctx, cfg)
	if err != nil {
		return fmt.Errorf("products: %w", err)
	}
	defer db.Close()
	if cmd == "export" {
		return exportProducts(ctx, db, stdout)
	}
	return importProducts(ctx, db, rest[0], stdout)
}

func exportProducts(ctx context.Context, db kassa.Catalog, w io.Writer) error {
	ps, err := db.Products(ctx)
	if err != nil {
		return fmt.Errorf("products export: %w", err)
	}
	return catalog.Write(w, ps)
}

// importProducts applies the file; a refusal lists every problem, one a
// line, and changes nothing.
func importProducts(ctx context.Context, db kassa.Catalog, path string, w io.Writer) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("products import: %w", err)
	}
	defer f.Close()
	ps, err := catalog.Import(ctx, db, f, "cli", "import "+filepath.Base(path))
	if err != nil {
		var ke *kassa.Error
		if !errors.As(err, &ke) {
			return fmt.Errorf("products import: %w", err)
		}
		msg := fmt.Sprintf("products import %s: %s", path, ke.Message)
		for _, fe := range ke.Fields {
			msg += fmt.Sprintf("\n  %s: %s", fe.Field, fe.Message)
		}
		return errors.New(msg)
	}
	fmt.Fprintf(w, "imported %d products from %s\n", len(ps), path)
	return nil
}
