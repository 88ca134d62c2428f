package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/kassa-dev/kassa"
)

const (
	checkoutStateSQL    = `SELECT data, updated_at FROM checkout_states WHERE id_hash = ?`
	putCheckoutStateSQL = `INSERT INTO checkout_states (id_hash, data, updated_at) VALUES (?, ?, ?)
		ON CONFLICT (id_hash) DO UPDATE SET data = excluded.data, updated_at = excluded.updated_at`
)

// CheckoutState returns the checkout state id.
func (s *Store) CheckoutState(ctx context.Context, id kassa.SessionHash) (_ kassa.CheckoutState, err error) {
	defer s.wrap(&err, "CheckoutState")
	st := kassa.CheckoutState{ID: id}
	var updated int64
	err = s.b.Reader().QueryRowContext(ctx, checkoutStateSQL, id[:]).Scan(&st.Data, &updated)
	if errors.Is(err, sql.ErrNoRows) {
		return st, kassa.Errorf(kassa.ENOTFOUND, "The checkout state does not exist.")
	}
	st.UpdatedAt = time.UnixMilli(updated).UTC()
	return st, err
}

// PutCheckoutState stores st, replacing a state stored under its ID.
func (s *Store) PutCheckoutState(ctx context.Context, st kassa.CheckoutState) (err error) {
	defer s.wrap(&err, "PutCheckoutState")
	if st.ID == (kassa.SessionHash{}) {
		return kassa.Errorf(kassa.EINVALID, "The checkout state has no id.")
	}
	if st.Data == nil {
		st.Data = []byte{}
	}
	_, err = s.b.Writer().ExecContext(ctx, putCheckoutStateSQL, st.ID[:], st.Data, st.UpdatedAt.UnixMilli())
	return err
}

// DeleteCheckoutState deletes the checkout state id, if there is one.
func (s *Store) DeleteCheckoutState(ctx context.Context, id kassa.SessionHash) (err error) {
	defer s.wrap(&err, "DeleteCheckoutState")
	_, err = s.b.Writer().ExecContext(ctx, `DELETE FROM checkout_states WHERE id_hash = ?`, id[:])
	return err
}

// PurgeCheckoutStates deletes the checkout states last stored before t.
func (s *Store) PurgeCheckoutStates(ctx context.Context, before time.Time) (_ int64, err error) {
	defer s.wrap(&err, "PurgeCheckoutStates")
	return affected(s.b.Writer().ExecContext(ctx, `DELETE FROM checkout_states WHERE updated_at < ?`,
		before.UnixMilli()))
}
