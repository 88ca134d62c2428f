package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strconv"
	"text/tabwriter"
	"time"

	"github.com/kassa-dev/kassa"
)

func init() {
	register(command{name: "keys", summary: "create, list or revoke API keys", run: keys})
}

const keysUsage = `usage: kassa keys [shop flags] COMMAND [ARGS]

commands:
  create --name NAME   a new API key, printed once on one line
  list                 the keys: id, name, prefix, created, last used, revoked
  revoke ID            revoke a key: it is refused from the next request on

The shop flags are serve's (--data or --database-url): the command works on
the same database as the running shop, and may run while the shop serves.`

// keys runs one API key command against the shop's database.
func keys(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	cfg, cmd, rest, err := shopCommand("keys", keysUsage, args, stderr)
	if err != nil {
		return err
	}
	db, err := openDatabase(ctx, cfg)
	if err != nil {
		return fmt.Errorf("keys: %w", err)
	}
	defer db.Close()
	switch cmd {
	case "create":
		return createKey(ctx, db, rest, stdout, stderr)
	case "list":
		return listKeys(ctx, db, stdout)
	case "revoke":
		return revokeKey(ctx, db, rest, stdout)
	}
	return fmt.Errorf("keys: unknown command %q (create, list or revoke)", cmd)
}

// createKey stores a new key and prints it, alone on one line, so that a
// script can read it: `KEY=$(kassa keys create --name shop)`.
func createKey(ctx context.Context, db kassa.APIKeys, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("keys create", flag.ContinueOnError)
	fs.SetOutput(stderr)
	name := fs.String("name", "", "what the key is for, e.g. \"web shop\" (required, at most 100 bytes)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *name == "" || fs.NArg() > 0 {
		return errors.New("keys create: give the key a --name, and nothing else")
	}
	key, k, err := kassa.NewAPIKey(*name, time.Now())
	if err != nil {
		return err
	}
	if err := db.CreateAPIKey(ctx, k); err != nil {
		return fmt.Errorf("keys create: %s", kassa.ErrorMessage(err))
	}
	fmt.Fprintln(stdout, key)
	return nil
}

func listKeys(ctx context.Context, db kassa.APIKeys, stdout io.Writer) error {
	ks, err := db.APIKeys(ctx)
	if err != nil {
		return fmt.Errorf("keys list: %w", err)
	}
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tNAME\tKEY\tCREATED\tLAST USED\tREVOKED")
	for _, k := range ks {
		fmt.Fprintf(tw, "%d\t%s\t%s…\t%s\t%s\t%s\n", k.ID, k.Name, k.Prefix, stamp(k.CreatedAt), stamp(k.LastUsedAt),
			stamp(k.RevokedAt))
	}
	return tw.Flush()
}

func revokeKey(ctx context.Context, db kassa.APIKeys, args []string, stdout io.Writer) error {
	if len(args) != 1 {
		return errors.New("keys revoke: give the key's ID (see kassa keys list)")
	}
	id, err := strconv.ParseInt(args[0], 10, 64)
	if err != nil {
		return fmt.Errorf("keys revoke: %q is not a key's ID", args[0])
	}
	if err := db.RevokeAPIKey(ctx, id, time.Now()); err != nil {
		return fmt.Errorf("keys revoke: %s", kassa.ErrorMessage(err))
	}
	fmt.Fprintf(stdout, "key %d revoked\n", id)
	return nil
}

// stamp formats t for a listing; "-" when unset.
func stamp(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.Local().Format("2006-01-02 15:04")
}
