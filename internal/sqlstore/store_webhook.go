package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/kassa-dev/kassa"
)

// Webhook endpoints and the outbox of their deliveries (kassa.Webhooks).
// An event is queued by the TxFunc of the order write that causes it
// (Tx.AddWebhookEvent): one insert that makes a delivery for every enabled
// endpoint wanting its type.
const (
	endpointColumns = `id, url, events, secret, disabled_at, disabled_reason, failing_since, created_at, updated_at`
	// DeliveryColumns are the columns of webhook_deliveries that
	// QueryDeliveries scans, in its order.
	DeliveryColumns = `id, endpoint_id, order_id, message_id, type, body, state, attempts, last_status, last_error,
	last_attempt_at, delivered_at, created_at, next_attempt_at`
	insertEndpointSQL = `INSERT INTO webhook_endpoints (url, events, secret, disabled_at, disabled_reason,
		failing_since, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`
	updateEndpointSQL = `UPDATE webhook_endpoints SET url = ?, events = ?, disabled_at = ?, disabled_reason = ?,
		failing_since = ?, updated_at = ? WHERE id = ?`
	updateDeliverySQL = `UPDATE webhook_deliveries SET state = ?, attempts = ?, last_status = ?, last_error = ?,
		last_attempt_at = ?, delivered_at = ?, next_attempt_at = ? WHERE id = ?`
	// deliveriesDue selects the queued deliveries due at ? to enabled
	// endpoints that are the oldest queued one of their endpoint and order.
	deliveriesDue = ` FROM webhook_deliveries d WHERE d.state = 'queued' AND d.next_attempt_at <= ?
		AND NOT EXISTS (SELECT 1 FROM webhook_deliveries p WHERE p.state = 'queued'
			AND p.endpoint_id = d.endpoint_id AND p.order_id = d.order_id AND p.id < d.id)
		AND EXISTS (SELECT 1 FROM webhook_endpoints e WHERE e.id = d.endpoint_id AND e.disabled_at IS NULL)`
)

// CreateWebhookEndpoint stores a new endpoint. See kassa.Webhooks.
func (s *Store) CreateWebhookEndpoint(ctx context.Context, ep *kassa.WebhookEndpoint) (err error) {
	defer s.wrap(&err, "CreateWebhookEndpoint")
	if err := validateEndpoint(ep, true); err != nil {
		return err
	}
	now := s.now()
	query := insertEndpointSQL
	if !s.d.LastInsertID {
		query += ` RETURNING id`
	}
	return s.b.Transact(ctx, func(tx *Runner) error {
		id, err := s.insertID(ctx, tx, query, ep.URL, joinEvents(ep.Events), ep.Secret, Millis(ep.DisabledAt),
			ep.DisabledReason, Millis(ep.FailingSince), now.UnixMilli(), now.UnixMilli())
		ep.ID, ep.CreatedAt, ep.UpdatedAt = id, now, now
		return err
	})
}

// validateEndpoint names the bad fields of ep; the secret only when new.
func validateEndpoint(ep *kassa.WebhookEndpoint, isNew bool) error {
	var fields []kassa.FieldError
	if u, err := url.Parse(ep.URL); ep.URL == "" || err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		fields = append(fields, kassa.FieldError{Field: "url", Message: "must be an absolute http or https URL"})
	}
	if isNew && ep.Secret == "" {
		fields = append(fields, kassa.FieldError{Field: "secret", Message: "is required"})
	}
	for i, t := range ep.Events {
		if !t.Valid() {
			fields = append(fields, kassa.FieldError{Field: fmt.Sprintf("events[%d]", i), Message: fmt.Sprintf("unknown event type %q", t)})
		}
	}
	if fields == nil {
		return nil
	}
	return &kassa.Error{Code: kassa.EINVALID, Message: "The webhook endpoint is invalid.", Fields: fields}
}

func joinEvents(ts []kassa.WebhookType) string {
	s := make([]string, len(ts))
	for i, t := range ts {
		s[i] = string(t)
	}
	return strings.Join(s, ",")
}

