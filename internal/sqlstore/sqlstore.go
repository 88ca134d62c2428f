// Package sqlstore holds what the SQL stores (packages sqlite and postgres)
// share: the store methods themselves (Store, written once with ?
// placeholders, with a Dialect for what the two spell differently and a
// Backend for connections and transactions), input validation, row
// scanning, the JSON encoding of lines, time conversion and loading
// embedded migrations. Each store keeps its own Open and Close, pools,
// transactions, migrations, error translation and ClaimCallbacks.
package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io/fs"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/kassa-dev/kassa"
)

// Migration is one numbered schema change.
type Migration struct {
	Version int
	Name    string
	SQL     string
}

// LoadMigrations returns the migrations in fsys under migration/*.sql,
// ordered by the number their file name starts with.
func LoadMigrations(fsys fs.FS) ([]Migration, error) {
	names, err := fs.Glob(fsys, "migration/*.sql")
	if err != nil {
		return nil, err
	}
	var ms []Migration
	for _, name := range names {
		base := strings.TrimPrefix(name, "migration/")
		num, _, _ := strings.Cut(base, "_")
		v, err := strconv.Atoi(num)
		if err != nil {
			return nil, fmt.Errorf("migration %s: name must start with a number", base)
		}
		text, err := fs.ReadFile(fsys, name)
		if err != nil {
			return nil, err
		}
		ms = append(ms, Migration{Version: v, Name: base, SQL: string(text)})
	}
	sort.Slice(ms, func(i, j int) bool { return ms[i].Version < ms[j].Version })
	return ms, nil
}

// FromMillis converts stored unix milliseconds back to a UTC time.
func FromMillis(n sql.NullInt64) time.Time {
	if !n.Valid {
		return time.Time{}
	}
	return time.UnixMilli(n.Int64).UTC()
}

// Millis converts t to stored unix milliseconds; the zero time is NULL.
func Millis(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UnixMilli()
}

// MarshalLines stores lines as JSON, never null.
func MarshalLines(lines []kassa.Line) (string, error) {
	if lines == nil {
		lines = []kassa.Line{}
	}
	b, err := json.Marshal(lines)
	if err != nil {
		return "", fmt.Errorf("encode lines: %w", err)
	}
	return string(b), nil
}

// NullID stores the id 0 as NULL.
func NullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

// MarshalHosted stores a hosted checkout as JSON, or "" for none.
func MarshalHosted(h *kassa.HostedCheckout) (string, error) {
	if h == nil {
		return "", nil
	}
	b, err := json.Marshal(h)
	if err != nil {
		return "", fmt.Errorf("encode hosted checkout: %w", err)
	}
	return string(b), nil
}

// StockNeeds sums the quantities of lines per SKU, ordered by SKU.
func StockNeeds(lines []kassa.Line) []kassa.LineRequest {
	sum := map[string]int64{}
	for _, l := range lines {
		if l.SKU != "" {
			sum[l.SKU] += l.Quantity
		}
	}
	needs := make([]kassa.LineRequest, 0, len(sum))
	for sku, q := range sum {
		needs = append(needs, kassa.LineRequest{SKU: sku, Quantity: q})
	}
	sort.Slice(needs, func(i, j int) bool { return needs[i].SKU < needs[j].SKU })
	return needs
}

// ValidateAction checks what the store relies on and defaults the state.
func ValidateAction(a *kassa.Action) error {
	if a == nil {
		return kassa.Errorf(kassa.EINVALID, "No action given.")
	}
	if a.State == "" {
		a.State = kassa.ActionPending
	}
	var fields []kassa.FieldError
	if !a.Kind.Valid() {
		fields = append(fields, kassa.FieldError{Field: "kind", Message: fmt.Sprintf("unknown kind %q", a.Kind)})
	}
	if !a.State.Valid() {
		fields = append(fields, kassa.FieldError{Field: "state", Message: fmt.Sprintf("unknown state %q", a.State)})
	}
	if strings.TrimSpace(a.TransactionID) == "" {
		fields = append(fields, kassa.FieldError{Field: "transactionId", Message: "is required"})
	}
	return invalidAction(append(fields, queueFields(a)...))
}

// ValidateActionUpdate checks the fields UpdateAction writes that the
// store relies on.
func ValidateActionUpdate(a *kassa.Action) error {
	var fields []kassa.FieldError
	if !a.State.Valid() {
		fields = append(fields, kassa.FieldError{Field: "state", Message: fmt.Sprintf("unknown state %q", a.State)})
	}
	return invalidAction(append(fields, queueFields(a)...))
}

// queueFields names the bad queue fields of a.
func queueFields(a *kassa.Action) []kassa.FieldError {
	if a.Resumes < 0 {
		return []kassa.FieldError{{Field: "resumes", Message: "must not be negative"}}
	}
	return nil
}

// invalidAction is EINVALID naming fields, or nil for none.
func invalidAction(fields []kassa.FieldError) error {
	if fields == nil {
		return nil
	}
	return &kassa.Error{Code: kassa.EINVALID, Message: "The action is invalid.", Fields: fields}
}

