package web

import (
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"runtime/debug"
	"strings"
	"time"

	"github.com/kassa-dev/kassa"
	"github.com/kassa-dev/kassa/internal/httpstat"
)

// maxBody bounds every request body the shop reads (forms, JSON, callbacks).
const maxBody = 64 << 10

// csp allows no inline script or style and no framing. form-action is left
// out on purpose: the checkout form's answer redirects to Resurs' signing
// page, and browsers apply form-action to that redirect.
const csp = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: https:; " +
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

// hsts tells browsers to reach the shop only over HTTPS for two years; it
// is sent when the shop's base URL is https (see withHSTS).
const hsts = "max-age=63072000; includeSubDomains"

// withHSTS adds Strict-Transport-Security to every answer.
func withHSTS(next http.Handler) http.Handler {
	value := []string{hsts} // shared by all answers, full as securityHeaders' are
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header()["Strict-Transport-Security"] = value
		next.ServeHTTP(w, r)
	})
}

// withBodyLimit bounds the request body to n bytes (413 beyond) and marks
// every other error reading it as the client's (a bodyError: 400).
func withBodyLimit(next http.Handler, n int64) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Body != nil {
			r.Body = bodyReader{http.MaxBytesReader(w, r.Body, n)}
		}
		next.ServeHTTP(w, r)
	})
}

// bodyReader reads a request body; an error other than the end of the
// body or its size limit (a body shorter than its Content-Length, a bad
// chunk) is returned as a *bodyError.
type bodyReader struct{ io.ReadCloser }

func (b bodyReader) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	var mbe *http.MaxBytesError
	if err != nil && err != io.EOF && !errors.As(err, &mbe) {
		err = &bodyError{err: err}
	}
	return n, err
}

// withForm reads a form body (application/x-www-form-urlencoded) before
// the handler does, so that one cut short or malformed is answered 400
// here rather than read by the handler as a form with fields missing.
// Resurs' callbacks are left alone: their handlers read the raw body.
func (s *Server) withForm(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost && isForm(r) && !strings.HasPrefix(r.URL.Path, "/callbacks/") {
			if err := r.ParseForm(); err != nil {
				s.error(w, r, formError(err))
				return
			}
		}
		next.ServeHTTP(w, r)
	})
}

// isForm reports whether r's body is sent as an URL-encoded form.
func isForm(r *http.Request) bool {
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	return err == nil && mt == "application/x-www-form-urlencoded"
}

// formError is the error answering a form that could not be parsed: too
// large (413) or else cut short or malformed (400).
func formError(err error) error {
	var mbe *http.MaxBytesError
	var be *bodyError
	if errors.As(err, &mbe) || errors.As(err, &be) {
		return err
	}
	return &bodyError{err: err}
}

// withoutDotSegments answers 404 for a path with a "." or ".." segment
// (such as /static/../x), which no page of the shop links to, instead of
// letting the mux redirect it to another path.
func (s *Server) withoutDotSegments(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		for seg := range strings.SplitSeq(r.URL.Path, "/") {
			if seg == "." || seg == ".." {
				s.error(w, r, errPageNotFound)
				return
			}
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
			"bytes", sw.Bytes, "dur", time.Since(start), "client", s.clientIP(r))
	})
}