// WebhookEndpoint returns one endpoint.
func (s *Store) WebhookEndpoint(ctx context.Context, id int64) (_ *kassa.WebhookEndpoint, err error) {
	defer s.wrap(&err, "WebhookEndpoint(%d)", id)
	eps, err := s.queryEndpoints(ctx, `SELECT `+endpointColumns+` FROM webhook_endpoints WHERE id = ?`, id)
	if err == nil && len(eps) == 0 {
		err = kassa.Errorf(kassa.ENOTFOUND, "Webhook endpoint %d does not exist.", id)
	}
	if err != nil {
		return nil, err
	}
	return eps[0], nil
}

// WebhookEndpoints lists every endpoint, oldest first.
func (s *Store) WebhookEndpoints(ctx context.Context) (_ []*kassa.WebhookEndpoint, err error) {
	defer s.wrap(&err, "WebhookEndpoints")
	return s.queryEndpoints(ctx, `SELECT `+endpointColumns+` FROM webhook_endpoints ORDER BY id`)
}

func (s *Store) queryEndpoints(ctx context.Context, query string, args ...any) ([]*kassa.WebhookEndpoint, error) {
	rows, err := s.b.Reader().QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var eps []*kassa.WebhookEndpoint
	for rows.Next() {
		var ep kassa.WebhookEndpoint
		var events string
		var disabled, failing sql.NullInt64
		var created, updated int64
		if err := rows.Scan(&ep.ID, &ep.URL, &events, &ep.Secret, &disabled, &ep.DisabledReason, &failing,
			&created, &updated); err != nil {
			return nil, err
		}
		for _, t := range strings.Split(events, ",") {
			if t != "" {
				ep.Events = append(ep.Events, kassa.WebhookType(t))
			}
		}
		ep.DisabledAt, ep.FailingSince = FromMillis(disabled), FromMillis(failing)
		ep.CreatedAt, ep.UpdatedAt = time.UnixMilli(created).UTC(), time.UnixMilli(updated).UTC()
		eps = append(eps, &ep)
	}
	return eps, rows.Err()
}

// UpdateWebhookEndpoint writes an endpoint's mutable fields and runs then.
func (s *Store) UpdateWebhookEndpoint(ctx context.Context, ep *kassa.WebhookEndpoint, then kassa.TxFunc) (err error) {
	defer s.wrap(&err, "UpdateWebhookEndpoint(%d)", ep.ID)
	if err := validateEndpoint(ep, false); err != nil {
		return err
	}
	now := s.now()
	err = s.b.Transact(ctx, func(tx *Runner) error {
		res, err := tx.ExecContext(ctx, updateEndpointSQL, ep.URL, joinEvents(ep.Events), Millis(ep.DisabledAt),
			ep.DisabledReason, Millis(ep.FailingSince), now.UnixMilli(), ep.ID)
		if err := oneRow(res, err, "Webhook endpoint %d does not exist.", ep.ID); err != nil {
			return err
		}
		return s.runHook(ctx, tx, then)
	})
	if err == nil {
		ep.UpdatedAt = now
	}
	return err
}

