package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/kassa-dev/kassa"
)

const (
	sessionColumns   = `id_hash, user_name, created_at, last_seen_at, expires_at, user_agent, ip`
	insertSessionSQL = `INSERT INTO admin_sessions (` + sessionColumns + `) VALUES (?, ?, ?, ?, ?, ?, ?)`
	sessionSQL       = `SELECT ` + sessionColumns + ` FROM admin_sessions WHERE id_hash = ? AND expires_at > ?`
	sessionsSQL      = `SELECT ` + sessionColumns + ` FROM admin_sessions WHERE user_name = ? AND expires_at > ?
		ORDER BY last_seen_at DESC, created_at DESC`
)

// CreateSession stores a new session.
func (s *Store) CreateSession(ctx context.Context, ses kassa.Session) (err error) {
	defer s.wrap(&err, "CreateSession")
	switch {
	case ses.IDHash == kassa.SessionHash{}:
		return kassa.Errorf(kassa.EINVALID, "The session has no id.")
	case ses.User == "":
		return kassa.Errorf(kassa.EINVALID, "The session has no user.")
	case !ses.ExpiresAt.After(ses.CreatedAt):
		return kassa.Errorf(kassa.EINVALID, "The session expires before it begins.")
	}
	_, err = s.b.Writer().ExecContext(ctx, insertSessionSQL, ses.IDHash[:], ses.User, ses.CreatedAt.UnixMilli(),
		ses.LastSeenAt.UnixMilli(), ses.ExpiresAt.UnixMilli(), ses.UserAgent, ses.IP)
	return err
}

// Session returns the session id unless it has expired at now.
func (s *Store) Session(ctx context.Context, id kassa.SessionHash, now time.Time) (_ kassa.Session, err error) {
	defer s.wrap(&err, "Session")
	ses, err := scanSession(s.b.Reader().QueryRowContext(ctx, sessionSQL, id[:], now.UnixMilli()))
	if errors.Is(err, sql.ErrNoRows) {
		return ses, kassa.Errorf(kassa.ENOTFOUND, "The session does not exist or has expired.")
	}
	return ses, err
}

// TouchSession sets the LastSeenAt of session id.
func (s *Store) TouchSession(ctx context.Context, id kassa.SessionHash, seen time.Time) (err error) {
	defer s.wrap(&err, "TouchSession")
	res, err := s.b.Writer().ExecContext(ctx, `UPDATE admin_sessions SET last_seen_at = ? WHERE id_hash = ?`,
		seen.UnixMilli(), id[:])
	return oneSession(res, err)
}

// Sessions lists the sessions of user not expired at now, the most
// recently seen first.
func (s *Store) Sessions(ctx context.Context, user string, now time.Time) (_ []kassa.Session, err error) {
	defer s.wrap(&err, "Sessions")
	return queryRows(ctx, s.b.Reader(), scanSession, sessionsSQL, user, now.UnixMilli())
}

// DeleteSession deletes session id.
func (s *Store) DeleteSession(ctx context.Context, id kassa.SessionHash) (err error) {
	defer s.wrap(&err, "DeleteSession")
	res, err := s.b.Writer().ExecContext(ctx, `DELETE FROM admin_sessions WHERE id_hash = ?`, id[:])
	return oneSession(res, err)
}

// DeleteSessions deletes every session of user except keep.
func (s *Store) DeleteSessions(ctx context.Context, user string, keep kassa.SessionHash) (_ int64, err error) {
	defer s.wrap(&err, "DeleteSessions")
	return affected(s.b.Writer().ExecContext(ctx, `DELETE FROM admin_sessions WHERE user_name = ? AND id_hash <> ?`,
		user, keep[:]))
}

// PurgeSessions deletes the sessions expired at now.
func (s *Store) PurgeSessions(ctx context.Context, now time.Time) (_ int64, err error) {
	defer s.wrap(&err, "PurgeSessions")
	return affected(s.b.Writer().ExecContext(ctx, `DELETE FROM admin_sessions WHERE expires_at <= ?`,
		now.UnixMilli()))
}

// scanSession reads a row of sessionColumns.
func scanSession(row interface{ Scan(...any) error }) (kassa.Session, error) {
	var ses kassa.Session
	var hash []byte
	var created, seen, expires int64
	if err := row.Scan(&hash, &ses.User, &created, &seen, &expires, &ses.UserAgent, &ses.IP); err != nil {
		return ses, err
	}
	if len(hash) != len(ses.IDHash) {
		return ses, errors.New("stored session id hash has the wrong length")
	}
	copy(ses.IDHash[:], hash)
	ses.CreatedAt, ses.LastSeenAt = time.UnixMilli(created).UTC(), time.UnixMilli(seen).UTC()
	ses.ExpiresAt = time.UnixMilli(expires).UTC()
	return ses, nil
}

// oneSession is the error of a write of one session: ENOTFOUND when it
// changed no row.
func oneSession(res sql.Result, err error) error {
	n, err := affected(res, err)
	if err == nil && n == 0 {
		return kassa.Errorf(kassa.ENOTFOUND, "The session does not exist.")
	}
	return err
}

// affected returns the number of rows a statement changed.
func affected(res sql.Result, err error) (int64, error) {
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}
