package web_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/base64"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kassa-dev/kassa"
	"github.com/kassa-dev/kassa/mapi"
	"github.com/kassa-dev/kassa/sqlite"
	"github.com/kassa-dev/kassa/web"
)

// noEngine is an engine none of these requests may reach: each is
// refused before the shop acts on it.
type noEngine struct{ web.Engine }

// logBuffer collects a server's log lines.
type logBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// doorServer starts a shop whose public base URL is base, and returns its
// URL and its log.
func doorServer(t *testing.T, base string) (string, *logBuffer) {
	t.Helper()
	db, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "k.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	logs := &logBuffer{}
	s, err := web.New(web.Config{Engine: noEngine{}, Store: db, Bank: mapi.New(mapi.Config{BaseURL: "http://127.0.0.1:1"}),
		BaseURL: base, AdminPassword: adminPassword,
		Logger: slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(checkAPI(t, s.Handler()))
	t.Cleanup(srv.Close)
	return srv.URL, logs
}

// rawRequest writes req on a new connection to the server at u, closes
// the connection's write side, and returns the answer.
func rawRequest(t *testing.T, u, req string) (*http.Response, string) {
	t.Helper()
	conn, err := net.Dial("tcp", strings.TrimPrefix(u, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if err := conn.SetDeadline(time.Now().Add(10 * time.Second)); err != nil {
		t.Fatal(err)
	}
	if _, err := io.WriteString(conn, req); err != nil {
		t.Fatal(err)
	}
	if err := conn.(*net.TCPConn).CloseWrite(); err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("no answer: %v", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, string(body)
}

// A body cut short or sent in broken chunks is the client's fault: 400
// with a clear message (JSON on the API, a page for forms), and no ERROR
// in the log.
func TestBrokenBodies(t *testing.T) {
	t.Parallel()
	u, logs := doorServer(t, "http://shop.example")
	short := func(path, contentType string) string {
		return "POST " + path + " HTTP/1.1\r\nHost: shop.example\r\nContent-Type: " + contentType +
			"\r\nContent-Length: 100\r\n\r\n" + `{"lines":[`
	}
	chunked := func(path, contentType string) string {
		return "POST " + path + " HTTP/1.1\r\nHost: shop.example\r\nContent-Type: " + contentType +
			"\r\nTransfer-Encoding: chunked\r\n\r\n5\r\n{\"a\":\r\nzz\r\nmore\r\n0\r\n\r\n"
	}
	const form = "application/x-www-form-urlencoded"
	tests := []struct {
		name, req, wantType string
	}{
		{"order cut short", short("/api/orders", "application/json"), "application/json"},
		{"order in bad chunks", chunked("/api/orders", "application/json"), "application/json"},
		{"cart form cut short", short("/cart/items", form), "text/html"},
		{"checkout form in bad chunks", chunked("/checkout", form), "text/html"},
		{"login form cut short", short("/admin/login", form), "text/html"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, body := rawRequest(t, u, tt.req)
			if resp.StatusCode != http.StatusBadRequest || !strings.HasPrefix(resp.Header.Get("Content-Type"), tt.wantType) {
				t.Fatalf("answer %d %s, want 400 %s:\n%s", resp.StatusCode, resp.Header.Get("Content-Type"), tt.wantType, body)
			}
			if !strings.Contains(body, "cut short or malformed") {
				t.Errorf("the answer does not say what is wrong:\n%s", body)
			}
		})
	}
	if strings.Contains(logs.String(), "level=ERROR") {
		t.Errorf("broken bodies logged an ERROR:\n%s", logs)
	}
}

// A body that is not one JSON value (broken, empty, or followed by more)
// is malformed: 400 with a field error on "body". A well-formed one with
// wrong fields stays a field error (422).
func TestMalformedJSON(t *testing.T) {
	t.Parallel()
	u, logs := doorServer(t, "http://shop.example")
	c := client(t)
	creds := map[string]string{"Authorization": "Basic " + base64.StdEncoding.EncodeToString([]byte("admin:"+adminPassword))}
	for _, tt := range []struct{ path, body string }{
		{"/api/orders", `{"lines": [`},
		{"/api/orders", `{} {}`},
		{"/api/orders", `{} ]`},
		{"/api/orders", ``},
		{"/api/admin/orders/1/capture", `{"all": tru`},
		{"/api/admin/orders/1/lines", `[1,2`},
	} {
		resp, body := postJSON(t, c, u+tt.path, tt.body, creds)
		var e struct {
			Code, Message string
			Errors        []kassa.FieldError
		}
		decode(t, body, &e)
		if resp.StatusCode != http.StatusBadRequest || e.Code != kassa.EINVALID || !strings.Contains(e.Message, "JSON") ||
			!hasField(e.Errors, "body") {
			t.Errorf("%s %q: %d %s, want 400 saying the body is not JSON", tt.path, tt.body, resp.StatusCode, body)
		}
	}
	resp, body := postJSON(t, c, u+"/api/orders", `{"coupon":"FREE"}`, nil)
	if resp.StatusCode != http.StatusUnprocessableEntity {
		t.Errorf("unknown field: %d %s, want 422", resp.StatusCode, body)
	}
	if strings.Contains(logs.String(), "level=ERROR") {
		t.Errorf("malformed JSON logged an ERROR:\n%s", logs)
	}
}

// The JSON endpoints take a body only as application/json (415 otherwise).
func TestJSONContentType(t *testing.T) {
	t.Parallel()
	u, _ := doorServer(t, "http://shop.example")
	c := client(t)
	creds := map[string]string{"Authorization": "Basic " + base64.StdEncoding.EncodeToString([]byte("admin:"+adminPassword))}
	for _, path := range []string{"/api/orders", "/api/admin/orders/1/capture", "/api/admin/orders/1/lines"} {
		for _, ct := range []string{"", "text/plain", "application/x-www-form-urlencoded", "application/jsonx", "multipart/form-data; boundary=x"} {
			h := map[string]string{"Content-Type": ct}
			for k, v := range creds {
				h[k] = v
			}
			resp, body := do(t, c, http.MethodPost, u+path, strings.NewReader(`{"lines":[]}`), h)
			var e struct{ Code, Message string }
			decode(t, body, &e)
			if resp.StatusCode != http.StatusUnsupportedMediaType || !strings.Contains(e.Message, "application/json") {
				t.Errorf("%s as %q: %d %s, want 415", path, ct, resp.StatusCode, body)
			}
		}
	}
	// Parameters are allowed: this one gets past the check to the decoder.
	resp, body := postJSON(t, c, u+"/api/orders", `{"lines":`, map[string]string{"Content-Type": "application/json; charset=utf-8"})
	if resp.StatusCode != http.StatusBadRequest {
		t.Errorf("application/json with a charset: %d %s, want it read (400 for the broken body)", resp.StatusCode, body)
	}
}

// Static files are served; a bad name or a directory is a plain 404.
func TestStaticPaths(t *testing.T) {
	t.Parallel()
	u, logs := doorServer(t, "http://shop.example")
	resp, _ := rawRequest(t, u, "GET /static/style.css HTTP/1.1\r\nHost: shop.example\r\nConnection: close\r\n\r\n")
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/css") {
		t.Fatalf("style.css: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	for _, path := range []string{"/static/%ff", "/static/", "/static/css/", "/static/../x", "/static/%2e%2e/server.go",
		"/static/style.css/", "/static/nope.css",
		"/admin/../static/style.css"} {
		resp, body := rawRequest(t, u, "GET "+path+" HTTP/1.1\r\nHost: shop.example\r\nConnection: close\r\n\r\n")
		if resp.StatusCode != http.StatusNotFound || strings.Contains(body, "<pre>") || !strings.Contains(body, "Page not found") {
			t.Errorf("GET %s: %d, want the shop's 404 page:\n%s", path, resp.StatusCode, body)
		}
	}
	if strings.Contains(logs.String(), "level=ERROR") {
		t.Errorf("bad static paths logged an ERROR:\n%s", logs)
	}
}

// A known path asked with another method is 405 with Allow; an unknown
// path keeps the shop's 404 page.
func TestMethodNotAllowed(t *testing.T) {
	t.Parallel()
	u, _ := doorServer(t, "http://shop.example")
	c := client(t)
	tests := []struct {
		method, path, allow, wantType string
	}{
		{http.MethodPost, "/api/products", "GET, HEAD", "application/json"},
		{http.MethodDelete, "/api/orders", "POST", "application/json"},
		{http.MethodGet, "/checkout/orders/1/return?key=x", "GET, HEAD", ""}, // allowed: not a 405
		{http.MethodPut, "/checkout", "GET, HEAD, POST", "text/html"},
		{http.MethodGet, "/cart/items", "POST", "text/html"},
		{http.MethodGet, "/callbacks/resurs/authorization", "POST", "text/html"},
		{http.MethodPost, "/static/style.css", "GET, HEAD", "text/html"},
	}
	for _, tt := range tests {
		resp, body := do(t, c, tt.method, u+tt.path, nil, nil)
		if tt.wantType == "" {
			if resp.StatusCode == http.StatusMethodNotAllowed {
				t.Errorf("%s %s: 405 for an allowed method", tt.method, tt.path)
			}
			continue
		}
		if resp.StatusCode != http.StatusMethodNotAllowed || resp.Header.Get("Allow") != tt.allow ||
			!strings.HasPrefix(resp.Header.Get("Content-Type"), tt.wantType) {
			t.Errorf("%s %s: %d Allow %q %s, want 405 Allow %q %s\n%s", tt.method, tt.path, resp.StatusCode,
				resp.Header.Get("Allow"), resp.Header.Get("Content-Type"), tt.allow, tt.wantType, body)
		}
	}
	resp, body := do(t, c, http.MethodGet, u+"/no/such/page", nil, nil)
	if resp.StatusCode != http.StatusNotFound || !strings.Contains(body, "Page not found") || resp.Header.Get("Allow") != "" {
		t.Errorf("unknown path: %d Allow %q, want the 404 page", resp.StatusCode, resp.Header.Get("Allow"))
	}
	resp, _ = do(t, c, http.MethodPost, u+"/no/such/page", nil, nil)
	if resp.StatusCode != http.StatusNotFound {
		t.Errorf("POST to an unknown path: %d, want 404", resp.StatusCode)
	}
}

// HSTS is sent on every answer of a shop whose base URL is https, and
// never over http.
func TestHSTS(t *testing.T) {
	t.Parallel()
	const want = "max-age=63072000; includeSubDomains"
	secure, _ := doorServer(t, "https://shop.example")
	plain, _ := doorServer(t, "http://shop.example")
	c := client(t)
	for _, path := range []string{"/", "/healthz", "/api/products", "/no/such/page", "/static/style.css"} {
		if resp, _ := do(t, c, http.MethodGet, secure+path, nil, nil); resp.Header.Get("Strict-Transport-Security") != want {
			t.Errorf("https shop, %s: Strict-Transport-Security %q, want %q", path,
				resp.Header.Get("Strict-Transport-Security"), want)
		}
		if resp, _ := do(t, c, http.MethodGet, plain+path, nil, nil); resp.Header.Get("Strict-Transport-Security") != "" {
			t.Errorf("http shop, %s: Strict-Transport-Security %q, want none", path, resp.Header.Get("Strict-Transport-Security"))
		}
	}
}