// DeleteWebhookEndpoint deletes an endpoint with its deliveries.
func (s *Store) DeleteWebhookEndpoint(ctx context.Context, id int64) (err error) {
	defer s.wrap(&err, "DeleteWebhookEndpoint(%d)", id)
	return s.b.Transact(ctx, func(tx *Runner) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM webhook_deliveries WHERE endpoint_id = ?`, id); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `DELETE FROM webhook_endpoints WHERE id = ?`, id)
		return oneRow(res, err, "Webhook endpoint %d does not exist.", id)
	})
}

// oneRow is ENOTFOUND (msg with id) when res changed no row.
func oneRow(res sql.Result, err error, msg string, id int64) error {
	if err != nil {
		return err
	}
	n, err := res.RowsAffected()
	if err == nil && n == 0 {
		err = kassa.Errorf(kassa.ENOTFOUND, msg, id)
	}
	return err
}

// AddWebhookEvent queues ev for the endpoints that want it.
func (s *Store) AddWebhookEvent(ctx context.Context, ev *kassa.WebhookEvent) (err error) {
	defer s.wrap(&err, "AddWebhookEvent(%q)", ev.Key)
	return s.b.Transact(ctx, func(tx *Runner) error { return s.addWebhookEvent(ctx, tx, ev) })
}

// AddWebhookEvent is Store.AddWebhookEvent inside the transaction.
func (t *Tx) AddWebhookEvent(ctx context.Context, ev *kassa.WebhookEvent) (err error) {
	defer t.s.wrap(&err, "Tx.AddWebhookEvent(%q)", ev.Key)
	return t.s.addWebhookEvent(ctx, t.r, ev)
}

// addWebhookEvent inserts a delivery of ev for every enabled endpoint
// whose events are all (”) or name ev's type, unless it has one already.
func (s *Store) addWebhookEvent(ctx context.Context, tx *Runner, ev *kassa.WebhookEvent) error {
	if err := validateWebhookEvent(ev); err != nil {
		return err
	}
	typ := "," + string(ev.Type) + ","
	body := ev.Body
	if body == nil && tx.Pipelined() {
		// On a Pipe the check would be a round trip of its own, which
		// costs more than the encoding; the insert below selects no
		// endpoint when none wants the event.
		var err error
		if body, err = ev.Encode(); err != nil {
			return err
		}
	}
	if body == nil {
		// Nothing to encode when no endpoint wants the event: most shops
		// have none, and the check reads at most one row.
		var wanted bool
		if err := tx.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM webhook_endpoints WHERE disabled_at IS NULL
			AND (events = '' OR `+s.d.StrPos+`(',' || events || ',', ?) > 0))`, typ).Scan(&wanted); err != nil {
			return fmt.Errorf("webhook endpoints: %w", err)
		}
		if !wanted {
			return nil
		}
		var err error
		if body, err = ev.Encode(); err != nil {
			return err
		}
	}
	now := s.now().UnixMilli()
	err := tx.Later(ctx, nil, `
		INSERT INTO webhook_deliveries (endpoint_id, order_id, message_id, type, body, state, created_at, next_attempt_at)
		SELECT id, ?, ?, ?, ?, 'queued', ?, ? FROM webhook_endpoints
		WHERE disabled_at IS NULL AND (events = '' OR `+s.d.StrPos+`(',' || events || ',', ?) > 0)
		ON CONFLICT (endpoint_id, message_id) DO NOTHING`,
		ev.OrderID, "evt_"+ev.Key, ev.Type, body, now, now, typ)
	if err != nil {
		return fmt.Errorf("insert webhook deliveries: %w", err)
	}
	return nil
}

func validateWebhookEvent(ev *kassa.WebhookEvent) error {
	var fields []kassa.FieldError
	if !ev.Type.Valid() {
		fields = append(fields, kassa.FieldError{Field: "type", Message: fmt.Sprintf("unknown type %q", ev.Type)})
	}
	if ev.Key == "" || (len(ev.Body) == 0 && ev.Encode == nil) || ev.OrderID <= 0 {
		fields = append(fields, kassa.FieldError{Field: "event", Message: "key, body (or Encode) and order are required"})
	}
	if fields == nil {
		return nil
	}
	return &kassa.Error{Code: kassa.EINVALID, Message: "The webhook event is invalid.", Fields: fields}
}

// WebhookDelivery returns one delivery.
func (s *Store) WebhookDelivery(ctx context.Context, id int64) (_ *kassa.WebhookDelivery, err error) {
	defer s.wrap(&err, "WebhookDelivery(%d)", id)
	return rowByID(ctx, s, "webhook_deliveries", DeliveryColumns, QueryDeliveries, "Webhook delivery", id)
}

// WebhookDeliveries lists deliveries newest first, one page of f, and
// counts those f selects up to kassa.CountCap+1. An endpoint's list is
// read through webhook_deliveries_endpoint (endpoint_id, id), or with a
// state through webhook_deliveries_endpoint_state (endpoint_id, state, id,
// migration 0029).
func (s *Store) WebhookDeliveries(ctx context.Context, f kassa.WebhookDeliveryFilter) (_ []*kassa.WebhookDelivery, _ int, err error) {
	defer s.wrap(&err, "WebhookDeliveries")
	conds, args := byStateAndOrder(string(f.State), f.OrderID)
	if f.EndpointID != 0 {
		conds, args = append(conds, `endpoint_id = ?`), append(args, f.EndpointID)
	}
	return pageWhere(ctx, s, "webhook_deliveries", DeliveryColumns, QueryDeliveries, conds, args,
		newPage(true, f.After, f.Before, f.Limit, f.Offset))
}

