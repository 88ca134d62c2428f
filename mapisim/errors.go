package mapisim

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"sort"
)

// Errors returned by the Go methods of Sim (Sign, Portal).
var (
	ErrNotFound       = errors.New("mapisim: payment not found")
	ErrAlreadyDecided = errors.New("mapisim: payment already decided")
	ErrExpired        = errors.New("mapisim: payment expired")
	ErrBadDecision    = errors.New("mapisim: decision must be approve, reject or abort")
)

// apiError is an answer with a MAPI error body (docs/mapi.md §Errors: shape 1 plus parameters).
type apiError struct {
	status  int
	message string
	params  map[string]string // JSON path → message
}

func (e *apiError) Error() string {
	return fmt.Sprintf("%d %s %v", e.status, e.message, e.params)
}

func errorf(status int, format string, args ...any) *apiError {
	return &apiError{status: status, message: fmt.Sprintf(format, args...)}
}

func validation(params map[string]string) *apiError {
	return &apiError{status: http.StatusBadRequest, message: "Validation error", params: params}
}

func notFound(what, id string) *apiError {
	return errorf(http.StatusNotFound, "%s %s not found", what, id)
}

type validationError struct {
	FieldName string `json:"fieldName"`
	Message   string `json:"message"`
}

type errorBody struct {
	Code             string            `json:"code"`
	Message          string            `json:"message"`
	Timestamp        string            `json:"timestamp"`
	TraceID          string            `json:"traceId"`
	ValidationErrors []validationError `json:"validationErrors,omitempty"`
	Parameters       map[string]string `json:"parameters,omitempty"`
}

// writeError writes err as a MAPI error body. Errors that are not *apiError are 500s.
func (s *Sim) writeError(w http.ResponseWriter, err error) {
	var ae *apiError
	if !errors.As(err, &ae) {
		s.log.Error("internal error", "err", err)
		ae = errorf(http.StatusInternalServerError, "Internal server error")
	}
	body := errorBody{
		Code:       fmt.Sprint(ae.status),
		Message:    ae.message,
		Timestamp:  s.now().Format("2006-01-02T15:04:05.000"),
		TraceID:    s.newID(),
		Parameters: ae.params,
	}
	keys := make([]string, 0, len(ae.params))
	for k := range ae.params {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		body.ValidationErrors = append(body.ValidationErrors, validationError{FieldName: k, Message: ae.params[k]})
	}
	writeJSON(w, ae.status, body)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		http.Error(w, `{"code":"500","message":"encoding failed"}`, http.StatusInternalServerError)
		return
	}
	writeRaw(w, status, bytes.TrimRight(buf.Bytes(), "\n"))
}

func writeRaw(w http.ResponseWriter, status int, b []byte) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

// oauthError writes the OAuth error body (docs/mapi.md §Authentication).
func oauthError(w http.ResponseWriter, status int, code, desc string) {
	writeJSON(w, status, map[string]string{"error": code, "error_description": desc})
}
