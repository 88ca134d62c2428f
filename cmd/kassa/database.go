package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net/url"
	"path/filepath"

	"github.com/kassa-dev/kassa"
	"github.com/kassa-dev/kassa/postgres"
	"github.com/kassa-dev/kassa/sqlite"
	"github.com/kassa-dev/kassa/storecache"
)

// openDatabase opens the shop's store, PostgreSQL at --database-url or else
// SQLite in the data directory.
//
// SQLite runs behind the store cache (package storecache): SQLite reports
// other processes' commits to the file at every group commit. PostgreSQL
// runs without it, because several instances of the shop may share one
// database and the cache would not see the others' commits.
func openDatabase(ctx context.Context, cfg *serveConfig) (kassa.Store, error) {
	if cfg.DatabaseURL != "" {
		db, err := postgres.Open(ctx, cfg.DatabaseURL)
		if err != nil {
			return nil, fmt.Errorf("open database %s: %w", redactURL(cfg.DatabaseURL), err)
		}
		return db, nil
	}
	db, err := sqlite.Open(ctx, filepath.Join(cfg.Data, "kassa.db"))
	if err != nil {
		return nil, fmt.Errorf("open database: %w", err)
	}
	return storecache.Wrap(db, db), nil
}

// databaseName describes the shop's database for the banner, without a
// password.
func databaseName(cfg *serveConfig) string {
	if cfg.DatabaseURL != "" {
		return "PostgreSQL " + redactURL(cfg.DatabaseURL)
	}
	return filepath.Join(cfg.Data, "kassa.db")
}

// redactURL hides the password of a database URL.
func redactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(unparsable URL)"
	}
	return u.Redacted()
}

// shopCommand parses the shop flags of a command that works on the
// running shop's database (serve's --data, --database-url, …) followed
// by a sub-command and its arguments: kassa keys, orders and products.
// usage is the command's help, printed with the flags on -h and when no
// sub-command is given. It returns the configuration, the sub-command
// and its arguments.
func shopCommand(name, usage string, args []string, stderr io.Writer) (_ *serveConfig, sub string, rest []string, err error) {
	cfg := &serveConfig{}
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprintln(stderr, usage); fs.PrintDefaults() }
	if err := cfg.define(fs); err != nil {
		return nil, "", nil, err
	}
	if err := parseFlags(fs, args); err != nil {
		return nil, "", nil, err
	}
	if err := cfg.check(); err != nil {
		return nil, "", nil, fmt.Errorf("%s: %w", name, err)
	}
	if fs.NArg() == 0 {
		fs.Usage()
		return nil, "", nil, fmt.Errorf("%s: a command is required", name)
	}
	return cfg, fs.Arg(0), fs.Args()[1:], nil
}
