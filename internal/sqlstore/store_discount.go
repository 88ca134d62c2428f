package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/kassa-dev/kassa"
)

const (
	discountColumns = `code, percent, amount, valid_from, valid_until, min_order, usage_limit, used`
	putDiscountSQL  = `INSERT INTO discount_codes (code, percent, amount, valid_from, valid_until, min_order, usage_limit)
		VALUES (?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (code) DO UPDATE SET percent = excluded.percent, amount = excluded.amount,
			valid_from = excluded.valid_from, valid_until = excluded.valid_until,
			min_order = excluded.min_order, usage_limit = excluded.usage_limit`
	// takeUseSQL counts one use of a code within its limit; no row
	// changes when the code is used up or unknown.
	takeUseSQL = `UPDATE discount_codes SET used = used + 1
		WHERE code = ? AND (usage_limit = 0 OR used < usage_limit)`
	// giveUseBackSQL gives back the use the order ? holds, if any.
	giveUseBackSQL = `UPDATE discount_codes SET used = used - 1
		WHERE used > 0 AND code = (SELECT discount_code FROM orders WHERE id = ? AND discount_code <> '')`
)

// DiscountCodes returns every code, ordered by code.
func (s *Store) DiscountCodes(ctx context.Context) (_ []kassa.DiscountCode, err error) {
	defer s.wrap(&err, "DiscountCodes")
	return queryRows(ctx, s.b.Reader(), scanDiscount, `SELECT `+discountColumns+` FROM discount_codes ORDER BY code`)
}

// DiscountCode returns one code; ENOTFOUND if unknown.
func (s *Store) DiscountCode(ctx context.Context, code string) (_ kassa.DiscountCode, err error) {
	defer s.wrap(&err, "DiscountCode(%q)", code)
	rows, err := s.b.Reader().QueryContext(ctx, `SELECT `+discountColumns+` FROM discount_codes WHERE code = ?`,
		kassa.NormalizeCode(code))
	if err != nil {
		return kassa.DiscountCode{}, err
	}
	defer rows.Close()
	if !rows.Next() {
		if err := rows.Err(); err != nil {
			return kassa.DiscountCode{}, err
		}
		return kassa.DiscountCode{}, kassa.Errorf(kassa.ENOTFOUND, "Discount code %s does not exist.", kassa.NormalizeCode(code))
	}
	return scanDiscount(rows)
}

func scanDiscount(rows Rows) (kassa.DiscountCode, error) {
	var d kassa.DiscountCode
	var from, until int64
	err := rows.Scan(&d.Code, &d.Percent, &d.Amount, &from, &until, &d.MinOrder, &d.UsageLimit, &d.Used)
	d.ValidFrom, d.ValidUntil = zeroMillis(from), zeroMillis(until)
	return d, err
}

// zeroMillis is unix milliseconds as a UTC time, 0 as the zero time.
func zeroMillis(ms int64) time.Time {
	if ms == 0 {
		return time.Time{}
	}
	return time.UnixMilli(ms).UTC()
}

// millisOrZero is t in unix milliseconds, the zero time as 0.
func millisOrZero(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMilli()
}

// PutDiscountCode inserts a code or replaces its terms, keeping its count.
func (s *Store) PutDiscountCode(ctx context.Context, d kassa.DiscountCode) (err error) {
	defer s.wrap(&err, "PutDiscountCode(%q)", d.Code)
	if fields := kassa.CheckDiscountCode(d); fields != nil {
		return &kassa.Error{Code: kassa.EINVALID, Message: "The discount code is invalid.", Fields: fields}
	}
	_, err = s.b.Writer().ExecContext(ctx, putDiscountSQL, kassa.NormalizeCode(d.Code), d.Percent, d.Amount,
		millisOrZero(d.ValidFrom), millisOrZero(d.ValidUntil), d.MinOrder, d.UsageLimit)
	return err
}

// DeleteDiscountCode removes a code; ENOTFOUND if unknown.
func (s *Store) DeleteDiscountCode(ctx context.Context, code string) (err error) {
	defer s.wrap(&err, "DeleteDiscountCode(%q)", code)
	res, err := s.b.Writer().ExecContext(ctx, `DELETE FROM discount_codes WHERE code = ?`, kassa.NormalizeCode(code))
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil || n == 1 {
		return err
	}
	return kassa.Errorf(kassa.ENOTFOUND, "Discount code %s does not exist.", kassa.NormalizeCode(code))
}

// takeUse counts one use of code in tx: ECONFLICT naming the field
// discountCode when it is used up, ENOTFOUND when it does not exist.
func takeUse(ctx context.Context, tx *Runner, code string) error {
	res, err := tx.ExecContext(ctx, takeUseSQL, code)
	if err != nil {
		return fmt.Errorf("count discount code use: %w", err)
	}
	if n, err := res.RowsAffected(); err != nil || n == 1 {
		return err
	}
	var used int64
	err = tx.QueryRowContext(ctx, `SELECT used FROM discount_codes WHERE code = ?`, code).Scan(&used)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return &kassa.Error{Code: kassa.ENOTFOUND, Message: fmt.Sprintf("Discount code %s does not exist.", code),
			Fields: []kassa.FieldError{{Field: "discountCode", Message: "This discount code does not exist."}}}
	case err != nil:
		return err
	}
	return &kassa.Error{Code: kassa.ECONFLICT, Message: fmt.Sprintf("Discount code %s is used up (%d uses).", code, used),
		Fields: []kassa.FieldError{{Field: "discountCode", Message: "This discount code has been used up."}}}
}

// MarshalCharges stores an order's charges as JSON, or "" for none.
func MarshalCharges(c *kassa.Charges) (string, error) {
	if c == nil {
		return "", nil
	}
	b, err := json.Marshal(c)
	if err != nil {
		return "", fmt.Errorf("encode charges: %w", err)
	}
	return string(b), nil
}