// ValidateNewOrder checks what the store relies on; the engine validates
// the customer's input before.
func ValidateNewOrder(o *kassa.Order) error {
	if o == nil {
		return kassa.Errorf(kassa.EINVALID, "No order given.")
	}
	if o.Status == "" {
		o.Status = kassa.StatusPending
	}
	return ValidateReplace(o)
}

// ValidateProduct returns EINVALID naming every bad field of p.
func ValidateProduct(p kassa.Product) error {
	if fields := kassa.CheckProduct(p, ""); fields != nil {
		return &kassa.Error{Code: kassa.EINVALID, Message: fmt.Sprintf("Product %q is invalid.", p.SKU), Fields: fields}
	}
	return nil
}

// ValidateReplace checks the status and lines of a modified order.
func ValidateReplace(o *kassa.Order) error {
	var fields []kassa.FieldError
	if !o.Status.Valid() {
		fields = append(fields, kassa.FieldError{Field: "status", Message: fmt.Sprintf("unknown status %q", o.Status)})
	}
	for i, l := range o.Lines {
		if l.SKU != "" && l.Quantity <= 0 {
			fields = append(fields, kassa.FieldError{Field: fmt.Sprintf("lines[%d].quantity", i), Message: "must be at least 1"})
		}
	}
	if fields != nil {
		return &kassa.Error{Code: kassa.EINVALID, Message: "The order is invalid.", Fields: fields}
	}
	return nil
}

// QueryActions reads the rows of ActionColumns that query selects.
func QueryActions(ctx context.Context, q *Runner, query string, args ...any) ([]*kassa.Action, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var list []*kassa.Action
	for rows.Next() {
		var a kassa.Action
		var lines []byte
		var created, updated int64
		var next sql.NullInt64
		err := rows.Scan(&a.ID, &a.OrderID, &a.Kind, &a.TransactionID, &lines, &a.Amount, &a.State,
			&a.Error.Code, &a.Error.Message, &a.Error.TraceID, &a.Attempts, &a.MAPIActionID, &a.Source,
			&a.Creator, &created, &updated, &next, &a.Resumes)
		if err != nil {
			return nil, err
		}
		if err := json.Unmarshal(lines, &a.Lines); err != nil {
			return nil, fmt.Errorf("action %d: lines: %w", a.ID, err)
		}
		a.CreatedAt, a.UpdatedAt = time.UnixMilli(created).UTC(), time.UnixMilli(updated).UTC()
		a.NextAttemptAt = FromMillis(next)
		list = append(list, &a)
	}
	return list, rows.Err()
}

// CallbackColumns are the columns of the callbacks table that
// QueryCallbacks scans, in its order.
const CallbackColumns = `id, kind, order_id, payment_id, dedup_key, body, state, attempts, error,
	received_at, processed_at, next_attempt_at`

// QueryCallbacks reads the rows of CallbackColumns that query selects.
func QueryCallbacks(ctx context.Context, q *Runner, query string, args ...any) ([]*kassa.Callback, error) {
	return queryRows(ctx, q, scanCallback, query, args...)
}

// scanCallback reads one row of CallbackColumns.
func scanCallback(rows Rows) (*kassa.Callback, error) {
	var cb kassa.Callback
	var orderID, processed, next sql.NullInt64
	var received int64
	err := rows.Scan(&cb.ID, &cb.Kind, &orderID, &cb.PaymentID, &cb.DedupKey, &cb.Body, &cb.State,
		&cb.Attempts, &cb.Error, &received, &processed, &next)
	if err != nil {
		return nil, err
	}
	cb.OrderID = orderID.Int64
	cb.ReceivedAt, cb.ProcessedAt = time.UnixMilli(received).UTC(), FromMillis(processed)
	cb.NextAttemptAt = FromMillis(next)
	return &cb, nil
}

// ValidateCallbackUpdate checks what UpdateCallback (also Tx's) writes: a known state and a non-negative attempt count.
func ValidateCallbackUpdate(cb *kassa.Callback) error {
	if cb == nil {
		return kassa.Errorf(kassa.EINVALID, "No callback given.")
	}
	var fields []kassa.FieldError
	if !cb.State.Valid() {
		fields = append(fields, kassa.FieldError{Field: "state", Message: fmt.Sprintf("unknown state %q", cb.State)})
	}
	if cb.Attempts < 0 {
		fields = append(fields, kassa.FieldError{Field: "attempts", Message: "must not be negative"})
	}
	if fields != nil {
		return &kassa.Error{Code: kassa.EINVALID, Message: "The callback is invalid.", Fields: fields}
	}
	return nil
}

// ValidateClaim checks the arguments of ClaimCallbacks: a positive limit
// and a lease after now (at the millisecond precision stored), since a
// lease that is due already would let the next claim return the same
// entries again.
func ValidateClaim(now, lease time.Time, limit int) error {
	var fields []kassa.FieldError
	if limit <= 0 {
		fields = append(fields, kassa.FieldError{Field: "limit", Message: "must be at least 1"})
	}
	if lease.UnixMilli() <= now.UnixMilli() {
		fields = append(fields, kassa.FieldError{Field: "lease", Message: "must be after now"})
	}
	if fields != nil {
		return &kassa.Error{Code: kassa.EINVALID, Message: "The claim is invalid.", Fields: fields}
	}
	return nil
}
