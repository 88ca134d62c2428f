package checkout_test

import (
	"database/sql"
	"fmt"
	"math/rand/v2"
	"net/url"
	"os"
	"testing"

	"github.com/kassa-dev/kassa"
	"github.com/kassa-dev/kassa/mapisim"
)

// pgSchema returns the URL of a fresh schema in $KASSA_TEST_POSTGRES,
// dropped when t ends. It skips t when the variable is not set and fails t
// when it is set but PostgreSQL cannot be reached.
func pgSchema(t *testing.T, rng *rand.Rand) string {
	t.Helper()
	base := os.Getenv("KASSA_TEST_POSTGRES")
	if base == "" {
		t.Skip("SKIPPING the engine on PostgreSQL: set KASSA_TEST_POSTGRES, e.g. " +
			"KASSA_TEST_POSTGRES='postgres://postgres@127.0.0.1:5432/test?sslmode=disable'")
	}
	admin, err := sql.Open("pgx", base)
	if err == nil {
		err = admin.Ping()
	}
	if err != nil {
		t.Fatalf("KASSA_TEST_POSTGRES is set but PostgreSQL cannot be reached: %v", err)
	}
	t.Cleanup(func() { admin.Close() })
	schema := fmt.Sprintf("kassa_engine_%016x", rng.Uint64())
	if _, err := admin.Exec(`CREATE SCHEMA ` + schema); err != nil {
		t.Fatalf("create schema: %v", err)
	}
	t.Cleanup(func() {
		if _, err := admin.Exec(`DROP SCHEMA ` + schema + ` CASCADE`); err != nil {
			t.Errorf("drop schema: %v", err)
		}
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("KASSA_TEST_POSTGRES: %v", err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

// TestEngineOnPostgres runs the main engine flow on the PostgreSQL store:
// a happy path, a rejected payment, and callbacks stored while no worker
// ran that are processed after a restart.
func TestEngineOnPostgres(t *testing.T) {
	// Schema names only need to differ between concurrent runs.
	rng := rand.New(rand.NewPCG(uint64(os.Getpid()), uint64(os.Getppid())))
	t.Run("accepted", func(t *testing.T) {
		e := newEnv(t, envOptions{postgres: true, dsn: pgSchema(t, rng)})
		o, redirect := e.place(govAccepted)
		if got, want := redirect, e.simSrv.URL+"/sign/"+o.PaymentID; got != want {
			t.Errorf("redirect = %q, want %q", got, want)
		}
		e.sign(o, mapisim.Approve)
		o = e.wantStatus(o.ID, kassa.StatusProcessing)
		if o.Authorized != o.Total || o.PaymentStatus != kassa.PaymentAccepted {
			t.Errorf("authorized = %s (total %s), payment status %q", o.Authorized, o.Total, o.PaymentStatus)
		}
		if got, want := e.stock("TEE"), int64(initialTeeStock-1); got != want {
			t.Errorf("stock = %d, want %d", got, want)
		}
		cbs, _, err := e.db.Callbacks(e.ctx, kassa.CallbackFilter{OrderID: o.ID})
		if err != nil || len(cbs) == 0 {
			t.Fatalf("callbacks = %d, %v; want the authorization callback", len(cbs), err)
		}
		for _, cb := range cbs {
			if cb.State != kassa.CallbackProcessed {
				t.Errorf("callback %d is %s, want processed", cb.ID, cb.State)
			}
		}
	})
	t.Run("rejected", func(t *testing.T) {
		e := newEnv(t, envOptions{postgres: true, dsn: pgSchema(t, rng)})
		o, _ := e.place(govRejected)
		e.sign(o, mapisim.Approve)
		o = e.wantStatus(o.ID, kassa.StatusFailed)
		if o.StatusReason == "" {
			t.Error("a failed order has no reason for the customer")
		}
		if got, want := e.stock("TEE"), int64(initialTeeStock); got != want {
			t.Errorf("stock after the rejection = %d, want %d (restocked)", got, want)
		}
	})
	t.Run("callbacks across a restart", func(t *testing.T) {
		restartWithPendingJobs(t, newEnv(t, envOptions{postgres: true, dsn: pgSchema(t, rng), noStart: true}))
	})
}
