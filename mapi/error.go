package mapi

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"
)

// ErrInvalidRequest is wrapped by every *Error that reports a request the
// client refused to send because it failed validation (see Error.Fields).
var ErrInvalidRequest = errors.New("invalid request, not sent")

// ErrBadCallback is wrapped by the errors of ParseAuthorizationCallback and
// ParseManagementCallback: the body is not a callback this package understands.
var ErrBadCallback = errors.New("mapi: bad callback body")

// Error is every error the Client returns: a MAPI error answer (HTTP ≥ 400),
// an OAuth token error, a transport failure, a response that could not be
// read, or a request refused before sending (Err is ErrInvalidRequest).
// Callers reach it through any wrapping with errors.As.
type Error struct {
	HTTPStatus int    // 0 when no HTTP answer was received
	TraceID    string // MAPI traceId, quote it to Resurs support
	Code       string // MAPI code, often numeric text such as "400"
	Message    string // MAPI message
	Timestamp  string // MAPI timestamp, as sent
	Fields     []FieldError

	OAuthError       string // e.g. "invalid_client" from POST /oauth2/token
	OAuthDescription string

	// Body is a short excerpt of an error answer that was not a MAPI or
	// OAuth JSON error (an HTML page from a proxy, say).
	Body string

	Op  string // the client method, e.g. "CreatePayment"
	Err error  // the underlying cause, if any

	ambiguous bool // the request may have been executed at Resurs
}

// FieldError is one field-level complaint: from validationErrors[] or
// parameters{} of a MAPI answer, or from the client's own validation.
// Field is a JSON path such as "order.orderLines[1].quantity".
type FieldError struct {
	Field   string
	Message string
}

// Error formats e like "mapi: CreatePayment: HTTP 400: 400, Validation error
// [Trace ID: 033c…] (customer.email: must contain '@')".
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("mapi: ")
	if e.Op != "" {
		b.WriteString(e.Op + ": ")
	}
	if e.HTTPStatus != 0 {
		fmt.Fprintf(&b, "HTTP %d", e.HTTPStatus)
	}
	if d := e.detail(); d != "" {
		if e.HTTPStatus != 0 {
			b.WriteString(": ")
		}
		b.WriteString(d)
	}
	return strings.TrimSuffix(b.String(), ": ")
}

// detail is the part of Error() after the HTTP status.
func (e *Error) detail() string {
	var parts []string
	switch {
	case e.OAuthError != "":
		s := e.OAuthError
		if e.OAuthDescription != "" {
			s += ": " + e.OAuthDescription
		}
		parts = append(parts, s)
	case e.Code != "" || e.Message != "":
		s := strings.TrimPrefix(e.Code+", "+e.Message, ", ")
		s = strings.TrimSuffix(s, ", ")
		if e.TraceID != "" {
			s += " [Trace ID: " + e.TraceID + "]"
		}
		parts = append(parts, s)
	case e.Body != "":
		parts = append(parts, strconv.Quote(e.Body))
	}
	if e.Err != nil {
		parts = append(parts, e.Err.Error())
	}
	s := strings.Join(parts, ": ")
	if len(e.Fields) > 0 {
		fs := make([]string, len(e.Fields))
		for i, f := range e.Fields {
			fs[i] = f.Field + ": " + f.Message
		}
		s += " (" + strings.Join(fs, "; ") + ")"
	}
	return s
}

// Unwrap returns the underlying cause.
func (e *Error) Unwrap() error { return e.Err }

// IsNotFound reports whether err is a MAPI 404 answer.
func IsNotFound(err error) bool {
	var e *Error
	return errors.As(err, &e) && e.HTTPStatus == 404
}

// Ambiguous reports whether the request behind err may have been executed at
// Resurs although the caller got an error: a timeout or broken connection
// after the request was written, a 5xx answer, or a 2xx answer whose body
// could not be read. Before retrying such a call the caller must find out
// what happened (SearchPayments by orderReference; Order.FindAction by
// transactionId on a fetched payment). It is false for 4xx answers and for
// failures before anything was sent.
func Ambiguous(err error) bool {
	var e *Error
	return errors.As(err, &e) && e.ambiguous
}

// errorBody is the union of both MAPI error shapes and the OAuth error
// shape (docs/mapi.md §Errors).
type errorBody struct {
	TraceID          string                     `json:"traceId"`
	Code             json.RawMessage            `json:"code"`
	Message          string                     `json:"message"`
	Timestamp        json.RawMessage            `json:"timestamp"`
	ValidationErrors []validationError          `json:"validationErrors"`
	Parameters       map[string]json.RawMessage `json:"parameters"`
	OAuthError       string                     `json:"error"`
	OAuthDescription string                     `json:"error_description"`
}

type validationError struct {
	FieldName string `json:"fieldName"`
	Message   string `json:"message"`
}

// maxExcerpt bounds Error.Body.
const maxExcerpt = 200

// parseError builds the *Error of an HTTP answer with status ≥ 300.
func parseError(op string, status int, body []byte) *Error {
	e := &Error{Op: op, HTTPStatus: status, ambiguous: status >= 500}
	var eb errorBody
	if json.Unmarshal(body, &eb) != nil || !eb.known() {
		e.Body = excerpt(body)
		return e
	}
	e.TraceID, e.Message = eb.TraceID, eb.Message
	e.Code, e.Timestamp = rawText(eb.Code), rawText(eb.Timestamp)
	e.OAuthError, e.OAuthDescription = eb.OAuthError, eb.OAuthDescription
	for _, v := range eb.ValidationErrors {
		e.Fields = append(e.Fields, FieldError{Field: v.FieldName, Message: v.Message})
	}
	keys := make([]string, 0, len(eb.Parameters))
	for k := range eb.Parameters {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		f := FieldError{Field: k, Message: rawText(eb.Parameters[k])}
		if !slices.Contains(e.Fields, f) { // a server may send both shapes with the same content
			e.Fields = append(e.Fields, f)
		}
	}
	return e
}

// known reports whether the body had any field of a known error shape.
func (eb *errorBody) known() bool {
	return eb.TraceID != "" || len(eb.Code) > 0 || eb.Message != "" ||
		len(eb.ValidationErrors) > 0 || len(eb.Parameters) > 0 || eb.OAuthError != ""
}

// rawText turns a JSON string into its text and any other JSON value (a
// number, say) into its literal; null becomes "".
func rawText(r json.RawMessage) string {
	var s string
	if json.Unmarshal(r, &s) == nil {
		return s
	}
	t := strings.TrimSpace(string(r))
	if t == "null" {
		return ""
	}
	return t
}

// excerpt returns the start of body with runs of white space collapsed,
// cut at maxExcerpt bytes on a rune boundary.
func excerpt(body []byte) string {
	s := strings.Join(strings.Fields(strings.ToValidUTF8(string(body), "?")), " ")
	if len(s) <= maxExcerpt {
		return s
	}
	cut := maxExcerpt
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}
