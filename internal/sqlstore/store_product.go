package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/kassa-dev/kassa"
	"github.com/kassa-dev/kassa/locale"
)

const (
	productColumns = `sku, name, description, price, vat_rate, stock, active, image_url`
	putProductSQL  = `
		INSERT INTO products (` + productColumns + `) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (sku) DO UPDATE SET name = excluded.name, description = excluded.description,
			price = excluded.price, vat_rate = excluded.vat_rate, stock = excluded.stock,
			active = excluded.active, image_url = excluded.image_url`
	insertStockMoveSQL = `INSERT INTO stock_moves (sku, at, delta, stock, actor, reason) VALUES (?, ?, ?, ?, ?, ?)`
	stockMoveColumns   = `id, sku, at, delta, stock, actor, reason`
)

// scanProduct scans a row of productColumns.
func scanProduct(row interface{ Scan(...any) error }) (kassa.Product, error) {
	var p kassa.Product
	var active bool
	if err := row.Scan(&p.SKU, &p.Name, &p.Description, &p.Price, &p.VATRate, &p.Stock, &active, &p.ImageURL); err != nil {
		return kassa.Product{}, err
	}
	p.Inactive = !active
	return p, nil
}

// productArgs are the arguments of putProductSQL for p.
func productArgs(p kassa.Product) []any {
	return []any{p.SKU, p.Name, p.Description, p.Price, p.VATRate, p.Stock, !p.Inactive, p.ImageURL}
}

// Products returns the catalog ordered by SKU.
func (s *Store) Products(ctx context.Context) (_ []kassa.Product, err error) {
	defer s.wrap(&err, "Products")
	return queryRows(ctx, s.b.Reader(), scanProduct, `SELECT `+productColumns+` FROM products ORDER BY sku`)
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
	p, err := scanProduct(s.b.Keyed().QueryRowContext(ctx, productSQL, sku))
	if errors.Is(err, sql.ErrNoRows) {
		return p, productNotFound(sku)
	}
	return p, err
}

func productNotFound(sku string) error {
	return kassa.Errorf(kassa.ENOTFOUND, "Product %s does not exist.", sku)
}

// PutProduct inserts or replaces a product.
func (s *Store) PutProduct(ctx context.Context, p kassa.Product) (err error) {
	defer s.wrap(&err, "PutProduct(%q)", p.SKU)
	if err := ValidateProduct(p); err != nil {
		return err
	}
	_, err = s.b.Writer().ExecContext(ctx, putProductSQL, productArgs(p)...)
	return err
}

// UpdateProducts applies edits in one transaction. See kassa.Catalog.
func (s *Store) UpdateProducts(ctx context.Context, by, reason string, edits []kassa.ProductEdit) (_ []kassa.Product, err error) {
	defer s.wrap(&err, "UpdateProducts(%d)", len(edits))
	if by == "" {
		return nil, kassa.Errorf(kassa.EINVALID, "Who changes the products must be named.")
	}
	var out []kassa.Product
	err = s.b.Transact(ctx, func(tx *Runner) error {
		out = make([]kassa.Product, 0, len(edits)) // again on a retried batch
		var fields []kassa.FieldError
		for i, e := range edits {
			p, bad, err := s.editProduct(ctx, tx, i, e, by, reason)
			if err != nil {
				return err
			}
			fields = append(fields, bad...)
			out = append(out, p)
		}
		if fields != nil {
			e := locale.Error(kassa.EINVALID, "error.correct_fields")
			e.Fields = fields
			return e
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// editProduct applies edit i in tx: it reads the stored product (locking
// its row where the dialect locks rows), writes the edited one and
// records a stock move when its stock changed. Field errors are returned,
// not written, so that every bad edit is reported.
func (s *Store) editProduct(ctx context.Context, tx *Runner, i int, e kassa.ProductEdit, by, reason string) (kassa.Product, []kassa.FieldError, error) {
	old, err := scanProduct(tx.QueryRowContext(ctx, productSQL+s.d.ForUpdate, e.SKU))
	found := err == nil
	switch {
	case err != nil && !errors.Is(err, sql.ErrNoRows):
		return old, nil, err
	case !found && e.MustExist:
		return old, nil, productNotFound(e.SKU)
	case !found && !e.Creates():
		return old, []kassa.FieldError{locale.Field(fmt.Sprintf("products[%d].sku", i), "catalog.new_incomplete", "SKU", e.SKU)}, nil
	}
	p := e.Apply(old)
	if e.Stock == nil && p.Stock < 0 {
		return p, nil, locale.Error(kassa.ECONFLICT, "catalog.stock_short", "SKU", e.SKU, "Stock", old.Stock, "Removed", -e.StockChange)
	}
	if bad := kassa.CheckProduct(p, fmt.Sprintf("products[%d].", i)); bad != nil {
		return p, bad, nil
	}
	if _, err := tx.ExecContext(ctx, putProductSQL, productArgs(p)...); err != nil {
		return p, nil, err
	}
	if delta := p.Stock - old.Stock; delta != 0 {
		if _, err := tx.ExecContext(ctx, insertStockMoveSQL, p.SKU, Millis(s.now()), delta, p.Stock, by, reason); err != nil {
			return p, nil, err
		}
	}
	return p, nil, nil
}

// StockMoves returns the latest stock moves. See kassa.Catalog.
func (s *Store) StockMoves(ctx context.Context, sku string, limit int) (_ []kassa.StockMove, err error) {
	defer s.wrap(&err, "StockMoves(%q)", sku)
	if limit <= 0 {
		limit = 50
	}
	q, args := `SELECT `+stockMoveColumns+` FROM stock_moves ORDER BY id DESC LIMIT ?`, []any{limit}
	if sku != "" {
		q, args = `SELECT `+stockMoveColumns+` FROM stock_moves WHERE sku = ? ORDER BY id DESC LIMIT ?`, []any{sku, limit}
	}
	rows, err := s.b.Reader().QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var moves []kassa.StockMove
	for rows.Next() {
		var m kassa.StockMove
		var at sql.NullInt64
		if err := rows.Scan(&m.ID, &m.SKU, &at, &m.Change, &m.Stock, &m.By, &m.Reason); err != nil {
			return nil, err
		}
		m.At = FromMillis(at)
		moves = append(moves, m)
	}
	return moves, rows.Err()
}
