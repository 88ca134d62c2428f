package postgres

import "testing"

func TestRebind(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{`SELECT 1`, `SELECT 1`},
		{`SELECT a FROM t WHERE b = ? AND c IN (?, ?)`, `SELECT a FROM t WHERE b = $1 AND c IN ($2, $3)`},
		{`SELECT '?', "?" FROM t WHERE x = ?`, `SELECT '?', "?" FROM t WHERE x = $1`},
		{`SELECT 'it''s?' WHERE y = ?`, `SELECT 'it''s?' WHERE y = $1`},
	} {
		for range 2 { // the second time from the cache
			if got := rebind(c.in); got != c.want {
				t.Errorf("rebind(%q) = %q, want %q", c.in, got, c.want)
			}
		}
	}
}
