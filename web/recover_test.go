package web_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kassa-dev/kassa"
	"github.com/kassa-dev/kassa/mapi"
	"github.com/kassa-dev/kassa/sqlite"
	"github.com/kassa-dev/kassa/web"
)

// panicEngine panics in PaymentMethods; the other methods are never called.
type panicEngine struct{ web.Engine }

func (panicEngine) PaymentMethods(context.Context, kassa.Money, kassa.CustomerType) ([]mapi.PaymentMethod, error) {
	panic("boom")
}

func TestRecoverFromPanic(t *testing.T) {
	t.Parallel()
	db, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "k.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	s, err := web.New(web.Config{Engine: panicEngine{}, Store: db, Bank: mapi.New(mapi.Config{BaseURL: "http://127.0.0.1:1"}),
		AdminPassword: "x"})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(s.Handler())
	defer srv.Close()
	resp, body := do(t, client(t), http.MethodGet, srv.URL+"/api/payment-methods?amount=100", nil, nil)
	if resp.StatusCode != http.StatusInternalServerError || !strings.Contains(body, `"code": "internal"`) || strings.Contains(body, "boom") {
		t.Errorf("panic answered %d %s, want a plain 500", resp.StatusCode, body)
	}
	// The server still serves.
	if resp, _ := do(t, client(t), http.MethodGet, srv.URL+"/healthz", nil, nil); resp.StatusCode != http.StatusOK {
		t.Errorf("healthz after a panic: %d", resp.StatusCode)
	}
}
