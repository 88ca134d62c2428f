package main

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kassa-dev/kassa"
	"github.com/kassa-dev/kassa/checkout"
	"github.com/kassa-dev/kassa/mapi"
	"github.com/kassa-dev/kassa/mapisim"
	"github.com/kassa-dev/kassa/sqlite"
	"github.com/kassa-dev/kassa/web"
)

// kassaStack is the real kassa on a loopback listener, as cmd/kassa wires
// it: SQLite in a temp file, the checkout engine, the web server and the
// MAPI simulator mounted at /sim.
type kassaStack struct {
	URL string
	DB  *sqlite.DB
}

const adminPassword = "example-admin-password"

func newKassa(t *testing.T) *kassaStack {
	t.Helper()
	ctx := context.Background()
	srv := httptest.NewUnstartedServer(nil)
	base := "http://" + srv.Listener.Addr().String()
	db, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "kassa.db"))
	if err != nil {
		t.Fatal(err)
	}
	var logTo io.Writer = io.Discard
	if os.Getenv("KASSA_TEST_LOG") != "" {
		logTo = os.Stderr // KASSA_TEST_LOG=1 shows kassa's log
	}
	log := slog.New(slog.NewTextHandler(logTo, nil))
	sim := mapisim.New(mapisim.Options{BaseURL: base + "/sim", Seed: 1})
	bank := mapi.New(mapi.Config{BaseURL: base + "/sim", ClientID: mapisim.DefaultClientID,
		ClientSecret: mapisim.DefaultClientSecret})
	eng, err := checkout.New(checkout.Config{Store: db, Bank: bank, StoreID: mapisim.DefaultStoreID, BaseURL: base,
		Logger: log, WebhookPoll: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	w, err := web.New(web.Config{Store: db, Bank: bank, StoreID: mapisim.DefaultStoreID, BaseURL: base,
		AdminPassword: adminPassword, Logger: log, Sim: sim, Environment: "simulator", Engine: eng})
	if err != nil {
		t.Fatal(err)
	}
	srv.Config.Handler = w.Handler()
	srv.Start()
	if err := eng.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		srv.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := eng.Stop(ctx); err != nil {
			t.Errorf("engine stop: %v", err)
		}
		sim.Close()
		db.Close()
	})
	return &kassaStack{URL: base, DB: db}
}

// createKey creates an API key, as `kassa keys create` does.
func (k *kassaStack) createKey(t *testing.T, name string) string {
	t.Helper()
	key, rec, err := kassa.NewAPIKey(name, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if err := k.DB.CreateAPIKey(context.Background(), rec); err != nil {
		t.Fatal(err)
	}
	return key
}

// api calls kassa's JSON API with key and decodes the answer into out.
func (k *kassaStack) api(t *testing.T, key, method, path, body string, out any) int {
	t.Helper()
	req, err := http.NewRequest(method, k.URL+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+key)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			t.Fatalf("%s %s: %d %s", method, path, resp.StatusCode, b)
		}
	}
	return resp.StatusCode
}

// startShop starts the example shop on loopback against kassa k with API
// key key. With register, its webhook endpoint is registered at kassa
// and its secret used; else secret is.
func startShop(t *testing.T, k *kassaStack, key, secret string, register bool) (*Shop, string) {
	t.Helper()
	srv := httptest.NewUnstartedServer(nil)
	public := "http://" + srv.Listener.Addr().String()
	kc := newKassaClient(k.URL, key)
	if register {
		var err error
		if secret, err = kc.registerWebhook(t.Context(), public+webhookPath); err != nil {
			t.Fatalf("register the webhook endpoint: %v", err)
		}
	}
	s, err := newShop(Config{Kassa: kc, Secret: secret, PublicURL: public})
	if err != nil {
		t.Fatal(err)
	}
	srv.Config.Handler = s.Handler()
	srv.Start()
	t.Cleanup(srv.Close)
	return s, public
}

// waitFor polls cond until it holds, bounded.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("waited 15 s for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
