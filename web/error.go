package web

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/kassa-dev/kassa"
)

// statusOf is the one table from error codes to HTTP statuses.
var statusOf = map[string]int{
	kassa.EINVALID:      http.StatusUnprocessableEntity,
	kassa.ENOTFOUND:     http.StatusNotFound,
	kassa.ECONFLICT:     http.StatusConflict,
	kassa.EDECLINED:     http.StatusPaymentRequired,
	kassa.EUNAVAILABLE:  http.StatusServiceUnavailable,
	kassa.EUNAUTHORIZED: http.StatusUnauthorized,
	kassa.EINTERNAL:     http.StatusInternalServerError,
}

// errPageNotFound answers a path the shop does not serve.
var errPageNotFound = kassa.Errorf(kassa.ENOTFOUND, "Page not found.")

// statusError is an error answered with a status of its own instead of
// its code's: refusals of a request the shop will not read (400 malformed,
// 403 cross-origin, 405 wrong method, 415 not JSON).
type statusError struct {
	status int
	err    *kassa.Error
}

func (e *statusError) Error() string { return e.err.Error() }
func (e *statusError) Unwrap() error { return e.err }

// bodyError is a request body that could not be read: cut short (less
// than its Content-Length), sent in broken chunks, or a form that does not
// parse. It is the client's fault, answered 400 (see withBodyLimit).
type bodyError struct{ err error }

func (e *bodyError) Error() string { return "read request body: " + e.err.Error() }
func (e *bodyError) Unwrap() error { return e.err }

// errorStatus returns the HTTP status for err, taking the request size
// limit, unreadable bodies and explicit statuses into account.
func errorStatus(err error) int {
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return http.StatusRequestEntityTooLarge
	}
	var be *bodyError
	if errors.As(err, &be) {
		return http.StatusBadRequest
	}
	var se *statusError
	if errors.As(err, &se) {
		return se.status
	}
	if st, ok := statusOf[kassa.ErrorCode(err)]; ok {
		return st
	}
	return http.StatusInternalServerError
}

// apiError is the JSON error body.
type apiError struct {
	Code    string             `json:"code"`
	Message string             `json:"message"`
	Errors  []kassa.FieldError `json:"errors,omitempty"`
}

// errorAnswer returns the status and the JSON body that answer err: its
// code, its message meant for the client and its field errors. Internal
// causes are never in it.
func errorAnswer(err error) (int, apiError) {
	status := errorStatus(err)
	switch {
	case status == http.StatusRequestEntityTooLarge:
		return status, apiError{Code: kassa.EINVALID, Message: "The request body is too large."}
	case errors.As(err, new(*bodyError)):
		return status, apiError{Code: kassa.EINVALID,
			Message: "The request body could not be read: it was cut short or malformed. Please send it again."}
	}
	body := apiError{Code: kassa.ErrorCode(err), Message: kassa.ErrorMessage(err)}
	var e *kassa.Error
	if errors.As(err, &e) {
		body.Errors = e.Fields
	}
	return status, body
}

// error answers err once: JSON under /api/, an HTML page elsewhere.
// Internal causes are logged, never shown.
func (s *Server) error(w http.ResponseWriter, r *http.Request, err error) {
	status, body := errorAnswer(err)
	if status >= 500 {
		s.log.Error("request failed", "method", r.Method, "path", r.URL.Path, "status", status, "err", err)
	}
	if strings.HasPrefix(r.URL.Path, "/api/") {
		writeJSON(w, status, body)
		return
	}
	msg := body.Message
	if e := (*kassa.Error)(nil); errors.As(err, &e) && e.Said.ID != "" && e.Message == msg {
		msg = s.lang(r).Say(e.Said, msg)
	}
	s.render(w, r, status, "error", &errorPage{Status: status, Message: msg})
}

type errorPage struct {
	Status  int
	Message string
}

// encodeJSON returns status and v encoded as an answer of the JSON API
// (indented, ending in a newline). A value that cannot be encoded is
// answered as an internal error.
func encodeJSON(status int, v any) (int, []byte) {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return encodeJSON(errorAnswer(fmt.Errorf("encode answer: %w", err)))
	}
	return status, append(b, '\n')
}

// writeJSON writes v as the JSON answer with status.
func writeJSON(w http.ResponseWriter, status int, v any) {
	status, body := encodeJSON(status, v)
	writeRaw(w, status, body)
}

// writeRaw writes an encoded JSON answer (see encodeJSON).
func writeRaw(w http.ResponseWriter, status int, body []byte) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// invalid returns an EINVALID error for one field.
func invalid(field, message string) error {
	return &kassa.Error{Code: kassa.EINVALID, Message: "Please correct the marked fields.",
		Fields: []kassa.FieldError{{Field: field, Message: message}}}
}
