package sqlstore

import (
	"context"
	"slices"
	"strconv"

	"github.com/kassa-dev/kassa"
)

// page is how one listing page is cut: a keyset (after, before) or an
// offset, in the listing's order (desc: newest first, by id).
type page struct {
	desc          bool
	after, before int64
	limit, offset int
}

// newPage returns the page of a filter's paging fields.
func newPage(desc bool, after, before int64, limit, offset int) page {
	return page{desc: desc, after: after, before: before, limit: pageSize(limit), offset: max(offset, 0)}
}

// keyed reports whether the page is cut by a keyset rather than an offset.
func (p page) keyed() bool { return p.after != 0 || p.before != 0 }

// reversed reports whether the rows are read against the listing's order
// (the page before a key, nearest first) and must be reversed after.
func (p page) reversed() bool { return p.before != 0 && p.after == 0 }

// conds returns the keyset conditions on key and their arguments.
func (p page) conds(key string) ([]string, []any) {
	var conds []string
	var args []any
	older, newer := " < ?", " > ?"
	if !p.desc {
		older, newer = newer, older
	}
	if p.after != 0 {
		conds, args = append(conds, key+older), append(args, p.after)
	}
	if p.before != 0 {
		conds, args = append(conds, key+newer), append(args, p.before)
	}
	return conds, args
}

// tail returns the ORDER BY, LIMIT and OFFSET of the page on key, and
// appends their arguments to args.
func (p page) tail(key string, args []any) (string, []any) {
	desc := p.desc != p.reversed()
	dir := " ASC"
	if desc {
		dir = " DESC"
	}
	if p.keyed() {
		return ` ORDER BY ` + key + dir + ` LIMIT ?`, append(args, p.limit)
	}
	return ` ORDER BY ` + key + dir + ` LIMIT ? OFFSET ?`, append(args, p.limit, p.offset)
}

// finish puts rows read by the page into the listing's order.
func finish[T any](p page, rows []T) []T {
	if p.reversed() {
		slices.Reverse(rows)
	}
	return rows
}

// cappedCount counts the rows of table matching where, at most
// kassa.CountCap+1 of them: the cost is bounded however many match.
func (s *Store) cappedCount(ctx context.Context, from, where string, args []any) (int, error) {
	var n int
	err := s.b.Reader().QueryRowContext(ctx, `SELECT count(*) FROM (SELECT 1 FROM `+from+where+
		` LIMIT `+strconv.Itoa(kassa.CountCap+1)+`) capped`, args...).Scan(&n)
	return n, err
}

// holds reports whether a row with id is on the page of a newest-first
// listing of that row alone: within its keyset bounds, or on the first
// page of an offset.
func (p page) holds(id int64) bool {
	switch {
	case p.after != 0 && id >= p.after, p.before != 0 && id <= p.before:
		return false
	case !p.keyed():
		return p.offset == 0
	}
	return true
}
