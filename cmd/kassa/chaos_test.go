package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/kassa-dev/kassa/chaos"
)

// chaosChildEnv makes the test binary run "kassa <args>" instead of the
// tests: the chaos harness re-executes it as the shop's child process.
const chaosChildEnv = "KASSA_CHAOS_CHILD"

func TestMain(m *testing.M) {
	if os.Getenv(chaosChildEnv) == "serve" {
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
		err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
		stop()
		if err != nil && !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "kassa:", err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// testLauncher re-executes this test binary as "kassa serve".
func testLauncher(args []string) *exec.Cmd {
	cmd := exec.Command(os.Args[0], append([]string{"serve"}, args...)...)
	cmd.Env = []string{chaosChildEnv + "=serve"}
	return cmd
}

// chaosSettle bounds the settling after the journeys. It must exceed the
// engine's ActionRetryDelay (2 min): a capture or refund whose answer was lost
// and whose management callback was dropped is finished by the action's
// resume job only then, and the sweeper does not read closed orders.
const chaosSettle = 4 * time.Minute

// chaosCI is the CI-sized run: 500 journeys with the default faults, one
// SIGKILL restart and the security cases.
func chaosCI(t *testing.T, store, dbURL string) {
	chaosRun(t, chaos.Config{Orders: 500, Crashes: 1, Instances: 1, Store: store, DatabaseURL: dbURL})
}

// chaosRun runs cfg with the CI's seed, concurrency, bounds and security
// cases, and checks its outcome.
func chaosRun(t *testing.T, cfg chaos.Config) {
	var out strings.Builder
	cfg.Seed, cfg.Concurrency, cfg.Security, cfg.Settle, cfg.Timeout = 20260601, 32, true, chaosSettle, 8*time.Minute
	cfg.Dir, cfg.Launch, cfg.Out = t.TempDir(), testLauncher, &out
	res, err := chaos.Run(t.Context(), cfg)
	t.Log(out.String())
	if err != nil {
		t.Fatalf("chaos run: %v", err)
	}
	if res.Restarts != cfg.Crashes {
		t.Errorf("restarts = %d, want %d", res.Restarts, cfg.Crashes)
	}
	if res.Webhooks < res.Orders {
		t.Errorf("the webhook receiver got %d deliveries for %d orders, want at least each order's creation", res.Webhooks, res.Orders)
	}
	if res.MidDeliveryKills != res.Restarts {
		t.Errorf("%d of %d SIGKILLs came while a webhook delivery was in flight, want all", res.MidDeliveryKills, res.Restarts)
	}
	// Every journey's checkout must end in an order or in one of the
	// refusals the run provokes: no stock left (how many depends on how
	// long the held orders stay pending, so on the machine's speed), a
	// retry after the crash cut the first request, or the bank's
	// injected create faults. Anything else (a 5xx, a transport error, an
	// invalid request) is the shop failing.
	expected := res.Checkout["created"] + res.Checkout["stock"] + res.Checkout["interrupted"] + res.Checkout["bank"]
	if other := cfg.Orders - expected; other > cfg.Orders/50 {
		t.Errorf("%d of %d checkouts ended neither in an order nor in a provoked refusal: %v", other, cfg.Orders, res.Checkout)
	}
	if res.Checkout["created"] < cfg.Orders/2 {
		t.Errorf("only %d of %d checkouts placed an order: %v", res.Checkout["created"], cfg.Orders, res.Checkout)
	}
}

func TestChaosSQLite(t *testing.T) {
	chaosCI(t, "sqlite", "")
}

func TestChaosPostgres(t *testing.T) {
	u := os.Getenv("KASSA_TEST_POSTGRES")
	if u == "" {
		t.Skip("KASSA_TEST_POSTGRES is not set")
	}
	if _, err := parseServeFlags([]string{"--database-url", u}, io.Discard); err != nil {
		t.Fatalf("kassa serve --database-url %s: %v; the chaos child is serve", redactURL(u), err)
	}
	chaosCI(t, "postgres", u)
}

// TestChaosPostgresFleet: three instances on one PostgreSQL database
// behind the harness's round-robin proxy, two of them killed and
// restarted during the journeys.
func TestChaosPostgresFleet(t *testing.T) {
	u := os.Getenv("KASSA_TEST_POSTGRES")
	if u == "" {
		t.Skip("KASSA_TEST_POSTGRES is not set")
	}
	chaosRun(t, chaos.Config{Orders: 400, Crashes: 2, Instances: 3, Store: "postgres", DatabaseURL: u})
}

func TestChaosFlags(t *testing.T) {
	for _, args := range [][]string{
		{"--orders", "0"}, {"--store", "mysql"}, {"--concurrency", "0"}, {"--sim-speed", "-1"}, {"extra"},
		{"--instances", "0"}, {"--instances", "2"}, {"--instances", "17", "--store", "postgres"},
	} {
		if _, err := parseChaosFlags(args, &strings.Builder{}); err == nil {
			t.Errorf("parseChaosFlags(%q) = nil error, want one", args)
		}
	}
	c, err := parseChaosFlags([]string{"--orders", "20000", "--seed", "7", "--crashes", "3", "--no-faults"}, &strings.Builder{})
	if err != nil {
		t.Fatal(err)
	}
	if c.Orders != 20000 || c.Seed != 7 || c.Crashes != 3 || c.Faults == nil || len(c.Faults.Endpoints) != 0 {
		t.Errorf("parsed %+v", c)
	}
}
