package sqlstore

import (
	"context"
	"database/sql"
	"errors"

	"github.com/kassa-dev/kassa"
)

const (
	productColumns = `sku, name, description, price, vat_rate, stock`
	putProductSQL  = `
		INSERT INTO products (` + productColumns + `) VALUES (?, ?, ?, ?, ?, ?)
		ON CONFLICT (sku) DO UPDATE SET name = excluded.name, description = excluded.description,
			price = excluded.price, vat_rate = excluded.vat_rate, stock = excluded.stock`
)

// Products returns the catalog ordered by SKU.
func (s *Store) Products(ctx context.Context) (_ []kassa.Product, err error) {
	defer s.wrap(&err, "Products")
	rows, err := s.b.Reader().QueryContext(ctx, `SELECT `+productColumns+` FROM products ORDER BY sku`)
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

const productSQL = `SELECT ` + productColumns + ` FROM products WHERE sku = ?`

// Product returns one product; ENOTFOUND if unknown.
func (s *Store) Product(ctx context.Context, sku string) (_ kassa.Product, err error) {
	defer s.wrap(&err, "Product(%q)", sku)
	return s.product(ctx, sku)
}

// ProductTerms returns product sku without its stock. See kassa.Store.
func (s *Store) ProductTerms(ctx context.Context, sku string) (_ kassa.Product, err error) {
	defer s.wrap(&err, "ProductTerms(%q)", sku)
	p, err := s.product(ctx, sku)
	p.Stock = 0
	return p, err
}

// product reads product sku; ENOTFOUND if unknown.
func (s *Store) product(ctx context.Context, sku string) (kassa.Product, error) {
	var p kassa.Product
	err := s.b.Keyed().QueryRowContext(ctx, productSQL, sku).
		Scan(&p.SKU, &p.Name, &p.Description, &p.Price, &p.VATRate, &p.Stock)
	if errors.Is(err, sql.ErrNoRows) {
		return p, kassa.Errorf(kassa.ENOTFOUND, "Product %s does not exist.", sku)
	}
	return p, err
}

// PutProduct inserts or replaces a product.
func (s *Store) PutProduct(ctx context.Context, p kassa.Product) (err error) {
	defer s.wrap(&err, "PutProduct(%q)", p.SKU)
	if err := ValidateProduct(p); err != nil {
		return err
	}
	_, err = s.b.Writer().ExecContext(ctx, putProductSQL,
		p.SKU, p.Name, p.Description, p.Price, p.VATRate, p.Stock)
	return err
}
