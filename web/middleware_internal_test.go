package web

import (
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"
)

// The security headers' values are shared between answers: a handler
// that adds to one must not change what the next answer gets.
func TestSecurityHeadersNotShared(t *testing.T) {
	for _, sh := range securityHeaders {
		if len(sh.value) != 1 || cap(sh.value) != 1 {
			t.Fatalf("%s: value slice len %d cap %d; a shared slice with room would take another answer's Add", sh.key, len(sh.value), cap(sh.value))
		}
	}
	first := true
	h := withSecurityHeaders(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if first {
			w.Header().Add("X-Frame-Options", "SAMEORIGIN")
			first = false
		}
	}))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/", nil))
	if got := rec.Header().Values("X-Frame-Options"); !slices.Equal(got, []string{"DENY", "SAMEORIGIN"}) {
		t.Fatalf("first answer: X-Frame-Options %q", got)
	}
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/", nil))
	for _, sh := range securityHeaders {
		if got := rec.Header().Values(sh.key); len(got) != 1 || got[0] != sh.value[0] {
			t.Errorf("second answer: %s %q, want %q", sh.key, got, sh.value)
		}
	}
}

// The HSTS value is shared between answers like the security headers'.
func TestHSTSNotShared(t *testing.T) {
	first := true
	h := withHSTS(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if first {
			w.Header().Add("Strict-Transport-Security", "max-age=0")
			first = false
		}
	}))
	for _, want := range [][]string{{hsts, "max-age=0"}, {hsts}} {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/", nil))
		if got := rec.Header().Values("Strict-Transport-Security"); !slices.Equal(got, want) {
			t.Errorf("Strict-Transport-Security %q, want %q", got, want)
		}
	}
}
