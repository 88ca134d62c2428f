// Command kassa runs the kassa shop and its tools.
//
//	kassa [serve]   the shop (embedded SQLite and the built-in MAPI simulator by default)
//	kassa sim       the MAPI simulator alone
//
// Run "kassa help" for the full list, and "kassa help COMMAND" (or
// "kassa COMMAND -h") for a command's flags.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sort"
	"strings"
	"syscall"
)

// command is one subcommand. Each lives in its own file and registers itself
// with register from an init function, so main stays a dispatcher.
type command struct {
	name    string
	summary string
	run     func(ctx context.Context, args []string, stdout, stderr io.Writer) error
}

var commands = map[string]command{}

func register(c command) { commands[c.name] = c }

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	switch {
	case err == nil, errors.Is(err, flag.ErrHelp):
	default:
		fmt.Fprintln(os.Stderr, "kassa:", err)
		os.Exit(1)
	}
}

// run dispatches args to a subcommand; no arguments or a leading flag means
// serve. "help", -h and --help list the subcommands; "help CMD" shows a
// command's flags.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) > 0 && isHelp(args[0]) {
		return help(ctx, args[1:], stdout, stderr)
	}
	name := "serve"
	if len(args) > 0 && len(args[0]) > 0 && args[0][0] != '-' {
		name, args = args[0], args[1:]
	}
	c, ok := commands[name]
	if !ok {
		return fmt.Errorf("unknown command %q; run \"kassa help\" for the list", name)
	}
	return c.run(ctx, args, stdout, stderr)
}

// isHelp reports whether arg asks for help.
func isHelp(arg string) bool {
	switch arg {
	case "help", "-h", "-help", "--help":
		return true
	}
	return false
}

// help prints the list of subcommands, or with a command's name that
// command's usage and flags, to stdout.
func help(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		usage(stdout)
		return nil
	}
	c, ok := commands[args[0]]
	if !ok {
		return fmt.Errorf("unknown command %q; run \"kassa help\" for the list", args[0])
	}
	err := c.run(ctx, []string{"-h"}, stdout, stdout)
	if errors.Is(err, flag.ErrHelp) {
		return nil
	}
	return err
}

func usage(w io.Writer) {
	fmt.Fprint(w, `usage: kassa [command] [flags]

kassa is a checkout for shops paid through Resurs Bank. Without a command
it runs serve.

commands:
`)
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-8s %s\n", n, commands[n].summary)
	}
	fmt.Fprintf(w, "  %-8s %s\n", "help", "this list; \"kassa help COMMAND\" shows a command's flags")
	fmt.Fprintln(w, "\nRun \"kassa help COMMAND\" or \"kassa COMMAND -h\" for a command's flags.")
}

// newFlagSet returns the flag set of command name, whose usage (on -h)
// names the command, says what it does and lists its flags.
func newFlagSet(name string, w io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(w)
	fs.Usage = func() {
		fmt.Fprintf(w, "usage: kassa %s [flags]\n\n%s.\n\nflags:\n", name, capitalize(commands[name].summary))
		fs.PrintDefaults()
	}
	return fs
}

// parseFlags parses args with fs. -h prints fs's usage and returns
// flag.ErrHelp; a bad flag is one line of error, without the usage.
func parseFlags(fs *flag.FlagSet, args []string) error {
	out, usage := fs.Output(), fs.Usage
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	err := fs.Parse(args)
	fs.SetOutput(out)
	fs.Usage = usage
	switch {
	case errors.Is(err, flag.ErrHelp):
		fs.Usage()
		return err
	case err != nil:
		return fmt.Errorf("%s: %w (see \"kassa help %s\")", fs.Name(), err, strings.Fields(fs.Name())[0])
	}
	return nil
}

// capitalize returns s with its first letter in upper case.
func capitalize(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// envOr returns the environment variable key, or def when it is unset or empty.
func envOr(key, def string) string {
	if v := os.Getenv(key); v != "" {
		return v
	}
	return def
}
