package sqlite_test

import (
	"path/filepath"
	"testing"

	"github.com/kassa-dev/kassa"
	"github.com/kassa-dev/kassa/storetest"
)

// BenchmarkStore runs the store benchmarks, each on a new temp file
// database; -bench 'Store/Order$' picks one.
func BenchmarkStore(b *testing.B) {
	storetest.Bench(b, func(b *testing.B) kassa.Store {
		return mustOpen(b, filepath.Join(b.TempDir(), "bench.db"))
	})
}
