package sqlstore

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/kassa-dev/kassa"
)

// Batch is rows written at once by Store.InsertBatch, the bulk path of
// kassa seed: whole orders as they stand at the end of their lives, with
// their events, inbox entries, actions and mails. The rows are inserted
// as given (ids, states, times), without the checks and side effects of
// the store's own writes; the database's triggers still run, so the
// search index and the order counters follow.
type Batch struct {
	Orders    []*kassa.Order // ID set, at least NextOrderID; lines included
	Events    []kassa.Event
	Callbacks []*kassa.Callback
	Actions   []*kassa.Action
	Mails     []*kassa.Mail
}

// NextOrderID returns the id the next order inserted by a Batch should
// take: one above the highest stored.
func (s *Store) NextOrderID(ctx context.Context) (_ int64, err error) {
	defer s.wrap(&err, "NextOrderID")
	var id int64
	err = s.b.Reader().QueryRowContext(ctx, `SELECT coalesce(max(id), 0) + 1 FROM orders`).Scan(&id)
	return id, err
}

// InsertBatch writes b in one transaction, with statements of many rows.
// It is meant for filling a database to measure it, not for the shop.
func (s *Store) InsertBatch(ctx context.Context, b *Batch) (err error) {
	defer s.wrap(&err, "InsertBatch")
	return s.b.Transact(ctx, func(tx *Runner) error {
		for _, step := range []func(context.Context, *Runner, *Batch) error{
			bulkOrders, bulkLines, bulkEvents, bulkCallbacks, bulkActions, bulkMails,
		} {
			if err := step(ctx, tx, b); err != nil {
				return err
			}
		}
		if s.d.AfterBulkSQL != "" {
			if _, err := tx.ExecContext(ctx, s.d.AfterBulkSQL); err != nil {
				return fmt.Errorf("after bulk: %w", err)
			}
		}
		return nil
	})
}

// SettleBatches tidies up after InsertBatch calls: on PostgreSQL it
// vacuums and analyzes the tables they filled. The counter rows of
// order_counts were updated once per order inside transactions of
// thousands, which leaves as many dead row versions, and a count reads
// them all until they are gone; the shop's own writes update a counter
// once per transaction, which PostgreSQL prunes as it goes.
func (s *Store) SettleBatches(ctx context.Context) (err error) {
	defer s.wrap(&err, "SettleBatches")
	for _, q := range s.d.SettleSQL {
		if _, err := s.b.Writer().ExecContext(ctx, q); err != nil {
			return fmt.Errorf("%s: %w", q, err)
		}
	}
	return nil
}

// insertRows inserts rows (each a slice of len(columns) values) into
// table with statements of up to 500 rows.
func insertRows(ctx context.Context, tx *Runner, table, columns string, rows [][]any) error {
	n := strings.Count(columns, ",") + 1
	row := "(" + Placeholders(n) + ")"
	for start := 0; start < len(rows); start += 500 {
		chunk := rows[start:min(start+500, len(rows))]
		args := make([]any, 0, len(chunk)*n)
		for _, r := range chunk {
			args = append(args, r...)
		}
		query := `INSERT INTO ` + table + ` (` + columns + `) VALUES ` +
			strings.TrimSuffix(strings.Repeat(row+", ", len(chunk)), ", ")
		if _, err := tx.ExecContext(ctx, query, args...); err != nil {
			return fmt.Errorf("insert %s: %w", table, err)
		}
	}
	return nil
}

