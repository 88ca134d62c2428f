package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/kassa-dev/kassa/bench"
)

func init() {
	register(command{name: "bench", summary: "measure the shop's cost on top of the bank (MAPI simulator)", run: runBench})
}

func runBench(ctx context.Context, args []string, stdout, stderr io.Writer) (err error) {
	var (
		cfg              bench.Config
		asJSON           bool
		cpuPath, memPath string
	)
	fs := newFlagSet("bench", stderr)
	fs.DurationVar(&cfg.Duration, "duration", 10*time.Second, "measured time of each phase (bare MAPI and shop)")
	fs.IntVar(&cfg.Rounds, "rounds", 0, "alternate the phases in this many rounds (default one per 2s of --duration; 1 with --cpuprofile)")
	fs.DurationVar(&cfg.Warmup, "warmup", 500*time.Millisecond, "unmeasured time at the start of every round of a phase")
	fs.IntVar(&cfg.Concurrency, "concurrency", 32, "customers in flight")
	fs.StringVar(&cfg.Store, "store", envOr("KASSA_BENCH_STORE", "sqlite"), "sqlite or postgres (KASSA_BENCH_STORE)")
	fs.StringVar(&cfg.DatabaseURL, "database-url", envOr("KASSA_DATABASE_URL", ""), "PostgreSQL URL with --store postgres; a dedicated schema is created and dropped, unless a search_path parameter names an existing one (as --data) (KASSA_DATABASE_URL)")
	fs.StringVar(&cfg.Dir, "data", "", "SQLite directory (default: a temporary one, removed afterwards)")
	fs.Int64Var(&cfg.Seed, "seed", 1, "seed of the simulator")
	fs.IntVar(&cfg.Workers, "workers", 0, "override the engine's callback workers (default: the engine's default)")
	fs.BoolVar(&asJSON, "json", false, "print one JSON object instead of the table")
	fs.StringVar(&cpuPath, "cpuprofile", "", "write a CPU profile of the shop phase to this file")
	fs.StringVar(&memPath, "memprofile", "", "write an allocation profile to this file after the shop phase")
	admin := fs.Bool("admin", false, "time the admin's requests against the existing database in --data or at --database-url (fill it with kassa seed) instead")
	requests := fs.Int("requests", 200, "with --admin: timed requests of each kind (at most 5s each)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *admin {
		return runAdminBench(ctx, bench.AdminConfig{Store: cfg.Store, Dir: cfg.Dir, DatabaseURL: cfg.DatabaseURL,
			Requests: *requests}, asJSON, stdout)
	}
	switch {
	case fs.NArg() > 0:
		return fmt.Errorf("bench: unexpected arguments %q", fs.Args())
	case cfg.Duration <= 0 || cfg.Duration > 24*time.Hour:
		return errors.New("bench: --duration must be positive and at most 24h")
	case cfg.Rounds < 0 || cfg.Rounds > 1000:
		return errors.New("bench: --rounds must be between 0 (automatic) and 1000")
	case cfg.Concurrency < 1 || cfg.Concurrency > 4096:
		return errors.New("bench: --concurrency must be between 1 and 4096")
	case cfg.Store != "sqlite" && cfg.Store != "postgres":
		return fmt.Errorf("bench: --store must be sqlite or postgres, not %q", cfg.Store)
	}
	closeProfiles, err := openProfiles(&cfg, cpuPath, memPath)
	if err != nil {
		return err
	}
	defer func() { err = errors.Join(err, closeProfiles()) }()
	res, err := bench.Run(ctx, cfg)
	if err != nil {
		return err
	}
	if asJSON {
		return res.WriteJSON(stdout)
	}
	return res.WriteText(stdout)
}

// openProfiles creates the profile files asked for and returns their closer.
func openProfiles(cfg *bench.Config, cpuPath, memPath string) (func() error, error) {
	var files []*os.File
	closeAll := func() error {
		var errs []error
		for _, f := range files {
			errs = append(errs, f.Close())
		}
		return errors.Join(errs...)
	}
	for _, p := range []struct {
		path string
		w    *io.Writer
	}{{cpuPath, &cfg.CPUProfile}, {memPath, &cfg.MemProfile}} {
		if p.path == "" {
			continue
		}
		f, err := os.Create(p.path)
		if err != nil {
			return nil, errors.Join(fmt.Errorf("bench: %w", err), closeAll())
		}
		files = append(files, f)
		*p.w = f
	}
	return closeAll, nil
}

// runAdminBench runs kassa bench --admin.
func runAdminBench(ctx context.Context, cfg bench.AdminConfig, asJSON bool, stdout io.Writer) error {
	if cfg.Requests < 1 || cfg.Requests > 100000 {
		return errors.New("bench: --requests must be between 1 and 100000")
	}
	res, err := bench.RunAdmin(ctx, cfg)
	if err != nil {
		return err
	}
	if asJSON {
		return res.WriteJSON(stdout)
	}
	return res.WriteText(stdout)
}
