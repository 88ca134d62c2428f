package postgres

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"

	"github.com/kassa-dev/kassa/internal/sqlstore"
)

// Order search through order_words (migration 0030), a row for each word
// of each order with the primary key (word, order_id): a word's orders are
// a range of that key in id order. A search reads one list of order ids
// newest first, the driver, joins each id's order and checks the query's
// other words by a lookup of (word, id) each, so that the read stops at
// the page's end (and the count at kassa.CountCap+1) without gathering
// every match, as the GIN index of migration 0010 had to: its searches
// grew with the table (docs/performance.md §Admin requests at scale).
//
// The query's last word may be a word's beginning. It is expanded into
// the words it begins (at most maxExpansion), read from the primary key's
// range of that beginning one distinct word at a time ("lind": lind,
// lindberg, lindgren …); their orders are one list. A beginning of more
// words is checked in orders.search instead (a "wide" one: the orders
// are then read newest first when it is the only word).
//
// The driver is the query's rarest list: the lists' orders are counted up
// to rareCap each first (an index-only read of a few thousand entries at
// most), and the list of fewest drives, the first whole word's when all
// are common. The list of several words drives as their orders gathered
// and sorted when they are few; when they are many, the orders are read
// newest first and each one checked (driverFrom says why).

// maxExpansion is the most words a query's last word is expanded into.
const maxExpansion = 32

// rareCap is the count above which a word's list is common: a driver of
// at most rareCap orders is read whole cheaply, and among common ones any
// may drive.
const rareCap = 2000

// expandSQL lists the first words from ? up to (excluding) ?, one index
// probe per word: a loose scan of order_words' primary key.
const expandSQL = `
	WITH RECURSIVE t(w) AS (
		(SELECT word FROM order_words WHERE word >= ? AND word < ? ORDER BY word LIMIT 1)
		UNION ALL
		SELECT (SELECT word FROM order_words WHERE word > t.w AND word < ? ORDER BY word LIMIT 1)
		FROM t WHERE t.w IS NOT NULL)
	SELECT w FROM t WHERE w IS NOT NULL LIMIT ?`

// countsSQL counts the orders of each list (text[] of a word or of the
// words of the last word's expansion), at most ? each.
const countsSQL = `
	SELECT (SELECT count(*) FROM (SELECT 1 FROM order_words WHERE word = ANY (string_to_array(l.words, ' ')) LIMIT ?) c)
	FROM unnest(?::text[]) WITH ORDINALITY AS l(words, i) ORDER BY l.i`

