package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/kassa-dev/kassa"
)

// The outbox of order e-mails (kassa.Mails). A mail is inserted by the
// TxFunc of the order write that causes it (Tx.AddMail); its key is
// unique, so a repeated insert does nothing.
const (
	insertMailSQL = `
		INSERT INTO mails (order_id, mail_key, kind, lang, recipient, subject, text_body, html_body, amount,
			state, attempts, error, created_at, sent_at, next_attempt_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (mail_key) DO NOTHING`
	updateMailSQL = `
		UPDATE mails SET state = ?, attempts = ?, error = ?, sent_at = ?, next_attempt_at = ?
		WHERE id = ?`
	// mailsDue selects the queued mails due at ?; the state is a literal
	// so that the partial index mails_due applies.
	mailsDue = ` FROM mails WHERE state = '` + string(kassa.MailQueued) + `' AND next_attempt_at <= ?`
)

// MailColumns are the columns of the mails table that QueryMails scans, in
// its order.
const MailColumns = `id, order_id, mail_key, kind, lang, recipient, subject, text_body, html_body, amount,
	state, attempts, error, created_at, sent_at, next_attempt_at`

// AddMail stores m unless a mail with its key exists. See kassa.Mails.
func (s *Store) AddMail(ctx context.Context, m *kassa.Mail) (err error) {
	defer s.wrap(&err, "AddMail(%q)", m.Key)
	return s.b.Transact(ctx, func(tx *Runner) error { return s.addMail(ctx, tx, m) })
}

// AddMail is Store.AddMail inside the transaction.
func (t *Tx) AddMail(ctx context.Context, m *kassa.Mail) (err error) {
	defer t.s.wrap(&err, "Tx.AddMail(%q)", m.Key)
	return t.s.addMail(ctx, t.r, m)
}

// addMail validates m and inserts it in tx; m.ID stays 0 when its key
// exists already (on a Pipe, m.ID is set once the statement has run:
// Runner.Later).
func (s *Store) addMail(ctx context.Context, tx *Runner, m *kassa.Mail) error {
	if m.State == "" {
		m.State = kassa.MailQueued
	}
	if err := ValidateMail(m); err != nil {
		return err
	}
	now := s.now()
	query := insertMailSQL
	if !s.d.LastInsertID {
		query += ` RETURNING id`
	}
	err := s.insertIDLater(ctx, tx, func(id int64) {
		m.ID = id
		if id != 0 {
			m.CreatedAt = now
		}
	}, query, m.OrderID, m.Key, m.Kind, m.Lang, m.To, m.Subject, m.Text, m.HTML,
		m.Amount, m.State, m.Attempts, m.Error, now.UnixMilli(), Millis(m.SentAt), Millis(m.NextAttemptAt))
	if err != nil {
		return fmt.Errorf("insert mail: %w", err)
	}
	return nil
}

// Mail returns one mail; ENOTFOUND if unknown.
func (s *Store) Mail(ctx context.Context, id int64) (_ *kassa.Mail, err error) {
	defer s.wrap(&err, "Mail(%d)", id)
	return rowByID(ctx, s, "mails", MailColumns, QueryMails, "Mail", id)
}

// Mails lists mails newest first, and the total matching f. See
// kassa.Mails.
func (s *Store) Mails(ctx context.Context, f kassa.MailFilter) (_ []*kassa.Mail, _ int, err error) {
	defer s.wrap(&err, "Mails")
	return pageByStateAndOrder(ctx, s, "mails", MailColumns, QueryMails, string(f.State), f.OrderID,
		newPage(true, f.After, f.Before, f.Limit, f.Offset))
}

// UpdateMail writes a mail's state, attempts, error, sending time and due
// time. See kassa.Mails.
func (s *Store) UpdateMail(ctx context.Context, m *kassa.Mail) (err error) {
	defer s.wrap(&err, "UpdateMail(%d)", m.ID)
	if err := ValidateMailUpdate(m); err != nil {
		return err
	}
	res, err := s.b.Writer().ExecContext(ctx, updateMailSQL, m.State, m.Attempts, m.Error, Millis(m.SentAt),
		Millis(m.NextAttemptAt), m.ID)
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil || n != 1 {
		if err == nil {
			err = kassa.Errorf(kassa.ENOTFOUND, "Mail %d does not exist.", m.ID)
		}
		return err
	}
	return nil
}

