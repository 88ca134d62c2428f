package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/kassa-dev/kassa/mapisim"
)

// runOut runs kassa with args and returns its stdout, stderr and error.
func runOut(args ...string) (string, string, error) {
	var stdout, stderr bytes.Buffer
	err := run(context.Background(), args, &stdout, &stderr)
	return stdout.String(), stderr.String(), err
}

// TestHelpListsCommands: kassa --help, -h and help list every subcommand
// with its line, on stdout.
func TestHelpListsCommands(t *testing.T) {
	for _, args := range [][]string{{"--help"}, {"-h"}, {"-help"}, {"help"}} {
		out, errOut, err := runOut(args...)
		if err != nil || errOut != "" {
			t.Errorf("%q: err %v, stderr %q", args, err, errOut)
		}
		for name, c := range commands {
			if !strings.Contains(out, "  "+name) || !strings.Contains(out, c.summary) {
				t.Errorf("%q does not list %s (%s):\n%s", args, name, c.summary, out)
			}
		}
		if strings.Contains(out, "Usage of") {
			t.Errorf("%q prints a flag set's default usage:\n%s", args, out)
		}
	}
}

// TestHelpCommand: kassa help CMD and kassa CMD --help show that command's
// usage and flags.
func TestHelpCommand(t *testing.T) {
	for name := range commands {
		out, _, err := runOut("help", name)
		if err != nil || !strings.Contains(out, "usage: kassa "+name) || !strings.Contains(out, "-") {
			t.Errorf("help %s: err %v\n%s", name, err, out)
		}
	}
	_, errOut, err := runOut("serve", "--help")
	if !errors.Is(err, flag.ErrHelp) || !strings.Contains(errOut, "usage: kassa serve [flags]") ||
		!strings.Contains(errOut, "-max-unpaid-orders") {
		t.Errorf("serve --help: err %v\n%s", err, errOut)
	}
	if _, _, err := runOut("help", "nope"); err == nil || !strings.Contains(err.Error(), `unknown command "nope"`) {
		t.Errorf("help nope: %v", err)
	}
}

// TestServeFlagHelp: every placeholder in serve's help names what is
// given; --mapi-url's used to read "kassa sim".
func TestServeFlagHelp(t *testing.T) {
	out, _, _ := runOut("help", "serve")
	for _, want := range []string{"-mapi-url URL\n", "-base-url URL\n", "-database-url URL\n", "-mapi-store-id id\n",
		"-data directory\n", "-addr address\n", "KASSA_MAX_UNPAID_UNITS", "KASSA_ADDRESS_LOOKUP_WINDOW"} {
		if !strings.Contains(out, want) {
			t.Errorf("serve's help lacks %q:\n%s", want, out)
		}
	}
}

// TestStartupErrorIsOneLine: a shop that cannot start logs nothing; its
// error is the one line main prints. A bad flag prints no usage.
func TestStartupErrorIsOneLine(t *testing.T) {
	for _, args := range [][]string{{"--mapi-env", "mars"}, {"--bogus"}, {"--hold", "1s"}} {
		all := append([]string{"serve", "--addr", "127.0.0.1:0", "--data", t.TempDir()}, args...)
		_, errOut, err := runOut(all...)
		if err == nil || strings.Contains(err.Error(), "\n") || errOut != "" {
			t.Errorf("%q: err %v; stderr %q, want nothing", args, err, errOut)
		}
	}
}

// TestStoreIDValidated: a store id must be a UUID (docs/mapi.md §Stores
// and payment methods).
func TestStoreIDValidated(t *testing.T) {
	for id, ok := range map[string]bool{"z": false, "5704e5e0-0000-4000-8000": false,
		mapisim.DefaultStoreID: true, "A1B2C3D4-E5F6-4718-9A0B-1C2D3E4F5A6B": true} {
		t.Setenv("KASSA_MAPI_STORE_ID", id)
		_, err := parseServeFlags(nil, io.Discard)
		if (err == nil) != ok {
			t.Errorf("KASSA_MAPI_STORE_ID=%q: err %v, want ok %t", id, err, ok)
		}
		if err != nil && !strings.Contains(err.Error(), "KASSA_MAPI_STORE_ID") {
			t.Errorf("the error does not name the variable: %v", err)
		}
	}
}

func TestLimitFlags(t *testing.T) {
	c, err := parseServeFlags(nil, io.Discard)
	want := limitConfig{MaxUnpaidOrders: 3, MaxUnpaidUnits: 10, AddressLookups: 5, AddressLookupWindow: 10 * time.Minute}
	if err != nil || c.Limits != want {
		t.Fatalf("defaults: %+v, %v; want %+v", c.Limits, err, want)
	}
	t.Setenv("KASSA_MAX_UNPAID_ORDERS", "0")
	if c, err := parseServeFlags([]string{"--address-lookups", "2"}, io.Discard); err != nil ||
		c.Limits.MaxUnpaidOrders != 0 || c.Limits.AddressLookups != 2 {
		t.Errorf("from the variable and a flag: %+v, %v", c.Limits, err)
	}
	for _, args := range [][]string{{"--max-unpaid-orders", "-1"}, {"--max-unpaid-units", "-1"},
		{"--address-lookups", "-1"}, {"--address-lookup-window", "0s"}} {
		if _, err := parseServeFlags(args, io.Discard); err == nil || !strings.Contains(err.Error(), args[0]) {
			t.Errorf("%q: %v, want an error naming the flag", args, err)
		}
	}
	t.Setenv("KASSA_MAX_UNPAID_UNITS", "ten")
	if _, err := parseServeFlags(nil, io.Discard); err == nil || !strings.Contains(err.Error(), "KASSA_MAX_UNPAID_UNITS") {
		t.Errorf("KASSA_MAX_UNPAID_UNITS=ten: %v", err)
	}
}

// TestServeLimitsUnpaidOrders: kassa serve passes --max-unpaid-orders to
// the shop: the second unpaid order of one client is refused with 429.
func TestServeLimitsUnpaidOrders(t *testing.T) {
	base, _, stop := startServe(t, "--data", t.TempDir(), "--max-unpaid-orders", "1")
	defer stop()
	c := noRedirectClient()
	if r := mustDo(t, c, http.MethodPost, base+"/api/orders", "application/json", bookOrderJSON); r.code != http.StatusCreated {
		t.Fatalf("first order: %d %s", r.code, r.body)
	}
	if r := mustDo(t, c, http.MethodPost, base+"/api/orders", "application/json", bookOrderJSON); r.code != http.StatusTooManyRequests {
		t.Errorf("second unpaid order: %d %s, want 429", r.code, r.body)
	}
}