// UpdateWebhookDelivery records an attempt's outcome.
func (s *Store) UpdateWebhookDelivery(ctx context.Context, d *kassa.WebhookDelivery) (err error) {
	defer s.wrap(&err, "UpdateWebhookDelivery(%d)", d.ID)
	if !d.State.Valid() || d.Attempts < 0 {
		return &kassa.Error{Code: kassa.EINVALID, Message: "The webhook delivery is invalid.",
			Fields: []kassa.FieldError{{Field: "state", Message: "a known state and attempts ≥ 0"}}}
	}
	res, err := s.b.Writer().ExecContext(ctx, updateDeliverySQL, d.State, d.Attempts, d.LastStatus, d.LastError,
		Millis(d.LastAttemptAt), Millis(d.DeliveredAt), Millis(d.NextAttemptAt), d.ID)
	return oneRow(res, err, "Webhook delivery %d does not exist.", d.ID)
}

// ClaimWebhookDeliveries claims the due heads of their endpoints' and
// orders' lines, leased until lease. See kassa.Webhooks.
func (s *Store) ClaimWebhookDeliveries(ctx context.Context, now, lease time.Time, limit int) (_ []*kassa.WebhookDelivery, err error) {
	defer s.wrap(&err, "ClaimWebhookDeliveries")
	if err := ValidateClaim(now, lease, limit); err != nil {
		return nil, err
	}
	var due bool
	err = s.b.Reader().QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM webhook_deliveries
		WHERE state = 'queued' AND next_attempt_at <= ?)`, now.UnixMilli()).Scan(&due)
	if err != nil || !due {
		return nil, err
	}
	var ds []*kassa.WebhookDelivery
	err = s.b.Transact(ctx, func(tx *Runner) error {
		var err error
		ds, err = QueryDeliveries(ctx, tx, `SELECT `+prefixed("d.", DeliveryColumns)+deliveriesDue+
			` ORDER BY d.next_attempt_at, d.id LIMIT ?`+s.d.ForUpdate, now.UnixMilli(), limit)
		if err != nil || len(ds) == 0 {
			return err
		}
		args := []any{lease.UnixMilli()}
		for _, d := range ds {
			args = append(args, d.ID)
			d.NextAttemptAt = time.UnixMilli(lease.UnixMilli()).UTC()
		}
		_, err = tx.ExecContext(ctx, `UPDATE webhook_deliveries SET next_attempt_at = ? WHERE id IN (`+
			Placeholders(len(ds))+`)`, args...)
		return err
	})
	return ds, err
}

// prefixed qualifies every column of a column list with p ("d.").
func prefixed(p, columns string) string {
	cols := strings.Split(columns, ",")
	for i, c := range cols {
		cols[i] = p + strings.TrimSpace(c)
	}
	return strings.Join(cols, ", ")
}

// QueryDeliveries reads the rows of DeliveryColumns that query selects.
func QueryDeliveries(ctx context.Context, q *Runner, query string, args ...any) ([]*kassa.WebhookDelivery, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var ds []*kassa.WebhookDelivery
	for rows.Next() {
		var d kassa.WebhookDelivery
		var last, delivered, next sql.NullInt64
		var created int64
		if err := rows.Scan(&d.ID, &d.EndpointID, &d.OrderID, &d.MessageID, &d.Type, &d.Body, &d.State,
			&d.Attempts, &d.LastStatus, &d.LastError, &last, &delivered, &created, &next); err != nil {
			return nil, err
		}
		d.LastAttemptAt, d.DeliveredAt, d.NextAttemptAt = FromMillis(last), FromMillis(delivered), FromMillis(next)
		d.CreatedAt = time.UnixMilli(created).UTC()
		ds = append(ds, &d)
	}
	return ds, rows.Err()
}
