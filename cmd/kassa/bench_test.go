package main

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"strings"
	"testing"
)

// TestBenchJSON runs `kassa bench` very briefly and checks that it prints
// one well-formed JSON object with the headline fields. The figures are
// timing and are not checked, only that journeys ran without errors and
// that the shop answered no request with a 5xx status.
func TestBenchJSON(t *testing.T) {
	t.Setenv("KASSA_BENCH_STORE", "")
	var stdout, stderr bytes.Buffer
	err := run(context.Background(), []string{"bench", "--duration", "400ms", "--rounds", "2", "--warmup", "100ms",
		"--concurrency", "2", "--json"}, &stdout, &stderr)
	if err != nil {
		t.Fatalf("kassa bench: %v\n%s", err, stderr.String())
	}
	var got map[string]any
	dec := json.NewDecoder(&stdout)
	if err := dec.Decode(&got); err != nil {
		t.Fatalf("output is not JSON: %v", err)
	}
	if dec.More() {
		t.Fatal("more than one JSON value")
	}
	for _, k := range []string{"bare_journeys_per_s", "shop_journeys_per_s", "ratio", "shop_p99_ms",
		"callback_ack_p99_ms", "callback_applied_p50_ms", "callback_applied_p99_ms", "allocs_per_journey",
		"peak_rss_bytes", "cpu_cost_ratio", "shop_server_errors"} {
		if _, ok := got[k].(float64); !ok {
			t.Errorf("field %q = %v, want a number", k, got[k])
		}
	}
	if rr, _ := got["round_ratios"].([]any); len(rr) != 2 {
		t.Errorf("round_ratios = %v, want one ratio for each of the 2 rounds", got["round_ratios"])
	}
	// Every journey creates one payment; how often its reads are shared
	// depends on timing and is not checked.
	calls, _ := got["bank_calls_per_journey"].(map[string]any)
	if n, _ := calls["POST /v2/payments"].(float64); n <= 0 {
		t.Errorf("bank_calls_per_journey = %v, want payment creates counted", got["bank_calls_per_journey"])
	}
	if n, _ := got["shop_server_errors"].(float64); n != 0 {
		t.Errorf("the shop answered %v requests with a 5xx status", n)
	}
	for _, phase := range []string{"bare", "shop"} {
		p, ok := got[phase].(map[string]any)
		if !ok {
			t.Fatalf("field %q = %v, want an object", phase, got[phase])
		}
		if n, _ := p["errors"].(float64); n != 0 {
			t.Errorf("%s: %v failed journeys, first: %v", phase, n, p["first_error"])
		}
	}
}

func TestBenchFlags(t *testing.T) {
	for _, args := range [][]string{
		{"--duration", "0s"},
		{"--concurrency", "0"},
		{"--store", "mysql"},
		{"--rounds", "-1"},
		{"extra"},
	} {
		var stdout, stderr bytes.Buffer
		err := run(context.Background(), append([]string{"bench"}, args...), &stdout, &stderr)
		if err == nil {
			t.Errorf("bench %s: no error", strings.Join(args, " "))
		}
		if stdout.Len() > 0 {
			t.Errorf("bench %s: printed %q", strings.Join(args, " "), stdout.String())
		}
	}
}

// TestBenchPostgresSchema: `kassa bench --store postgres` with a URL that
// names a schema runs the journeys in that schema, on the orders already
// there (as --data does for SQLite), and leaves it and them in place.
func TestBenchPostgresSchema(t *testing.T) {
	t.Setenv("KASSA_BENCH_STORE", "")
	dbURL := fleetSchema(t)
	if _, errOut, err := runOut("seed", "--database-url", dbURL, "--orders", "300"); err != nil {
		t.Fatalf("seed: %v\n%s", err, errOut)
	}
	out, errOut, err := runOut("bench", "--store", "postgres", "--database-url", dbURL, "--duration", "400ms",
		"--rounds", "1", "--warmup", "100ms", "--concurrency", "2", "--json")
	if err != nil {
		t.Fatalf("kassa bench: %v\n%s", err, errOut)
	}
	var got struct {
		Journeys float64 `json:"shop_journeys_per_s"`
	}
	if err := json.Unmarshal([]byte(out), &got); err != nil || got.Journeys <= 0 {
		t.Fatalf("bench output %s: %v; want journeys", out, err)
	}
	db, err := sql.Open("pgx", dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var n int
	if err := db.QueryRow(`SELECT count(*) FROM orders`).Scan(&n); err != nil || n <= 300 {
		t.Fatalf("orders in the schema after the bench: %d, %v; want the 300 seeded and the bench's", n, err)
	}
}
