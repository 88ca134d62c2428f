package sqlstore

import (
	"context"
	"slices"
	"strings"
	"unicode"

	"github.com/kassa-dev/kassa"
)

// Order search (docs/architecture.md §Listings at scale). Every order's
// searchable words are stored in orders.search when it is created: the
// number ("k000042"), its digits without zeros ("42"), then the words of
// SearchSuffix. Each store indexes them with its full-text index (SQLite
// FTS5, PostgreSQL GIN over a tsvector), and a query's words match as word
// prefixes, all of them: "anna exa" finds anna.lind@example.se. A search
// reads matches newest first through the index and stops at the page's
// end, so its cost depends on the page, not on the number of orders. The
// payment id is matched whole, through its own unique index.
//
// More searchable fields (a merchant's order reference) join SearchSuffix;
// orders stored before keep their words until their search is rewritten.

// SearchSuffix is the part of an order's searchable words after its number:
// the words of the e-mail, first, last and company name, lower-cased and
// each preceded by a space.
func SearchSuffix(c kassa.Customer) string {
	a := c.Address
	words := SearchWords(c.Email + " " + a.FirstName + " " + a.LastName + " " + a.CompanyName)
	if len(words) == 0 {
		return ""
	}
	return " " + strings.Join(words, " ")
}

// SearchWords splits s into the lower-case words a search matches: runs of
// letters and digits. Both the stored text and a query are split by it,
// so that both stores' full-text indexes see the same words.
func SearchWords(s string) []string {
	return strings.FieldsFunc(strings.ToLower(s), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r)
	})
}

// searchOrders lists the orders matching query q (and status, unless ""),
// one page p, and counts them, at most kassa.CountCap+1.
func (s *Store) searchOrders(ctx context.Context, status kassa.Status, q string, p page) ([]*kassa.Order, int, error) {
	var list []*kassa.Order
	var total int
	words := SearchWords(q)
	if len(words) > 0 {
		conds, args := []string{s.d.SearchMatch}, []any{s.d.SearchQuery(words)}
		if status != "" {
			conds, args = append(conds, `orders.status = ?`), append(args, status)
		}
		var err error
		if total, err = s.cappedCount(ctx, s.d.SearchFrom, where(conds), args); err != nil {
			return nil, 0, err
		}
		keyConds, keyArgs := p.conds(s.d.SearchKey)
		conds, args = append(conds, keyConds...), append(args, keyArgs...)
		tail, args := p.tail(s.d.SearchKey, args)
		list, err = s.queryOrders(ctx, s.b.Reader(), `SELECT `+qualifiedOrderColumns+` FROM `+s.d.SearchFrom+
			where(conds)+tail, args...)
		if err != nil {
			return nil, 0, err
		}
		list = finish(p, list)
	}
	return s.addPaymentMatch(ctx, list, total, status, q, words, p)
}

// addPaymentMatch adds to a search's page and total the order whose
// payment id is the whole query q, unless the words matched it already.
// It joins the page when its id lies within the page's keyset bounds (on
// the first page of an offset listing only), in id order, and the page is
// cut to its size again.
func (s *Store) addPaymentMatch(ctx context.Context, list []*kassa.Order, total int, status kassa.Status,
	q string, words []string, p page) ([]*kassa.Order, int, error) {
	o, err := QueryOrderWithLines(ctx, s.b.Reader(), s.q.orderByPaymentID, q)
	if err != nil || o == nil || (status != "" && o.Status != status) {
		return list, total, err
	}
	if len(words) > 0 {
		var n int
		err := s.b.Reader().QueryRowContext(ctx, `SELECT count(*) FROM `+s.d.SearchFrom+` WHERE `+
			s.d.SearchMatch+` AND `+s.d.SearchKey+` = ?`, s.d.SearchQuery(words), o.ID).Scan(&n)
		if err != nil || n > 0 {
			return list, total, err
		}
	}
	total++
	if !p.holds(o.ID) {
		return list, total, nil
	}
	list = append(list, o)
	slices.SortFunc(list, func(a, b *kassa.Order) int {
		if a.ID > b.ID {
			return -1
		}
		return 1
	})
	if len(list) > p.limit {
		if p.reversed() {
			list = list[1:]
		} else {
			list = list[:p.limit]
		}
	}
	return list, total, nil
}

// qualifiedOrderColumns are orderColumns named with their table, for a
// select that joins another.
var qualifiedOrderColumns = func() string {
	cols := strings.Split(orderColumns, ",")
	for i, c := range cols {
		cols[i] = "orders." + strings.TrimSpace(c)
	}
	return strings.Join(cols, ", ")
}()
