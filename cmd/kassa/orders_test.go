package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestOrdersCLI drives `kassa orders` against a running `kassa serve` on
// the same data directory: the CLI reaches the shop's embedded simulator
// and writes the same database.
func TestOrdersCLI(t *testing.T) {
	dir := t.TempDir()
	base, _, stop := startServe(t, "--data", dir, "--admin-password", "secret-pw")
	defer stop()
	id, number := paidServeOrder(t, base)
	orders := func(args ...string) (string, error) {
		var out, errw bytes.Buffer
		err := run(context.Background(), append([]string{"orders", "--data", dir, "--base-url", base}, args...), &out, &errw)
		return out.String() + errw.String(), err
	}
	sid := strconv.FormatInt(id, 10)

	out, err := orders("capture", sid, "--line", "BOOK-001:1")
	if err != nil || !strings.Contains(out, number+"-capture-1 (299.00): succeeded") || !strings.Contains(out, ": processing;") {
		t.Fatalf("capture a line: %v\n%s", err, out)
	}
	for _, bad := range [][]string{
		{"refund", sid},                          // nothing said: never "refund everything"
		{"capture", sid},                         // nothing said: never "capture everything"
		{"cancel", sid},                          // nothing said: never "cancel everything"
		{"capture", sid, "--amount", "1.00"},     // only a refund takes an amount
		{"refund", sid, "--line", "BOOK-001:2"},  // only 1 captured
		{"capture", sid, "--line", "BOOK-001:x"}, // not a quantity
		{"refund", sid, "--amount", "1.234"},     // 3 decimals
		{"capture", "nope"},                      // not an id
		{"launch", sid},                          // no such command
	} {
		if out, err := orders(bad...); err == nil {
			t.Errorf("orders %q: no error\n%s", bad, out)
		}
	}
	if _, err := orders("capture", sid); err == nil || !strings.Contains(err.Error(), "Say what to capture") {
		t.Errorf("capture without lines or --all: %v; want it to say what to give", err)
	}
	out, err = orders("refund", sid, "--amount", "100.00")
	if err != nil || !strings.Contains(out, number+"-refund-1 (100.00): succeeded") || !strings.Contains(out, "refunded 100.00") {
		t.Fatalf("refund an amount: %v\n%s", err, out)
	}
	out, err = orders("show", sid)
	if err != nil || !strings.Contains(out, number+"-capture-1") || !strings.Contains(out, number+"-refund-1") ||
		!strings.Contains(out, "accepted by Resurs") {
		t.Fatalf("show: %v\n%s", err, out)
	}
	out, err = orders("list")
	if err != nil || !strings.Contains(out, number) || !strings.Contains(out, "1 of 1 orders") {
		t.Fatalf("list: %v\n%s", err, out)
	}
	out, err = orders("actions", "--state", "succeeded")
	if err != nil || !strings.Contains(out, "2 of 2 actions") {
		t.Fatalf("actions: %v\n%s", err, out)
	}
	if out, err = orders("sync", sid); err != nil || !strings.Contains(out, "processing") {
		t.Fatalf("sync: %v\n%s", err, out)
	}
}

// paidServeOrder places an order for one BOOK-001 through the shop's API,
// approves it at the embedded simulator and waits until it is processing.
func paidServeOrder(t *testing.T, base string) (int64, string) {
	t.Helper()
	c := noRedirectClient()
	resp := mustDo(t, c, http.MethodPost, base+"/api/orders", "application/json", bookOrderJSON)
	var created struct {
		ID          int64
		Number, Key string
		RedirectURL string
	}
	if resp.code != http.StatusCreated || json.Unmarshal([]byte(resp.body), &created) != nil {
		t.Fatalf("place order: %d %s", resp.code, resp.body)
	}
	mustDo(t, c, http.MethodPost, created.RedirectURL, "application/x-www-form-urlencoded",
		url.Values{"decision": {"approve"}}.Encode())
	view := base + "/api/orders/" + strconv.FormatInt(created.ID, 10) + "?key=" + url.QueryEscape(created.Key)
	deadline := time.Now().Add(15 * time.Second)
	for {
		var got struct{ Status string }
		if r := mustDo(t, c, http.MethodGet, view, "", ""); json.Unmarshal([]byte(r.body), &got) == nil && got.Status == "processing" {
			return created.ID, created.Number
		}
		if time.Now().After(deadline) {
			t.Fatal("the order did not become processing")
		}
		time.Sleep(50 * time.Millisecond)
	}
}
