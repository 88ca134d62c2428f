package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/kassa-dev/kassa"
)

// The rate limits (kassa.Limits): one row per key with its theoretical
// arrival time, tat, in unix milliseconds.
const (
	// takeLimitSQL takes one from a key's allowance if it may take: it
	// inserts the key's row, or moves its tat to max(tat, now) + every
	// when tat <= now + (burst-1)*every, in one statement, and returns
	// the new tat; no row when the key may not take. Its arguments: key,
	// now + every, now, now, every, now + (burst-1)*every.
	takeLimitSQL = `INSERT INTO rate_limits (limit_key, tat) VALUES (?, ?)
		ON CONFLICT (limit_key) DO UPDATE
		SET tat = CASE WHEN rate_limits.tat > ? THEN rate_limits.tat ELSE ? END + ?
		WHERE rate_limits.tat <= ?
		RETURNING tat`
	// purgeLimitsSQL deletes up to n rows whose tat has passed. The outer
	// tat condition holds against a take that moved a selected row's tat
	// in the meantime (PostgreSQL checks it again on the row it deletes).
	purgeLimitsSQL = `DELETE FROM rate_limits WHERE tat <= ? AND limit_key IN
		(SELECT limit_key FROM rate_limits WHERE tat <= ? LIMIT ?)`
)

// maxLimitKey bounds the length of a limit's key.
const maxLimitKey = 200

// errLimitRefused rolls back a TakeLimit that may not take all its limits.
var errLimitRefused = errors.New("limit refused")

// LimitWait returns how long until each of limits may take at now.
func (s *Store) LimitWait(ctx context.Context, now time.Time, limits ...kassa.Limit) (_ time.Duration, err error) {
	defer s.wrap(&err, "LimitWait")
	if err := checkLimits(limits); err != nil {
		return 0, err
	}
	tats, err := limitTATs(ctx, s.b.Reader(), limits)
	if err != nil {
		return 0, err
	}
	var wait time.Duration
	for _, l := range limits {
		wait = max(wait, limitWait(l, tats[l.Key], now))
	}
	return wait, nil
}

// TakeLimit takes one from the allowance of each of limits, all or none.
// The keys are taken in their order, so that two takes of the same keys
// never wait for each other's row locks in opposite orders.
func (s *Store) TakeLimit(ctx context.Context, now time.Time, limits ...kassa.Limit) (_ time.Duration, err error) {
	defer s.wrap(&err, "TakeLimit")
	if err := checkLimits(limits); err != nil {
		return 0, err
	}
	sorted := slices.SortedFunc(slices.Values(limits), func(a, b kassa.Limit) int { return strings.Compare(a.Key, b.Key) })
	ms := now.UnixMilli()
	var wait time.Duration
	err = s.b.Transact(ctx, func(tx *Runner) error {
		for i, l := range sorted {
			every := l.Every.Milliseconds()
			var tat int64 // a row back says it took
			err := tx.QueryRowContext(ctx, takeLimitSQL, l.Key, ms+every, ms, ms, every,
				ms+int64(l.Burst-1)*every).Scan(&tat)
			if errors.Is(err, sql.ErrNoRows) {
				wait, err = refusedWait(ctx, tx, sorted, i, now)
				if err != nil {
					return err
				}
				return errLimitRefused
			}
			if err != nil {
				return fmt.Errorf("take %q: %w", l.Key, err)
			}
		}
		return nil
	})
	if errors.Is(err, errLimitRefused) {
		return max(wait, time.Millisecond), nil
	}
	return 0, err
}

// refusedWait returns how long until all of sorted may take when
// sorted[i] may not. Those before it took, so they may take at now: they
// add no wait (and their rows, read in the transaction, hold the takes
// about to be rolled back).
func refusedWait(ctx context.Context, tx *Runner, sorted []kassa.Limit, i int, now time.Time) (time.Duration, error) {
	tats, err := limitTATs(ctx, tx, sorted[i:])
	if err != nil {
		return 0, err
	}
	var wait time.Duration
	for _, l := range sorted[i:] {
		wait = max(wait, limitWait(l, tats[l.Key], now))
	}
	return wait, nil
}

// PurgeLimits deletes up to n keys whose tat is not after now.
func (s *Store) PurgeLimits(ctx context.Context, now time.Time, n int) (_ int64, err error) {
	defer s.wrap(&err, "PurgeLimits")
	if n <= 0 {
		return 0, nil
	}
	ms := now.UnixMilli()
	return affected(s.b.Writer().ExecContext(ctx, purgeLimitsSQL, ms, ms, n))
}

// limitTATs reads the tats of the keys of limits that have a row.
func limitTATs(ctx context.Context, r *Runner, limits []kassa.Limit) (map[string]int64, error) {
	args := make([]any, len(limits))
	for i, l := range limits {
		args[i] = l.Key
	}
	rows, err := r.QueryContext(ctx, `SELECT limit_key, tat FROM rate_limits WHERE limit_key IN (`+
		Placeholders(len(args))+`)`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	tats := map[string]int64{}
	for rows.Next() {
		var key string
		var tat int64
		if err := rows.Scan(&key, &tat); err != nil {
			return nil, err
		}
		tats[key] = tat
	}
	return tats, rows.Err()
}

// limitWait returns how long until l, whose key's tat is tat (0: no row),
// may take at now: tat + Every - Burst*Every - now, or 0.
func limitWait(l kassa.Limit, tat int64, now time.Time) time.Duration {
	every := l.Every.Milliseconds()
	ready := tat + every - int64(l.Burst)*every
	return max(0, time.Duration(ready-now.UnixMilli())*time.Millisecond)
}

// checkLimits says what is wrong with limits: none, an empty or long key,
// a key twice, an Every under a millisecond or a Burst under 1.
func checkLimits(limits []kassa.Limit) error {
	if len(limits) == 0 {
		return kassa.Errorf(kassa.EINVALID, "No limit given.")
	}
	seen := map[string]bool{}
	for _, l := range limits {
		switch {
		case l.Key == "" || len(l.Key) > maxLimitKey:
			return kassa.Errorf(kassa.EINVALID, "A limit's key must have 1 to %d bytes.", maxLimitKey)
		case seen[l.Key]:
			return kassa.Errorf(kassa.EINVALID, "The limit %q is given twice.", l.Key)
		case l.Every < time.Millisecond:
			return kassa.Errorf(kassa.EINVALID, "The limit %q comes back in less than a millisecond.", l.Key)
		case l.Burst < 1:
			return kassa.Errorf(kassa.EINVALID, "The limit %q allows no take.", l.Key)
		}
		seen[l.Key] = true
	}
	return nil
}
