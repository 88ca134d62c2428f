package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/kassa-dev/kassa"
)

const (
	insertAnswerSQL = `INSERT INTO idempotency_answers (key, body_hash, status, body, at)
		VALUES (?, ?, ?, ?, ?) ON CONFLICT (key) DO NOTHING`
	answerSQL = `SELECT body_hash, status, body, at FROM idempotency_answers WHERE key = ?`
)

// Answer returns the stored answer of the API request keyed key.
func (s *Store) Answer(ctx context.Context, key string) (_ kassa.Answer, _ bool, err error) {
	defer s.wrap(&err, "Answer")
	a, err := scanAnswer(s.b.Reader().QueryRowContext(ctx, answerSQL, key), key)
	if errors.Is(err, sql.ErrNoRows) {
		return kassa.Answer{}, false, nil
	}
	return a, err == nil, err
}

// PutAnswer stores a unless an answer for a.Key is stored already, which
// it then returns with false.
func (s *Store) PutAnswer(ctx context.Context, a kassa.Answer) (_ kassa.Answer, stored bool, err error) {
	defer s.wrap(&err, "PutAnswer")
	switch {
	case a.Key == "":
		return a, false, kassa.Errorf(kassa.EINVALID, "The answer has no key.")
	case a.Status < 100 || a.Status > 599:
		return a, false, kassa.Errorf(kassa.EINVALID, "The answer's status %d is not an HTTP status.", a.Status)
	case a.At.IsZero():
		return a, false, kassa.Errorf(kassa.EINVALID, "The answer has no time.")
	}
	a.At = a.At.UTC().Truncate(time.Millisecond)
	if a.Body == nil {
		a.Body = []byte{}
	}
	kept := a
	err = s.b.Transact(ctx, func(tx *Runner) error {
		res, err := tx.ExecContext(ctx, insertAnswerSQL, a.Key, a.BodyHash[:], a.Status, a.Body, a.At.UnixMilli())
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n == 1 {
			stored = err == nil
			return err
		}
		kept, err = scanAnswer(tx.QueryRowContext(ctx, answerSQL, a.Key), a.Key)
		return err
	})
	if err != nil {
		return a, false, err
	}
	return kept, stored, nil
}

// DeleteAnswers deletes the answers stored before t.
func (s *Store) DeleteAnswers(ctx context.Context, before time.Time) (_ int64, err error) {
	defer s.wrap(&err, "DeleteAnswers")
	res, err := s.b.Writer().ExecContext(ctx, `DELETE FROM idempotency_answers WHERE at < ?`, before.UnixMilli())
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

func scanAnswer(row *sql.Row, key string) (kassa.Answer, error) {
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
	a.At = time.UnixMilli(at).UTC()
	return a, nil
}