func bulkOrders(ctx context.Context, tx *Runner, b *Batch) error {
	rows := make([][]any, 0, len(b.Orders))
	for _, o := range b.Orders {
		customer, err := json.Marshal(o.Customer)
		if err != nil {
			return err
		}
		number := fmt.Sprintf(OrderNumberFormat, o.ID)
		o.Number = number
		search := SearchPrefix(number, o.ID) + SearchSuffix(o)
		hosted, err := MarshalHosted(o.Hosted)
		if err != nil {
			return err
		}
		charges, err := MarshalCharges(o.Charges)
		if err != nil {
			return err
		}
		rows = append(rows, []any{o.ID, number, search, o.Key, o.CallbackToken, o.Status, o.Currency, o.Total,
			o.VATTotal, string(customer), o.PaymentMethodID, o.PaymentID, o.PaymentStatus, o.StatusReason,
			o.Authorized, o.Captured, o.Refunded, o.Canceled, o.StockReleased, max(o.Version, 1),
			o.CreatedAt.UnixMilli(), o.UpdatedAt.UnixMilli(), Millis(o.ExpiresAt), Millis(o.NextSyncAt),
			o.SyncAttempts, o.Lang, o.Reference, hosted, o.Charges.DiscountCodeName(), charges})
	}
	return insertRows(ctx, tx, "orders", OrderInsertColumns, rows)
}

func bulkLines(ctx context.Context, tx *Runner, b *Batch) error {
	var rows [][]any
	for _, o := range b.Orders {
		for i, l := range o.Lines {
			rows = append(rows, []any{o.ID, i, l.Position, l.Type, l.SKU, l.Description, l.Quantity, l.UnitPrice,
				l.VATRate, l.Total, l.VATAmount})
		}
	}
	return insertRows(ctx, tx, "order_lines", `order_id, idx, position, type, sku, description,
		quantity, unit_price, vat_rate, total, vat_amount`, rows)
}

func bulkEvents(ctx context.Context, tx *Runner, b *Batch) error {
	rows := make([][]any, 0, len(b.Events))
	for _, ev := range b.Events {
		rows = append(rows, []any{ev.OrderID, ev.At.UnixMilli(), ev.Source, ev.From, ev.To, ev.Applied,
			ev.PaymentStatus, ev.Note})
	}
	return insertRows(ctx, tx, "events", `order_id, at, source, from_status, to_status, applied,
		payment_status, note`, rows)
}

func bulkCallbacks(ctx context.Context, tx *Runner, b *Batch) error {
	rows := make([][]any, 0, len(b.Callbacks))
	for _, cb := range b.Callbacks {
		rows = append(rows, []any{cb.Kind, NullID(cb.OrderID), cb.PaymentID, cb.DedupKey,
			cb.State != kassa.CallbackDuplicate, body(cb.Body), cb.State, cb.Attempts, cb.Error,
			cb.ReceivedAt.UnixMilli(), Millis(cb.ProcessedAt), Millis(cb.NextAttemptAt)})
	}
	return insertRows(ctx, tx, "callbacks", CallbackInsertColumns, rows)
}

func bulkActions(ctx context.Context, tx *Runner, b *Batch) error {
	rows := make([][]any, 0, len(b.Actions))
	for _, a := range b.Actions {
		lines, err := MarshalLines(a.Lines)
		if err != nil {
			return err
		}
		rows = append(rows, []any{a.OrderID, a.Kind, a.TransactionID, lines, a.Amount, a.State, a.Error.Code,
			a.Error.Message, a.Error.TraceID, a.Attempts, a.MAPIActionID, a.Source, a.Creator,
			a.CreatedAt.UnixMilli(), a.UpdatedAt.UnixMilli(), Millis(a.NextAttemptAt), a.Resumes})
	}
	return insertRows(ctx, tx, "actions", `order_id, kind, transaction_id, lines, amount, state, error_code,
		error_message, error_trace_id, attempts, mapi_action_id, source, creator, created_at, updated_at,
		next_attempt_at, resumes`, rows)
}

func bulkMails(ctx context.Context, tx *Runner, b *Batch) error {
	rows := make([][]any, 0, len(b.Mails))
	for _, m := range b.Mails {
		rows = append(rows, []any{m.OrderID, m.Key, m.Kind, m.Lang, m.To, m.Subject, m.Text, m.HTML, m.Amount,
			m.State, m.Attempts, m.Error, m.CreatedAt.UnixMilli(), Millis(m.SentAt), Millis(m.NextAttemptAt)})
	}
	return insertRows(ctx, tx, "mails", `order_id, mail_key, kind, lang, recipient, subject, text_body,
		html_body, amount, state, attempts, error, created_at, sent_at, next_attempt_at`, rows)
}
