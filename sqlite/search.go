package sqlite

import (
	"context"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/kassa-dev/kassa/internal/sqlstore"
)

// ftsSearch reads the full-text index (migration 0010) newest first and
// looks up each match's order by id: CROSS JOIN keeps the index the outer
// loop, and ordering by its rowid lets FTS5 deliver the matches in that
// order and stop at the page's end. A status is checked in the index
// orders_status (status, id), before the order is read, and the count
// reads no order at all: a common name's matches with a rare status are
// thousands of rows spread over the file, or a few pages of that index.
func ftsSearch(ctx context.Context, r *sqlstore.Runner, words []string) (sqlstore.WordSearch, error) {
	q, err := ftsQuery(ctx, r, words)
	if err != nil {
		return sqlstore.WordSearch{}, fmt.Errorf("search terms: %w", err)
	}
	return sqlstore.WordSearch{From: `orders_search CROSS JOIN orders ON orders.id = orders_search.rowid`,
		Where: []string{`orders_search MATCH ?`}, Args: []any{q}, Key: `orders_search.rowid`,
		Status: `EXISTS (SELECT 1 FROM orders s INDEXED BY orders_status
			WHERE s.status = ? AND s.id = orders_search.rowid)`,
		CountFrom: `orders_search`}, nil
}

// ftsQuery is the FTS5 query of a search's words (sqlstore.SearchWords:
// letters and digits only, so quoting them is enough): every word whole
// but the last, which may be a word's beginning: "anna" AND "exa"*.
//
// FTS5 answers a prefix query by gathering, in memory, every order that
// holds a word with that beginning, unless a prefix index holds it:
// migration 0010 keeps those of 1 to 4 letters. A longer beginning is
// expanded here into the words it begins, read from the index's vocabulary
// (orders_search_terms, a range of its term b-tree): "lindq" becomes
// ("lindqvist" OR "lindqvist12" …), which FTS5 walks without gathering.
// Only a beginning of more than maxExpansion words is left a prefix: those
// are rare words' beginnings (a common word is a few letters long), and
// gathering them is cheap.
func ftsQuery(ctx context.Context, r *sqlstore.Runner, words []string) (string, error) {
	q := make([]string, 0, len(words))
	for _, w := range words[:len(words)-1] {
		q = append(q, `"`+w+`"`)
	}
	last, err := ftsPrefix(ctx, r, words[len(words)-1])
	if err != nil {
		return "", err
	}
	return strings.Join(append(q, last), " AND "), nil
}

// maxExpansion is the most words a query's last word is expanded into.
const maxExpansion = 32

// ftsPrefix is the FTS5 query of the words that begin with w.
func ftsPrefix(ctx context.Context, r *sqlstore.Runner, w string) (string, error) {
	if utf8.RuneCountInString(w) <= 4 {
		return `"` + w + `"*`, nil
	}
	rows, err := r.QueryContext(ctx, `SELECT term FROM orders_search_terms WHERE term >= ? AND term < ? LIMIT ?`,
		w, w+string(utf8.MaxRune), maxExpansion+1)
	if err != nil {
		return "", fmt.Errorf("terms of %q: %w", w, err)
	}
	defer rows.Close()
	var terms []string
	for rows.Next() {
		var t string
		if err := rows.Scan(&t); err != nil {
			return "", err
		}
		terms = append(terms, `"`+strings.ReplaceAll(t, `"`, `""`)+`"`)
	}
	switch {
	case rows.Err() != nil:
		return "", rows.Err()
	case len(terms) == 0:
		return `"` + w + `"`, nil // matches nothing, as the prefix would
	case len(terms) > maxExpansion:
		return `"` + w + `"*`, nil
	}
	return "(" + strings.Join(terms, " OR ") + ")", nil
}
