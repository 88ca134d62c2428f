package sqlstore

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"unicode"

	"github.com/kassa-dev/kassa"
)

// Order search (docs/architecture.md §Listings at scale). Every order's
// searchable words are stored in orders.search when it is created: the
// number as words ("k 000042"), its digits without zeros ("42"), then the
// words of SearchSuffix (SearchPrefix and SearchSuffix; the stores'
// InsertOrderSQL write the prefix themselves). Each store indexes them
// (SQLite with FTS5, PostgreSQL in a table of its own: Dialect.SearchQuery
// of sqlite/search.go and postgres/search.go). A query's words must all be
// words of the order but the last, which may be a word's beginning, as it
// is while it is typed: "anna exa" finds anna.lind@example.se. (Every word
// a prefix was tried: a short, common one, "com" of an e-mail, made SQLite
// gather every order holding a word that begins so, 200 ms at a million
// orders, where whole words are a lookup of 1-2 ms.) A search reads
// matches newest first through the index and stops at the page's end, so
// its cost depends on the page, not on the number of orders. A payment id
// is matched whole, through its own unique index, and a whole e-mail
// address through the index of the lower-cased addresses (searchOrders).
//
// More searchable fields join SearchSuffix; orders stored before keep
// their words until their search is rewritten.

// SearchSuffix is the part of an order's searchable words after its number:
// the words of the e-mail, first, last and company name and of the
// merchant's reference, lower-cased and each preceded by a space.
func SearchSuffix(o *kassa.Order) string {
	a := o.Customer.Address
	words := SearchWords(o.Customer.Email + " " + a.FirstName + " " + a.LastName + " " + a.CompanyName + " " + o.Reference)
	if len(words) == 0 {
		return ""
	}
	return " " + strings.Join(words, " ")
}

// NumberWord is the first word of every order's searchable words, the
// letter of its number: as a whole word of a query it selects nothing.
const NumberWord = "k"

// SearchPrefix is the first words of an order's searchable words: its
// number, split as SearchWords splits it, and its id.
func SearchPrefix(number string, id int64) string {
	return NumberWord + " " + strings.TrimPrefix(number, "K") + " " + strconv.FormatInt(id, 10)
}

// SearchWords splits s into the lower-case words a search matches: runs of
// letters and runs of digits ("lindqvist88" is two words). Both the stored
// text and a query are split by it, so that both stores' full-text
// indexes see the same words. Splitting the digits off keeps the words
// that begin alike few: e-mails made of a name and a number would
// otherwise make every name a thousand words, which a query's last word
// must all be looked up as (sqlite.ftsQuery).
func SearchWords(s string) []string {
	lower := strings.ToLower(s)
	var words []string
	start, kind := 0, 0 // kind of the run at start: 0 none, 1 letters, 2 digits
	for i, r := range lower {
		k := 0
		switch {
		case unicode.IsLetter(r):
			k = 1
		case unicode.IsDigit(r):
			k = 2
		}
		if k == kind {
			continue
		}
		if kind != 0 {
			words = append(words, lower[start:i])
		}
		start, kind = i, k
	}
	if kind != 0 {
		words = append(words, lower[start:])
	}
	return words
}

// searchOrders lists the orders matching query q (and status, unless ""),
// one page p, and counts them, at most kassa.CountCap+1. A query that is
// the payment id of an order finds that order alone: its words (a dozen
// letters and digits of a UUID) would only make the full-text index
// intersect some of its longest lists (50 ms at a million orders on
// PostgreSQL) to find nothing more.
func (s *Store) searchOrders(ctx context.Context, status kassa.Status, q string, p page) ([]*kassa.Order, int, error) {
	o, err := QueryOrderWithLines(ctx, s.b.Reader(), s.q.orderByPaymentID, q)
	switch {
	case err != nil:
		return nil, 0, err
	case o != nil && status != "" && o.Status != status:
		return nil, 0, nil
	case o != nil && p.holds(o.ID):
		return []*kassa.Order{o}, 1, nil
	case o != nil:
		return nil, 1, nil
	}
	if list, total, ok, err := s.emailOrders(ctx, status, q, p); err != nil || ok {
		return list, total, err
	}
	words := SearchWords(q)
	if len(words) == 0 {
		return nil, 0, nil
	}
	ws, err := s.d.SearchQuery(ctx, s.b.Reader(), words)
	if err != nil || ws.From == "" {
		return nil, 0, err
	}
	conds, args := slices.Clone(ws.Where), append(slices.Clone(ws.Options), ws.Args...)
	if status != "" {
		conds, args = append(conds, cmp.Or(ws.Status, `orders.status = ?`)), append(args, status)
	}
	total, err := s.cappedCount(ctx, cmp.Or(ws.CountFrom, ws.From), where(conds), args)
	if err != nil {
		return nil, 0, err
	}
	keyConds, keyArgs := p.conds(ws.Key)
	conds, args = append(conds, keyConds...), append(args, keyArgs...)
	tail, args := p.tail(ws.Key, args)
	list, err := s.queryOrders(ctx, s.b.Reader(), `SELECT `+qualifiedOrderColumns+` FROM `+ws.From+
		where(conds)+tail, args...)
	return finish(p, list), total, err
}

