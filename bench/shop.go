package bench

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/kassa-dev/kassa"
	"github.com/kassa-dev/kassa/checkout"
	"github.com/kassa-dev/kassa/mapi"
	"github.com/kassa-dev/kassa/mapisim"
	"github.com/kassa-dev/kassa/postgres"
	"github.com/kassa-dev/kassa/sqlite"
	"github.com/kassa-dev/kassa/storecache"
	"github.com/kassa-dev/kassa/web"
)

// The bench catalog: stock large enough never to run out, so every order
// still reserves stock on the same rows, as a busy shop does.
var catalog = []kassa.Product{
	{SKU: "BENCH-BOOK", Name: "Bench cookbook", Price: 24900, VATRate: 600, Stock: 1 << 40},
	{SKU: "BENCH-MUG", Name: "Bench mug", Price: 12900, VATRate: 2500, Stock: 1 << 40},
}

// shop is the shop under test: store, engine and web server on 127.0.0.1:0,
// wired as `kassa serve` wires them, with a MAPI client to the simulator.
type shop struct {
	url     string
	store   kassa.Store
	engine  *checkout.Engine
	server  *http.Server
	watch   *watcher
	timing  *timing
	writeDB *sql.DB        // the store's write pool, whose waits are reported
	cleanup []func() error // in reverse order
}

// openShop starts a shop whose bank is the simulator at simURL.
func openShop(ctx context.Context, cfg Config, simURL string) (s *shop, err error) {
	s = &shop{watch: newWatcher(), timing: newTiming()}
	defer func() {
		if err != nil {
			err = errors.Join(err, s.close())
		}
	}()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return s, fmt.Errorf("listen: %w", err)
	}
	s.url = "http://" + ln.Addr().String()
	if err := s.openStore(ctx, cfg); err != nil {
		ln.Close()
		return s, err
	}
	handler, err := s.build(ctx, cfg, simURL)
	if err != nil {
		ln.Close()
		return s, err
	}
	s.server = &http.Server{Handler: s.timing.wrap(handler), ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout: 30 * time.Second, WriteTimeout: 60 * time.Second, IdleTimeout: 120 * time.Second,
		ErrorLog: slog.NewLogLogger(slog.DiscardHandler, slog.LevelWarn)}
	go s.server.Serve(ln)
	s.cleanup = append(s.cleanup, func() error {
		sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		return s.server.Shutdown(sctx)
	})
	return s, nil
}

// build makes the engine and the web handler and starts the engine.
func (s *shop) build(ctx context.Context, cfg Config, simURL string) (http.Handler, error) {
	for _, p := range catalog {
		if err := s.store.PutProduct(ctx, p); err != nil {
			return nil, fmt.Errorf("seed catalog: %w", err)
		}
	}
	metrics := checkout.NewMetrics(prometheus.NewRegistry())
	observe := func(route string, status int, err error, d time.Duration) {
		s.watch.bankCall(route)
		metrics.ObserveMAPI(route, status, err, d)
	}
	bank := mapi.New(mapi.Config{BaseURL: simURL, ClientID: mapisim.DefaultClientID,
		ClientSecret: mapisim.DefaultClientSecret, Observe: observe})
	log := slog.New(slog.DiscardHandler)
	store := s.watch.wrap(s.store)
	eng, err := checkout.New(checkout.Config{Store: store, Bank: bank,
		StoreID: mapisim.DefaultStoreID, BaseURL: s.url, Logger: log, Metrics: metrics,
		Workers: cfg.Workers}, checkout.WithSettled(s.watch.settled))
	if err != nil {
		return nil, err
	}
	if err := eng.Start(ctx); err != nil {
		return nil, fmt.Errorf("start engine: %w", err)
	}
	s.engine = eng
	s.cleanup = append(s.cleanup, func() error {
		sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		return eng.Stop(sctx)
	})
	w, err := web.New(web.Config{Engine: eng, Store: store, Bank: bank, StoreID: mapisim.DefaultStoreID,
		BaseURL: s.url, AdminPassword: randomHex(12), Logger: log})
	if err != nil {
		return nil, err
	}
	return w.Handler(), nil
}

// openStore opens the configured store.
func (s *shop) openStore(ctx context.Context, cfg Config) error {
	switch cfg.Store {
	case "sqlite":
		return s.openSQLite(ctx, cfg.Dir)
	case "postgres":
		return s.openPostgres(ctx, cfg.DatabaseURL)
	}
	return fmt.Errorf("unknown store %q (sqlite or postgres)", cfg.Store)
}

func (s *shop) openSQLite(ctx context.Context, dir string) error {
	if dir == "" {
		tmp, err := os.MkdirTemp("", "kassa-bench-")
		if err != nil {
			return fmt.Errorf("temp dir: %w", err)
		}
		s.cleanup = append(s.cleanup, func() error { return os.RemoveAll(tmp) })
		dir = tmp
	}
	db, err := sqlite.Open(ctx, filepath.Join(dir, "kassa.db"))
	if err != nil {
		return err
	}
	// Behind the store cache, as kassa serve runs SQLite.
	s.store, s.writeDB = storecache.Wrap(db, db), db.WriteDB()
	s.cleanup = append(s.cleanup, db.Close)
	return nil
}

// openPostgres opens the store in the schema base names with its
// search_path parameter, as it is (a database filled by kassa seed, as
// --data is for SQLite), or else in a dedicated schema it creates (and
// close drops).
func (s *shop) openPostgres(ctx context.Context, base string) error {
	if base == "" {
		return errors.New("--database-url is required with --store postgres")
	}
	u, err := url.Parse(base)
	if err != nil {
		return fmt.Errorf("postgres: %w", err)
	}
	if u.Query().Get("search_path") == "" {
		if err := s.createSchema(ctx, u); err != nil {
			return err
		}
	}
	db, err := postgres.Open(ctx, u.String())
	if err != nil {
		return err
	}
	// Without the store cache, as kassa serve runs PostgreSQL.
	s.store, s.writeDB = db, db.WriteDB()
	s.cleanup = append(s.cleanup, db.Close)
	return nil
}

// createSchema creates a schema of its own in the database at u, has
// close drop it, and names it in u's search_path.
func (s *shop) createSchema(ctx context.Context, u *url.URL) error {
	admin, err := sql.Open("pgx", u.String())
	if err != nil {
		return fmt.Errorf("postgres: %w", err)
	}
	schema := "kassa_bench_" + randomHex(8)
	if _, err := admin.ExecContext(ctx, "CREATE SCHEMA "+schema); err != nil {
		admin.Close()
		return fmt.Errorf("postgres: create schema: %w", err)
	}
	s.cleanup = append(s.cleanup, func() error {
		defer admin.Close()
		_, err := admin.Exec("DROP SCHEMA " + schema + " CASCADE")
		return err
	})
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return nil
}

// close stops everything the shop started, newest first.
func (s *shop) close() error {
	var errs []error
	for i := len(s.cleanup) - 1; i >= 0; i-- {
		errs = append(errs, s.cleanup[i]())
	}
	s.cleanup = nil
	return errors.Join(errs...)
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
