package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"path/filepath"
	"time"

	"github.com/kassa-dev/kassa"
	"github.com/kassa-dev/kassa/internal/sqlstore"
	"github.com/kassa-dev/kassa/postgres"
	"github.com/kassa-dev/kassa/sqlite"
)

func init() {
	register(command{name: "seed", summary: "fill a database with many realistic orders, to measure it", run: runSeed})
}

const seedUsage = `usage: kassa seed --orders N [--seed S] [--end TIME] [shop flags]

Adds N orders to the shop's database (SQLite in --data, or PostgreSQL at
--database-url, as kassa serve), as a year of trade ending at --end:
mostly completed, some processing, refunded, failed, cancelled, and the
open ones (pending, on-hold) among the newest, with their events,
callbacks, after-sale actions and e-mails. The same --seed and --end give
the same rows. The rows are written in large transactions, directly,
without the shop's checks; open orders are not due for a payment read.
Meant for measuring (kassa bench --admin), never for a shop's real
database.`

// seedBatch is the orders written per transaction.
const seedBatch = 2000

// bulkStore is what kassa seed needs of a store: the bulk path of both
// SQL stores.
type bulkStore interface {
	kassa.Catalog
	NextOrderID(ctx context.Context) (int64, error)
	InsertBatch(ctx context.Context, b *sqlstore.Batch) error
	SettleBatches(ctx context.Context) error
	Close() error
}

func runSeed(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	cfg := &serveConfig{}
	fs := flag.NewFlagSet("seed", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprintln(stderr, seedUsage); fs.PrintDefaults() }
	if err := cfg.define(fs); err != nil {
		return err
	}
	n := fs.Int("orders", 0, "how many orders to add")
	seed := fs.Uint64("seed", 1, "seed of the generated data")
	endFlag := fs.String("end", "", "time of the newest order, RFC 3339 (default: the start of the current hour)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	end := time.Now().UTC().Truncate(time.Hour)
	if *endFlag != "" {
		t, err := time.Parse(time.RFC3339, *endFlag)
		if err != nil {
			return fmt.Errorf("seed: --end: %w", err)
		}
		end = t.UTC()
	}
	switch {
	case fs.NArg() > 0:
		return fmt.Errorf("seed: unexpected arguments %q", fs.Args())
	case *n < 1 || *n > 100_000_000:
		return errors.New("seed: --orders must be between 1 and 100000000")
	}
	st, err := openBulk(ctx, cfg)
	if err != nil {
		return err
	}
	defer st.Close()
	start := time.Now()
	if err := seedOrders(ctx, st, *n, *seed, end, func(done int) {
		if done%(seedBatch*50) == 0 {
			fmt.Fprintf(stderr, "seed: %d orders (%s)\n", done, time.Since(start).Round(time.Second))
		}
	}); err != nil {
		return err
	}
	d := time.Since(start)
	fmt.Fprintf(stdout, "seed: %d orders in %s (%.0f orders/s)\n", *n, d.Round(time.Millisecond), float64(*n)/d.Seconds())
	return nil
}

// openBulk opens the shop's database without the store cache.
func openBulk(ctx context.Context, cfg *serveConfig) (bulkStore, error) {
	if cfg.DatabaseURL != "" {
		db, err := postgres.Open(ctx, cfg.DatabaseURL)
		if err != nil {
			return nil, fmt.Errorf("seed: open database %s: %w", redactURL(cfg.DatabaseURL), err)
		}
		return db, nil
	}
	db, err := sqlite.Open(ctx, filepath.Join(cfg.Data, "kassa.db"))
	if err != nil {
		return nil, fmt.Errorf("seed: open database: %w", err)
	}
	return db, nil
}

// seedOrders adds n generated orders to st, seedBatch per transaction,
// calling progress after each batch with the orders written so far.
func seedOrders(ctx context.Context, st bulkStore, n int, seed uint64, end time.Time, progress func(int)) error {
	if err := seedCatalog(ctx, st); err != nil {
		return err
	}
	products := kassa.DemoCatalog() // the lines' products; the shop's catalog may be its own
	first, err := st.NextOrderID(ctx)
	if err != nil {
		return err
	}
	g := &generator{rng: rand.New(rand.NewPCG(seed, seed^0x6b61737361)), products: products, n: n,
		start: end.Add(-365 * 24 * time.Hour), end: end}
	for done := 0; done < n; {
		size := min(seedBatch, n-done)
		b := &sqlstore.Batch{}
		for i := range size {
			g.order(b, first+int64(done+i), done+i)
		}
		if err := st.InsertBatch(ctx, b); err != nil {
			return fmt.Errorf("seed: %w", err)
		}
		done += size
		progress(done)
	}
	if err := st.SettleBatches(ctx); err != nil {
		return fmt.Errorf("seed: %w", err)
	}
	return nil
}
