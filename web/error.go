package web

import (
	"encoding/json"
	"errors"
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

// errorStatus returns the HTTP status for err, taking the request size
// limit into account.
func errorStatus(err error) int {
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return http.StatusRequestEntityTooLarge
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

// error answers err once: JSON under /api/, an HTML page elsewhere.
// Internal causes are logged, never shown.
func (s *Server) error(w http.ResponseWriter, r *http.Request, err error) {
	status := errorStatus(err)
	code := kassa.ErrorCode(err)
	msg := kassa.ErrorMessage(err)
	if status == http.StatusRequestEntityTooLarge {
		code, msg = kassa.EINVALID, "The request body is too large."
	}
	if status >= 500 {
		s.log.Error("request failed", "method", r.Method, "path", r.URL.Path, "status", status, "err", err)
	}
	if strings.HasPrefix(r.URL.Path, "/api/") {
		var fields []kassa.FieldError
		var e *kassa.Error
		if errors.As(err, &e) {
			fields = e.Fields
		}
		writeJSON(w, status, apiError{Code: code, Message: msg, Errors: fields})
		return
	}
	s.render(w, r, status, "error", &errorPage{Status: status, Message: msg})
}

type errorPage struct {
	Status  int
	Message string
}

// writeJSON writes v as the JSON answer with status.
func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(v)
}

// invalid returns an EINVALID error for one field.
func invalid(field, message string) error {
	return &kassa.Error{Code: kassa.EINVALID, Message: "Please correct the marked fields.",
		Fields: []kassa.FieldError{{Field: field, Message: message}}}
}
