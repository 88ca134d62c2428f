package postgres_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/url"
	"os"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kassa-dev/kassa"
	"github.com/kassa-dev/kassa/postgres"
	"github.com/kassa-dev/kassa/storecache"
	"github.com/kassa-dev/kassa/storetest"
)

// baseURL returns $KASSA_TEST_POSTGRES or skips t.
func baseURL(t *testing.T) string {
	u := os.Getenv("KASSA_TEST_POSTGRES")
	if u == "" {
		t.Skip("SKIPPING PostgreSQL tests: set KASSA_TEST_POSTGRES, e.g. " +
			"KASSA_TEST_POSTGRES='postgres://postgres@127.0.0.1:5432/test?sslmode=disable'")
	}
	return u
}

// openSchema creates a fresh schema, opens the store in it and drops the
// schema when t ends. A connection failure fails t.
func openSchema(t *testing.T, base string, rng *rand.Rand) *postgres.DB {
	t.Helper()
	return open(t, newSchema(t, base, rng))
}

// newSchema creates a fresh schema, drops it when t ends, and returns the
// URL of base that selects it.
func newSchema(t *testing.T, base string, rng *rand.Rand) string {
	t.Helper()
	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { admin.Close() })
	schema := fmt.Sprintf("kassa_test_%016x", rng.Uint64())
	if _, err := admin.Exec(`CREATE SCHEMA ` + schema); err != nil {
		t.Fatalf("create schema (is PostgreSQL at %s running?): %v", base, err)
	}
	t.Cleanup(func() {
		if _, err := admin.Exec(`DROP SCHEMA ` + schema + ` CASCADE`); err != nil {
			t.Errorf("drop schema: %v", err)
		}
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

// open opens the store at u and closes it when t ends.
func open(t *testing.T, u string) *postgres.DB {
	t.Helper()
	db, err := postgres.Open(context.Background(), u)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func TestStore(t *testing.T) {
	base := baseURL(t)
	ping(t, base)
	// Schema names only need to differ between concurrent runs.
	rng := rand.New(rand.NewPCG(uint64(os.Getpid()), uint64(os.Getppid())))
	storetest.Run(t, func(t *testing.T) kassa.Store { return openSchema(t, base, rng) })
}

// TestStoreCached: the store behind package storecache is a kassa.Store
// too. Only the test writes its schema, so the change source reports
// once that it cannot have missed anything, and the cache's clock stands
// still: entries are served for the whole test.
func TestStoreCached(t *testing.T) {
	base := baseURL(t)
	ping(t, base)
	rng := rand.New(rand.NewPCG(uint64(os.Getpid()), 7))
	frozen := time.Now()
	storetest.Run(t, func(t *testing.T) kassa.Store {
		return storecache.Wrap(openSchema(t, base, rng), oneProcess{},
			storecache.WithClock(func() time.Time { return frozen }))
	})
}

// oneProcess is the storecache.Changes of a database that only this
// process writes: no other connection ever commits.
type oneProcess struct{}

func (oneProcess) OnCommit(fn func(changed, ok bool)) { fn(true, true) }

// ping fails t when PostgreSQL at base cannot be reached.
func ping(t *testing.T, base string) {
	db, err := sql.Open("pgx", base)
	if err == nil {
		defer db.Close()
		err = db.Ping()
	}
	if err != nil {
		t.Fatalf("KASSA_TEST_POSTGRES is set but PostgreSQL cannot be reached: %v", err)
	}
}

// Migration 0003 makes the entries received before it due at once: their
// next attempt is when they were received. The test takes a schema back to
// before 0003, stores entries the old way, and opens it again.
func TestMigrationQueuesReceivedCallbacks(t *testing.T) {
	base := baseURL(t)
	ping(t, base)
	ctx := context.Background()
	rng := rand.New(rand.NewPCG(uint64(os.Getpid()), 3))
	u := newSchema(t, base, rng)
	db := open(t, u)
	downgrade := fmt.Sprintf(`
		DROP INDEX callbacks_due;
		ALTER TABLE callbacks DROP COLUMN next_attempt_at;
		DELETE FROM schema_migrations WHERE version = 3;
		INSERT INTO callbacks (id, kind, payment_id, dedup_key, original, body, state, received_at, processed_at)
		VALUES (1, 'authorization', 'p1', 'p1/A', true, '', 'received', %d, NULL),
			(2, 'authorization', 'p1', 'p1/A', false, '', 'duplicate', 1773480001000, NULL),
			(3, 'management', 'p2', 'p2/B', true, '', 'processed', 1773480002000, 1773480003000)`, storetest.QueueMigrationReceived)
	if _, err := db.WriteDB().ExecContext(ctx, downgrade); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	storetest.CheckQueueMigration(t, open(t, u))
}

// Errors of the shared methods name the store in their Op.
func TestErrorOp(t *testing.T) {
	base := baseURL(t)
	db := openSchema(t, base, rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 3)))
	_, err := db.Order(context.Background(), 999)
	var ke *kassa.Error
	if !errors.As(err, &ke) || ke.Code != kassa.ENOTFOUND || ke.Op != "postgres.Order(999)" {
		t.Errorf("Order(999) = %#v, want ENOTFOUND with Op postgres.Order(999)", err)
	}
}

// The store's sessions run without JIT compilation and parallel workers
// (postgres.Open).
func TestSessionSettings(t *testing.T) {
	base := baseURL(t)
	db := openSchema(t, base, rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 4)))
	for name, want := range map[string]string{"jit": "off", "max_parallel_workers_per_gather": "0"} {
		var got string
		if err := db.WriteDB().QueryRowContext(context.Background(), `SHOW `+name).Scan(&got); err != nil || got != want {
			t.Errorf("%s = %q, %v; want %s", name, got, err, want)
		}
	}
}