// A WordSearch selects the orders that hold a query's words (a store's
// Dialect.SearchQuery): From is orders joined with what finds them, Where
// the conditions, with their Args, that the words ask, and Key the order
// id by which matches are ordered and paged. Options go before the
// arguments of its statements: the driver's options for them.
//
// A store whose index finds the orders without reading them can say how
// to filter and count them so too: Status is the condition, with one
// argument, that the order with id Key has a status (by default
// orders.status = ?, which reads each match's row: at ten million orders
// those rows are scattered over the whole file, where an index of
// (status, id) is small and cached), and CountFrom is what the count
// reads when Where and Status need nothing of orders (by default From).
type WordSearch struct {
	From      string
	Where     []string
	Args      []any
	Key       string
	Options   []any
	Status    string
	CountFrom string
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

// emailOrders lists and counts, as searchOrders, the orders whose
// customer's e-mail is q, ignoring case, when q is an e-mail address and
// some order has it (ok). Its words (a first and a last name, a mail
// domain) are each held by many orders, which the full-text index must
// intersect: 74 ms at ten million orders on SQLite, 65–147 ms at a
// million on PostgreSQL (docs/performance.md), where the index
// orders_email (migration 0030) finds the address's orders newest first.
// An order of another address with the same words (lind.anna@… for
// anna.lind@…) is then not listed. An address no order has, as one is
// while it is typed (anna.lind@example.s), is searched by its words as
// any query; whether some order has it is asked whatever the status and
// the page, so that every page of one query is searched the same way.
func (s *Store) emailOrders(ctx context.Context, status kassa.Status, q string, p page) (
	_ []*kassa.Order, _ int, ok bool, _ error) {
	q = strings.TrimSpace(q)
	if !isAddress(q) {
		return nil, 0, false, nil
	}
	match := s.d.EmailKey + ` = lower(?)`
	var one int
	err := s.b.Reader().QueryRowContext(ctx, `SELECT 1 FROM orders WHERE `+match+` LIMIT 1`, q).Scan(&one)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return nil, 0, false, nil
	case err != nil:
		return nil, 0, false, fmt.Errorf("orders of e-mail: %w", err)
	}
	conds, args := []string{match}, []any{q}
	if status != "" {
		conds, args = append(conds, `status = ?`), append(args, status)
	}
	total, err := s.cappedCount(ctx, `orders`, where(conds), args)
	if err != nil {
		return nil, 0, false, err
	}
	keyConds, keyArgs := p.conds(`id`)
	conds, args = append(conds, keyConds...), append(args, keyArgs...)
	tail, args := p.tail(`id`, args)
	list, err := s.queryOrders(ctx, s.b.Reader(), `SELECT `+orderColumns+` FROM orders`+where(conds)+tail, args...)
	return finish(p, list), total, true, err
}

// isAddress reports whether q looks like a whole e-mail address: no
// spaces, something before its last @, and a dot with something after
// it in the domain.
func isAddress(q string) bool {
	at := strings.LastIndexByte(q, '@')
	if at <= 0 || strings.ContainsFunc(q, unicode.IsSpace) {
		return false
	}
	domain := q[at+1:]
	dot := strings.LastIndexByte(domain, '.')
	return dot > 0 && dot < len(domain)-1
}
