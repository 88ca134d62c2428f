package mapi

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"regexp"
)

// uuidPattern matches the canonical text form of a UUID, any case.
var uuidPattern = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)

// TestCallback asks Resurs to call url right away and reports how that went
// (POST /v2/callbacks/test). Not retried: every attempt makes a call to url.
func (cl *Client) TestCallback(ctx context.Context, url string) (*CallbackTestResult, error) {
	const op = "TestCallback"
	if err := validateURL(op, "url", url); err != nil {
		return nil, err
	}
	var r CallbackTestResult
	_, err := cl.do(ctx, call{op: op, method: "POST", route: "POST /v2/callbacks/test",
		path: "/v2/callbacks/test", body: map[string]string{"url": url}}, &r)
	if err != nil {
		return nil, err
	}
	return &r, nil
}

// ParseAuthorizationCallback reads the body Resurs POSTs to the authorization
// callback URL: paymentId must be a UUID and status non-empty (an unknown
// status is kept); created is read leniently and may be absent. Errors wrap
// ErrBadCallback. The body is a hint only: act on GetPayment, not on Status.
func ParseAuthorizationCallback(body []byte) (*AuthorizationCallback, error) {
	var cb AuthorizationCallback
	if err := decodeCallback(body, &cb); err != nil {
		return nil, err
	}
	if !uuidPattern.MatchString(cb.PaymentID) {
		return nil, fmt.Errorf("%w: paymentId %q is not a UUID", ErrBadCallback, cb.PaymentID)
	}
	if cb.Status == "" {
		return nil, fmt.Errorf("%w: no status", ErrBadCallback)
	}
	return &cb, nil
}

// ParseManagementCallback reads the body Resurs POSTs to the management
// callback URL: paymentId and actionId must be UUIDs; an unknown action is
// kept. Errors wrap ErrBadCallback. Use GetAction for the details.
func ParseManagementCallback(body []byte) (*ManagementCallback, error) {
	var cb ManagementCallback
	if err := decodeCallback(body, &cb); err != nil {
		return nil, err
	}
	if !uuidPattern.MatchString(cb.PaymentID) {
		return nil, fmt.Errorf("%w: paymentId %q is not a UUID", ErrBadCallback, cb.PaymentID)
	}
	if !uuidPattern.MatchString(cb.ActionID) {
		return nil, fmt.Errorf("%w: actionId %q is not a UUID", ErrBadCallback, cb.ActionID)
	}
	return &cb, nil
}

// decodeCallback reads a JSON object into v.
func decodeCallback(body []byte, v any) error {
	b := bytes.TrimSpace(body)
	if len(b) == 0 || b[0] != '{' {
		return fmt.Errorf("%w: not a JSON object", ErrBadCallback)
	}
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("%w: %w", ErrBadCallback, err)
	}
	return nil
}
