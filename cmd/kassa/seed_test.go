package main

import (
	"bytes"
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kassa-dev/kassa"
	"github.com/kassa-dev/kassa/bench"
	"github.com/kassa-dev/kassa/sqlite"
)

// TestSeed: kassa seed adds the orders asked for, with their events,
// callbacks, actions and mails, the counters and the search index agree,
// and the same seed gives the same orders.
func TestSeed(t *testing.T) {
	const n = 3000 // more than one batch
	ctx := context.Background()
	dirs := []string{t.TempDir(), t.TempDir()}
	for _, dir := range dirs {
		out, errOut, err := runOut("seed", "--data", dir, "--orders", "3000", "--seed", "7", "--end", "2026-06-01T12:00:00Z")
		if err != nil || !strings.Contains(out, "seed: 3000 orders") {
			t.Fatalf("seed: %v\n%s%s", err, out, errOut)
		}
	}
	var lists [2][]*kassa.Order
	for i, dir := range dirs {
		db, err := sqlite.Open(ctx, filepath.Join(dir, "kassa.db"))
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		counts, err := db.OrderCounts(ctx)
		if err != nil {
			t.Fatal(err)
		}
		sum := 0
		for _, st := range kassa.Statuses {
			sum += counts[st]
			if st != kassa.StatusOnHold && counts[st] == 0 {
				t.Errorf("no %s orders: %v", st, counts)
			}
		}
		if sum != n {
			t.Fatalf("counts %v add up to %d, want %d", counts, sum, n)
		}
		for after := int64(0); ; {
			page, _, err := db.Orders(ctx, kassa.OrderFilter{Limit: 1000, After: after})
			if err != nil {
				t.Fatal(err)
			}
			if len(page) == 0 {
				break
			}
			lists[i] = append(lists[i], page...)
			after = page[len(page)-1].ID
		}
		o := lists[i][n/2]
		if evs, err := db.Events(ctx, o.ID); err != nil || len(evs) == 0 || evs[len(evs)-1].To != o.Status && o.Status != kassa.StatusPending {
			t.Errorf("order %d (%s): events %+v, %v", o.ID, o.Status, evs, err)
		}
		found, _, err := db.Orders(ctx, kassa.OrderFilter{Query: o.Customer.Email})
		if err != nil || len(found) != 1 || found[0].ID != o.ID {
			t.Errorf("search for %q: %d orders, %v", o.Customer.Email, len(found), err)
		}
		for _, kind := range []string{"callbacks", "actions", "mails"} {
			var total int
			switch kind {
			case "callbacks":
				_, total, err = db.Callbacks(ctx, kassa.CallbackFilter{})
			case "actions":
				_, total, err = db.Actions(ctx, kassa.ActionFilter{})
			case "mails":
				_, total, err = db.Mails(ctx, kassa.MailFilter{})
			}
			if err != nil || total < 1000 {
				t.Errorf("%s: %d, %v; want more than 1000", kind, total, err)
			}
		}
	}
	a, _ := json.Marshal(lists[0])
	b, _ := json.Marshal(lists[1])
	if !bytes.Equal(a, b) {
		t.Error("the same seed gave different orders")
	}
}

// TestBenchAdmin: kassa bench --admin times every admin request on a
// seeded database, and every one answers 200.
func TestBenchAdmin(t *testing.T) {
	dir := t.TempDir()
	if _, errOut, err := runOut("seed", "--data", dir, "--orders", "500"); err != nil {
		t.Fatalf("seed: %v\n%s", err, errOut)
	}
	out, errOut, err := runOut("bench", "--admin", "--data", dir, "--requests", "2", "--json")
	if err != nil {
		t.Fatalf("bench --admin: %v\n%s", err, errOut)
	}
	var res bench.AdminResult
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if res.Orders != 500 || len(res.Requests) < 15 {
		t.Fatalf("%d orders, %d request kinds", res.Orders, len(res.Requests))
	}
	for _, r := range res.Requests {
		if r.Status != 200 || r.N != 2 {
			t.Errorf("%s (%s): status %d, %d timed", r.Name, r.Path, r.Status, r.N)
		}
	}
}

// TestSeedFlags: a missing or absurd order count is refused.
func TestSeedFlags(t *testing.T) {
	for _, args := range [][]string{{"seed"}, {"seed", "--orders", "-1"}, {"seed", "--orders", "5", "--end", "yesterday"}} {
		if _, _, err := runOut(append(args, "--data", t.TempDir())...); err == nil {
			t.Errorf("%q: no error", args)
		}
	}
}
