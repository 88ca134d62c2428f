package postgres

import (
	"context"
	"database/sql"
	"errors"

	"github.com/kassa-dev/kassa"
	"github.com/kassa-dev/kassa/internal/sqlstore"
)

// Write statements.
var (
	putProductSQL = `
		INSERT INTO products (` + productColumns + `) VALUES ($1, $2, $3, $4, $5, $6)
		ON CONFLICT (sku) DO UPDATE SET name = excluded.name, description = excluded.description,
			price = excluded.price, vat_rate = excluded.vat_rate, stock = excluded.stock`
)

const productColumns = `sku, name, description, price, vat_rate, stock`

// Products returns the catalog ordered by SKU.
func (db *DB) Products(ctx context.Context) (_ []kassa.Product, err error) {
	defer wrap(&err, "postgres.Products")
	rows, err := db.reader().QueryContext(ctx, `SELECT `+productColumns+` FROM products ORDER BY sku`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var ps []kassa.Product
	for rows.Next() {
		var p kassa.Product
		if err := rows.Scan(&p.SKU, &p.Name, &p.Description, &p.Price, &p.VATRate, &p.Stock); err != nil {
			return nil, err
		}
		ps = append(ps, p)
	}
	return ps, rows.Err()
}

// Product returns one product; ENOTFOUND if unknown.
func (db *DB) Product(ctx context.Context, sku string) (_ kassa.Product, err error) {
	defer wrap(&err, "postgres.Product(%q)", sku)
	var p kassa.Product
	err = db.reader().QueryRowContext(ctx, `SELECT `+productColumns+` FROM products WHERE sku = $1`, sku).
		Scan(&p.SKU, &p.Name, &p.Description, &p.Price, &p.VATRate, &p.Stock)
	if errors.Is(err, sql.ErrNoRows) {
		return p, kassa.Errorf(kassa.ENOTFOUND, "Product %s does not exist.", sku)
	}
	return p, err
}

// PutProduct inserts or replaces a product.
func (db *DB) PutProduct(ctx context.Context, p kassa.Product) (err error) {
	defer wrap(&err, "postgres.PutProduct(%q)", p.SKU)
	if err := sqlstore.ValidateProduct(p); err != nil {
		return err
	}
	_, err = db.writer().ExecContext(ctx, putProductSQL,
		p.SKU, p.Name, p.Description, p.Price, p.VATRate, p.Stock)
	return err
}
