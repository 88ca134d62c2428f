package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"time"

	"github.com/kassa-dev/kassa/chaos"
)

func init() {
	register(command{name: "chaos", summary: "run chaos journeys against a shop child process and check every order", run: runChaos})
}

// parseChaosFlags reads the flags of `kassa chaos`.
func parseChaosFlags(args []string, stderr io.Writer) (chaos.Config, error) {
	var c chaos.Config
	fs := newFlagSet("chaos", stderr)
	fs.IntVar(&c.Orders, "orders", 500, "customer journeys")
	fs.Int64Var(&c.Seed, "seed", 1, "seed of plans, faults and crash moments")
	fs.IntVar(&c.Concurrency, "concurrency", 32, "customers at a time")
	fs.IntVar(&c.Crashes, "crashes", 1, "times the shop (a random instance) is killed with SIGKILL and restarted")
	fs.IntVar(&c.Instances, "instances", 1, "shop processes, behind the run's own round-robin proxy; more than 1 needs --store postgres")
	fs.StringVar(&c.Store, "store", "sqlite", "sqlite or postgres")
	fs.StringVar(&c.DatabaseURL, "database-url", envOr("KASSA_DATABASE_URL", ""), "PostgreSQL URL for --store postgres; a fresh schema is made (KASSA_DATABASE_URL)")
	fs.Float64Var(&c.SimSpeed, "sim-speed", 4, "clock factor of the simulator: a payment waits --hold divided by this for the customer")
	fs.DurationVar(&c.Hold, "hold", time.Minute, "the shop's --hold (payment time to live)")
	fs.DurationVar(&c.Timeout, "timeout", 30*time.Minute, "bound on the whole run")
	fs.DurationVar(&c.Settle, "settle", 4*time.Minute, "bound on settling after the journeys")
	fs.BoolVar(&c.Security, "security", true, "send forged, tampered and replayed requests before the check")
	fs.StringVar(&c.Dir, "dir", "", "data directory of the shop (and shop.log); default a new temporary directory")
	noFaults := fs.Bool("no-faults", false, "run without fault injection")
	if err := parseFlags(fs, args); err != nil {
		return c, err
	}
	if fs.NArg() > 0 {
		return c, fmt.Errorf("chaos: unexpected arguments %q", fs.Args())
	}
	switch {
	case c.Orders < 1 || c.Orders > 1_000_000:
		return c, errors.New("chaos: --orders must be in [1, 1000000]")
	case c.Concurrency < 1 || c.Concurrency > 4096:
		return c, errors.New("chaos: --concurrency must be in [1, 4096]")
	case c.Crashes < 0 || c.Crashes > 1000:
		return c, errors.New("chaos: --crashes must be in [0, 1000]")
	case c.Store != "sqlite" && c.Store != "postgres":
		return c, errors.New("chaos: --store must be sqlite or postgres")
	case c.Instances < 1 || c.Instances > 16:
		return c, errors.New("chaos: --instances must be in [1, 16]")
	case c.Instances > 1 && c.Store != "postgres":
		return c, errors.New("chaos: --instances above 1 needs --store postgres: the instances share one database")
	case c.SimSpeed <= 0 || c.SimSpeed > 10000:
		return c, errors.New("chaos: --sim-speed must be in (0, 10000]")
	}
	if *noFaults {
		nf := chaos.NoFaults
		c.Faults = &nf
	}
	return c, nil
}

func runChaos(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	cfg, err := parseChaosFlags(args, stderr)
	if err != nil {
		return err
	}
	exe, err := os.Executable()
	if err != nil {
		return fmt.Errorf("chaos: %w", err)
	}
	cfg.Out = stdout
	cfg.Launch = func(args []string) *exec.Cmd { return exec.Command(exe, append([]string{"serve"}, args...)...) }
	res, err := chaos.Run(ctx, cfg)
	if res != nil {
		fmt.Fprintf(stdout, "data and shop log: %s\n", res.Dir)
	}
	return err
}