// wordsSearch is the sqlstore.WordSearch of words (sqlstore.SearchWords:
// letters and digits, no spaces). The whole word sqlstore.NumberWord,
// which every order holds, is left out: its list is every order, counted
// to rareCap for nothing ("k 000042", a search by number, read 2,000
// entries of it).
func wordsSearch(ctx context.Context, r *sqlstore.Runner, words []string) (sqlstore.WordSearch, error) {
	last := words[len(words)-1]
	var lists [][]string // the words whose orders each list holds
	for _, w := range words[:len(words)-1] {
		if w != sqlstore.NumberWord && !slices.ContainsFunc(lists, func(l []string) bool { return l[0] == w }) {
			lists = append(lists, []string{w})
		}
	}
	begun, err := expand(ctx, r, last)
	if err != nil {
		return sqlstore.WordSearch{}, err
	}
	wide := len(begun) > maxExpansion
	switch {
	case len(begun) == 0:
		return sqlstore.WordSearch{}, nil // no word begins so
	case !wide:
		lists = append(lists, begun)
	}
	driver := -1 // the orders newest first, each one's words checked
	if len(lists) > 0 {
		var n int
		if driver, n, err = rarest(ctx, r, lists); err != nil || n == 0 {
			return sqlstore.WordSearch{}, err
		}
		if len(lists[driver]) > 1 && n >= rareCap {
			driver = -1 // several common words: see driverFrom
		}
	}
	// Planned for its words each time (pgx's exec mode, an unnamed
	// statement): a plan cached for any words, as pgx's prepared
	// statements get after five runs, reads the list of "k" (every
	// order) whole to check the "k" of a number (160 ms at a million).
	ws := sqlstore.WordSearch{Options: []any{pgx.QueryExecModeExec}}
	if driver < 0 {
		ws.From, ws.Key = `orders`, `orders.id`
	} else {
		ws.From, ws.Where, ws.Args = driverFrom(lists[driver])
		ws.From += ` JOIN orders ON orders.id = d.order_id`
		ws.Key = `d.order_id`
	}
	for i, l := range lists {
		if i == driver {
			continue
		}
		if len(l) == 1 {
			ws.Where = append(ws.Where, `EXISTS (SELECT 1 FROM order_words x WHERE x.word = ? AND x.order_id = `+ws.Key+`)`)
			ws.Args = append(ws.Args, l[0])
		} else {
			// OFFSET 0 keeps it a lookup per order (PostgreSQL does not
			// turn it into a join), rather than a hash of every order of
			// every word.
			ws.Where = append(ws.Where, `EXISTS (SELECT 1 FROM order_words x WHERE x.word = ANY (?) AND x.order_id = `+
				ws.Key+` OFFSET 0)`)
			ws.Args = append(ws.Args, l)
		}
	}
	if wide {
		ws.Where = append(ws.Where, `strpos(' ' || orders.search, ?) > 0`)
		ws.Args = append(ws.Args, " "+last)
	}
	return ws, nil
}

// driverFrom returns the FROM item d(order_id) of the orders of words,
// the condition it needs, and their arguments, in the order of the
// statement. One word's orders are read in id order from the primary key.
// Those of several words of few orders (below rareCap) are gathered and
// sorted; PostgreSQL 15 merges several ordered lists (UNION ALL) only
// without removing an order that holds two of the words, and its
// DISTINCT gathers them all (a second, at a million orders, for the 100 k
// orders of lind, lindberg, lindgren …). The orders of several common
// words are instead read newest first and each one checked.
func driverFrom(words []string) (string, []string, []any) {
	if len(words) == 1 {
		return `order_words d`, []string{`d.word = ?`}, []any{words[0]}
	}
	return `(SELECT DISTINCT order_id FROM order_words WHERE word = ANY (?)) d`, nil, []any{words}
}

// expand returns the words that begin with w, at most maxExpansion+1.
func expand(ctx context.Context, r *sqlstore.Runner, w string) ([]string, error) {
	end := w + string(utf8.MaxRune)
	rows, err := r.QueryContext(ctx, expandSQL, w, end, end, maxExpansion+1)
	if err != nil {
		return nil, fmt.Errorf("words beginning %q: %w", w, err)
	}
	defer rows.Close()
	var words []string
	for rows.Next() {
		var t string
		if err := rows.Scan(&t); err != nil {
			return nil, err
		}
		words = append(words, t)
	}
	return words, rows.Err()
}

// rarest returns the index of the list that drives a search of lists,
// the one of fewest orders, and their number, counted up to rareCap (the
// first of those tied: the first whole word's when all are common). The
// number is 0 when a list holds no order, so that nothing matches.
func rarest(ctx context.Context, r *sqlstore.Runner, lists [][]string) (int, int, error) {
	arg := make([]string, len(lists))
	for i, l := range lists {
		arg[i] = strings.Join(l, " ")
	}
	rows, err := r.QueryContext(ctx, countsSQL, rareCap, arg)
	if err != nil {
		return 0, 0, fmt.Errorf("count words: %w", err)
	}
	defer rows.Close()
	best, bestN := 0, rareCap+1
	for i := 0; rows.Next(); i++ {
		var n int
		if err := rows.Scan(&n); err != nil {
			return 0, 0, err
		}
		if n < bestN {
			best, bestN = i, n
		}
	}
	return best, bestN, rows.Err()
}