// TestOrderLanes: at most OrderLanes CreateOrders run at once (here each
// is held inside its transaction by its hook); one that waits for a lane
// and whose context ends gets the context's error and writes nothing.
func TestOrderLanes(t *testing.T) {
	base := baseURL(t)
	ping(t, base)
	db := openSchema(t, base, rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 5)))
	ctx := context.Background()
	// A product each: orders of one product would wait for its row lock.
	for i := range postgres.OrderLanes + 1 {
		p := kassa.Product{SKU: fmt.Sprint("A", i), Name: "A", Price: 1000, VATRate: 2500, Stock: 100}
		if err := db.PutProduct(ctx, p); err != nil {
			t.Fatal(err)
		}
	}
	order := func(i int) *kassa.Order {
		return &kassa.Order{Key: fmt.Sprint("key", i), CallbackToken: fmt.Sprint("tok", i), Currency: "SEK",
			Lines: []kassa.Line{{Position: 1, Type: kassa.LineProduct, SKU: fmt.Sprint("A", i), Description: "A", Quantity: 1,
				UnitPrice: 1000, VATRate: 2500, Total: 1000, VATAmount: 200}},
			Total: 1000, VATTotal: 200, PaymentMethodID: "pm",
			Customer: kassa.Customer{Type: kassa.CustomerNatural, Email: "a@example.se",
				Address: kassa.Address{FirstName: "Åsa", LastName: "Öberg", CountryCode: "SE"}}}
	}
	release := make(chan struct{})
	var releasing sync.Once
	releaseAll := func() { releasing.Do(func() { close(release) }) }
	t.Cleanup(releaseAll) // before the store closes: a failing test must not leave transactions held
	var entered atomic.Int32
	hold := func(context.Context, kassa.Tx) error {
		entered.Add(1)
		<-release
		return nil
	}
	var wg sync.WaitGroup
	for i := range postgres.OrderLanes {
		wg.Go(func() {
			if err := db.CreateOrder(ctx, order(i), kassa.Event{Source: kassa.SourceCheckout}, hold); err != nil {
				t.Error(err)
			}
		})
	}
	for start := time.Now(); entered.Load() < postgres.OrderLanes; time.Sleep(time.Millisecond) {
		if time.Since(start) > time.Minute { // a guard against hanging, not a timing
			t.Fatalf("%d of %d orders entered their transaction", entered.Load(), postgres.OrderLanes)
		}
	}
	if n := db.LanesTaken(); n != postgres.OrderLanes {
		t.Fatalf("%d lanes taken by %d orders in flight, want %d", n, postgres.OrderLanes, postgres.OrderLanes)
	}
	late, cancel := context.WithCancel(ctx)
	cancel()
	err := db.CreateOrder(late, order(postgres.OrderLanes), kassa.Event{Source: kassa.SourceCheckout}, hold)
	releaseAll()
	wg.Wait()
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("an order waiting for a lane with its context ended: %v, want context.Canceled", err)
	}
	if _, n, err := db.Orders(ctx, kassa.OrderFilter{}); err != nil || n != postgres.OrderLanes {
		t.Fatalf("%d orders stored (%v), want the %d that had lanes", n, err, postgres.OrderLanes)
	}
}