// ClaimMails returns up to limit queued mails due at now, earliest first,
// and leases them until lease, in one transaction. See kassa.Mails. The
// due rows are read with the dialect's row lock (PostgreSQL: a concurrent
// claim waits, then finds the rows leased beyond its now and skips them;
// SQLite's single writer needs none). Mails are few, so this plain claim
// is enough; most calls find nothing and only ask a reader.
func (s *Store) ClaimMails(ctx context.Context, now, lease time.Time, limit int) (_ []*kassa.Mail, err error) {
	defer s.wrap(&err, "ClaimMails")
	if err := ValidateClaim(now, lease, limit); err != nil {
		return nil, err
	}
	var due bool
	if err := s.b.Reader().QueryRowContext(ctx, `SELECT EXISTS (SELECT 1`+mailsDue+`)`, now.UnixMilli()).Scan(&due); err != nil || !due {
		return nil, err
	}
	var ms []*kassa.Mail
	err = s.b.Transact(ctx, func(tx *Runner) error {
		var err error
		ms, err = QueryMails(ctx, tx, `SELECT `+MailColumns+mailsDue+` ORDER BY next_attempt_at, id LIMIT ?`+s.d.ForUpdate,
			now.UnixMilli(), limit)
		if err != nil || len(ms) == 0 {
			return err
		}
		return leaseMails(ctx, tx, ms, lease)
	})
	if err != nil {
		return nil, err
	}
	return ms, nil
}

// leaseMails sets the due time of ms to lease, in the store and on ms.
func leaseMails(ctx context.Context, tx *Runner, ms []*kassa.Mail, lease time.Time) error {
	args := []any{lease.UnixMilli()}
	for _, m := range ms {
		args = append(args, m.ID)
		m.NextAttemptAt = time.UnixMilli(lease.UnixMilli()).UTC()
	}
	_, err := tx.ExecContext(ctx, `UPDATE mails SET next_attempt_at = ? WHERE id IN (`+Placeholders(len(ms))+`)`, args...)
	if err != nil {
		return fmt.Errorf("lease mails: %w", err)
	}
	return nil
}

// QueryMails reads the rows of MailColumns that query selects.
func QueryMails(ctx context.Context, q *Runner, query string, args ...any) ([]*kassa.Mail, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var ms []*kassa.Mail
	for rows.Next() {
		var m kassa.Mail
		var created int64
		var sent, next sql.NullInt64
		err := rows.Scan(&m.ID, &m.OrderID, &m.Key, &m.Kind, &m.Lang, &m.To, &m.Subject, &m.Text, &m.HTML,
			&m.Amount, &m.State, &m.Attempts, &m.Error, &created, &sent, &next)
		if err != nil {
			return nil, err
		}
		m.CreatedAt, m.SentAt, m.NextAttemptAt = time.UnixMilli(created).UTC(), FromMillis(sent), FromMillis(next)
		ms = append(ms, &m)
	}
	return ms, rows.Err()
}

// ValidateMail checks a new mail: a known kind and state, a key, an order,
// a recipient, a language and non-negative attempts.
func ValidateMail(m *kassa.Mail) error {
	if m == nil {
		return kassa.Errorf(kassa.EINVALID, "No mail given.")
	}
	var fields []kassa.FieldError
	if !m.Kind.Valid() {
		fields = append(fields, kassa.FieldError{Field: "kind", Message: fmt.Sprintf("unknown kind %q", m.Kind)})
	}
	for _, f := range []struct{ name, value string }{{"key", m.Key}, {"to", m.To}, {"lang", m.Lang}} {
		if strings.TrimSpace(f.value) == "" {
			fields = append(fields, kassa.FieldError{Field: f.name, Message: "is required"})
		}
	}
	if m.OrderID <= 0 {
		fields = append(fields, kassa.FieldError{Field: "orderId", Message: "is required"})
	}
	return invalidMail(append(fields, mailUpdateFields(m)...))
}

// ValidateMailUpdate checks what UpdateMail writes.
func ValidateMailUpdate(m *kassa.Mail) error { return invalidMail(mailUpdateFields(m)) }

func mailUpdateFields(m *kassa.Mail) []kassa.FieldError {
	var fields []kassa.FieldError
	if !m.State.Valid() {
		fields = append(fields, kassa.FieldError{Field: "state", Message: fmt.Sprintf("unknown state %q", m.State)})
	}
	if m.Attempts < 0 {
		fields = append(fields, kassa.FieldError{Field: "attempts", Message: "must not be negative"})
	}
	return fields
}

func invalidMail(fields []kassa.FieldError) error {
	if fields == nil {
		return nil
	}
	return &kassa.Error{Code: kassa.EINVALID, Message: "The mail is invalid.", Fields: fields}
}
