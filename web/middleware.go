package web

import (
	"fmt"
	"net/http"
	"runtime/debug"
	"time"

	"github.com/kassa-dev/kassa"
	"github.com/kassa-dev/kassa/internal/httpstat"
)

// maxBody bounds every request body the shop reads (forms, JSON, callbacks).
const maxBody = 64 << 10

// csp allows no inline script or style and no framing. form-action is left
// out on purpose: the checkout form's answer redirects to Resurs' signing
// page, and browsers apply form-action to that redirect.
const csp = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"object-src 'none'; base-uri 'none'; frame-ancestors 'none'"

// securityHeaders are set on every answer. Their value slices are shared
// by all answers (saving an allocation per header and answer), which is
// safe as long as handlers change headers with Set, Add and Del and each
// slice is full (len == cap, as a one-element literal is): Set replaces
// the slice and Add appends to a full one, which copies it.
var securityHeaders = []struct {
	key   string // canonical
	value []string
}{
	{"Content-Security-Policy", []string{csp}},
	{"X-Content-Type-Options", []string{"nosniff"}},
	{"Referrer-Policy", []string{"same-origin"}},
	{"X-Frame-Options", []string{"DENY"}},
}

func withSecurityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		for _, sh := range securityHeaders {
			h[sh.key] = sh.value
		}
		next.ServeHTTP(w, r)
	})
}

func withBodyLimit(next http.Handler, n int64) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Body != nil {
			r.Body = http.MaxBytesReader(w, r.Body, n)
		}
		next.ServeHTTP(w, r)
	})
}

// withRecover turns a panic into a 500 page; the client never sees a panic.
// http.ErrAbortHandler is re-panicked: it is the way to abort a response.
func (s *Server) withRecover(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			v := recover()
			if v == nil {
				return
			}
			if v == http.ErrAbortHandler {
				panic(v)
			}
			s.log.Error("panic", "method", r.Method, "path", r.URL.Path, "panic", fmt.Sprint(v),
				"stack", string(debug.Stack()))
			s.error(w, r, &kassa.Error{Code: kassa.EINTERNAL, Err: fmt.Errorf("panic: %v", v)})
		}()
		next.ServeHTTP(w, r)
	})
}

// withLogging logs one line per request. It logs the path only: query
// strings carry order keys and callback tokens.
func (s *Server) withLogging(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &httpstat.Writer{ResponseWriter: w}
		next.ServeHTTP(sw, r)
		s.log.Info("http", "method", r.Method, "path", r.URL.Path, "status", sw.Status,
			"bytes", sw.Bytes, "dur", time.Since(start))
	})
}
