package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/kassa-dev/kassa"
)

const (
	claimAnswerSQL = `INSERT INTO idempotency_answers (key, body_hash, status, body, at)
		VALUES (?, ?, 0, ?, ?) ON CONFLICT (key) DO UPDATE
		SET body_hash = excluded.body_hash, status = 0, body = excluded.body, at = excluded.at
		WHERE (idempotency_answers.status = 0 AND idempotency_answers.body_hash = excluded.body_hash
			AND idempotency_answers.at < ?)
		OR (idempotency_answers.status <> 0 AND idempotency_answers.at < ?)`
	putAnswerSQL = `INSERT INTO idempotency_answers (key, body_hash, status, body, at)
		VALUES (?, ?, ?, ?, ?) ON CONFLICT (key) DO UPDATE
		SET status = excluded.status, body = excluded.body, at = excluded.at
		WHERE idempotency_answers.status = 0`
	answerSQL = `SELECT body_hash, status, body, at FROM idempotency_answers WHERE key = ?`
)

// Answer returns what is stored for the API request keyed key.
func (s *Store) Answer(ctx context.Context, key string) (_ kassa.Answer, _ bool, err error) {
	defer s.wrap(&err, "Answer")
	a, err := scanAnswer(s.b.Reader().QueryRowContext(ctx, answerSQL, key), key)
	if errors.Is(err, sql.ErrNoRows) {
		return kassa.Answer{}, false, nil
	}
	return a, err == nil, err
}

// ClaimAnswer stores the claim a unless something is stored for a.Key,
// which it then returns with false; a claim for the same body stored
// before takeOver is replaced.
func (s *Store) ClaimAnswer(ctx context.Context, a kassa.Answer, takeOver, expired time.Time) (_ kassa.Answer, claimed bool, err error) {
	defer s.wrap(&err, "ClaimAnswer")
	if a.Status != 0 {
		return a, false, kassa.Errorf(kassa.EINVALID, "A claim has status 0, not %d.", a.Status)
	}
	if a, err = checkAnswer(a); err != nil {
		return a, false, err
	}
	kept := a
	err = s.b.Transact(ctx, func(tx *Runner) error {
		res, err := tx.ExecContext(ctx, claimAnswerSQL, a.Key, a.BodyHash[:], a.Body, a.At.UnixMilli(),
			cutoff(takeOver), cutoff(expired))
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n == 1 {
			claimed = err == nil
			return err
		}
		kept, err = scanAnswer(tx.QueryRowContext(ctx, answerSQL, a.Key), a.Key)
		return err
	})
	if err != nil {
		return a, false, err
	}
	return kept, claimed, nil
}

// PutAnswer stores the answer a in place of its claim.
func (s *Store) PutAnswer(ctx context.Context, a kassa.Answer) (err error) {
	defer s.wrap(&err, "PutAnswer")
	if a.Status < 100 || a.Status > 599 {
		return kassa.Errorf(kassa.EINVALID, "The answer's status %d is not an HTTP status.", a.Status)
	}
	if a, err = checkAnswer(a); err != nil {
		return err
	}
	_, err = s.b.Writer().ExecContext(ctx, putAnswerSQL, a.Key, a.BodyHash[:], a.Status, a.Body, a.At.UnixMilli())
	return err
}

// checkAnswer validates what both writes need and normalises a.
func checkAnswer(a kassa.Answer) (kassa.Answer, error) {
	switch {
	case a.Key == "":
		return a, kassa.Errorf(kassa.EINVALID, "The answer has no key.")
	case a.At.IsZero():
		return a, kassa.Errorf(kassa.EINVALID, "The answer has no time.")
	}
	a.At, a.Body = a.At.UTC().Truncate(time.Millisecond), body(a.Body)
	return a, nil
}

// DeleteAnswers deletes the answers stored before t; claims stay.
func (s *Store) DeleteAnswers(ctx context.Context, before time.Time) (_ int64, err error) {
	defer s.wrap(&err, "DeleteAnswers")
	res, err := s.b.Writer().ExecContext(ctx, `DELETE FROM idempotency_answers WHERE at < ? AND status <> 0`, before.UnixMilli())
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

func scanAnswer(row Row, key string) (kassa.Answer, error) {
	a := kassa.Answer{Key: key}
	var hash []byte
	var at int64
	if err := row.Scan(&hash, &a.Status, &a.Body, &at); err != nil {
		return a, err
	}
	if len(hash) != len(a.BodyHash) {
		return a, errors.New("stored body hash has the wrong length")
	}
	copy(a.BodyHash[:], hash)
	a.At, a.Body = time.UnixMilli(at).UTC(), body(a.Body) // SQLite reads an empty BLOB as nil
	return a, nil
}

// cutoff is t in milliseconds for an "at < ?" test; the zero time is 0,
// which no stored time is older than.
func cutoff(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMilli()
}
