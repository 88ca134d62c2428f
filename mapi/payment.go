package mapi

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
)

// paymentPath is /v2/payments/{id} plus an optional suffix.
func paymentPath(id, suffix string) string { return "/v2/payments/" + seg(id) + suffix }

// CreatePayment creates a payment (POST /v2/payments). The request is
// validated first (docs/mapi.md §Creating a payment); an invalid one is not sent and the error
// wraps ErrInvalidRequest. It is never retried: when Ambiguous(err), look
// the payment up with SearchPayments by orderReference before trying again.
func (cl *Client) CreatePayment(ctx context.Context, req *CreatePaymentRequest) (*Payment, error) {
	if err := validateCreate(req); err != nil {
		return nil, err
	}
	return cl.payment(ctx, call{op: "CreatePayment", method: "POST", route: "POST /v2/payments",
		path: "/v2/payments", body: req})
}

// GetPayment reads a payment (GET /v2/payments/{id}). IsNotFound(err)
// tells an unknown id.
func (cl *Client) GetPayment(ctx context.Context, paymentID string) (*Payment, error) {
	const op = "GetPayment"
	if err := validateID(op, [2]string{"paymentId", paymentID}); err != nil {
		return nil, err
	}
	return cl.payment(ctx, call{op: op, method: "GET", route: "GET /v2/payments/{id}",
		path: paymentPath(paymentID, ""), safe: true})
}

// SearchPayments finds a store's payments by orderReference and/or
// governmentId (POST /v2/payments/search). It is a read and may be retried.
func (cl *Client) SearchPayments(ctx context.Context, req SearchPaymentsRequest) ([]Payment, error) {
	const op = "SearchPayments"
	if err := validateID(op, [2]string{"storeId", req.StoreID}); err != nil {
		return nil, err
	}
	var ans listAnswer[Payment]
	_, err := cl.do(ctx, call{op: op, method: "POST", route: "POST /v2/payments/search",
		path: "/v2/payments/search", body: req, safe: true}, &ans)
	return ans.Content, err
}

// TaskStatus reads whether the customer's tasks are done
// (GET /v2/payments/{id}/tasks/status).
func (cl *Client) TaskStatus(ctx context.Context, paymentID string) (*TaskStatus, error) {
	const op = "TaskStatus"
	if err := validateID(op, [2]string{"paymentId", paymentID}); err != nil {
		return nil, err
	}
	var ts TaskStatus
	if _, err := cl.do(ctx, call{op: op, method: "GET", route: "GET /v2/payments/{id}/tasks/status",
		path: paymentPath(paymentID, "/tasks/status"), safe: true}, &ts); err != nil {
		return nil, err
	}
	return &ts, nil
}

// GetAction reads one action-log entry, e.g. the actionId of a management
// callback (GET /v2/payments/{id}/actions/{actionId}).
func (cl *Client) GetAction(ctx context.Context, paymentID, actionID string) (*ActionLog, error) {
	const op = "GetAction"
	if err := validateID(op, [2]string{"paymentId", paymentID}, [2]string{"actionId", actionID}); err != nil {
		return nil, err
	}
	var a ActionLog
	if _, err := cl.do(ctx, call{op: op, method: "GET", route: "GET /v2/payments/{id}/actions/{actionId}",
		path: paymentPath(paymentID, "/actions/"+seg(actionID)), safe: true}, &a); err != nil {
		return nil, err
	}
	return &a, nil
}

// Capture captures the given lines, or everything not yet captured when req
// is nil or has no lines (POST /v2/payments/{id}/capture). It is never
// retried: when Ambiguous(err), fetch the payment and look for
// req.TransactionID with Order.FindAction before trying again.
func (cl *Client) Capture(ctx context.Context, paymentID string, req *CaptureRequest) (*Payment, error) {
	if req == nil {
		req = &CaptureRequest{}
	}
	return cl.afterShop(ctx, "Capture", "capture", paymentID, req.OrderLines, req)
}

// Cancel cancels the given lines, or everything that can be cancelled when
// req is nil or has no lines (POST /v2/payments/{id}/cancel). Never retried.
func (cl *Client) Cancel(ctx context.Context, paymentID string, req *CancelRequest) (*Payment, error) {
	if req == nil {
		req = &CancelRequest{}
	}
	return cl.afterShop(ctx, "Cancel", "cancel", paymentID, req.OrderLines, req)
}

// Refund refunds the given lines, or everything captured and not yet
// refunded when req is nil or has no lines (POST /v2/payments/{id}/refund).
// Never retried: see Capture for what to do when Ambiguous(err).
func (cl *Client) Refund(ctx context.Context, paymentID string, req *RefundRequest) (*Payment, error) {
	if req == nil {
		req = &RefundRequest{}
	}
	return cl.afterShop(ctx, "Refund", "refund", paymentID, req.OrderLines, req)
}

// afterShop validates and sends a capture, cancel or refund.
func (cl *Client) afterShop(ctx context.Context, op, action, paymentID string, lines []OrderLine, body any) (*Payment, error) {
	var v checker
	v.required("paymentId", paymentID)
	v.lines("orderLines", lines, true)
	if err := v.err(op); err != nil {
		return nil, err
	}
	return cl.payment(ctx, call{op: op, method: "POST", route: "POST /v2/payments/{id}/" + action,
		path: paymentPath(paymentID, "/"+action), body: body})
}

// AddOrderLines adds lines to an authorized payment (POST
// /v2/payments/{id}/order, a MODIFY_ORDER action). Never retried.
func (cl *Client) AddOrderLines(ctx context.Context, paymentID string, req *AddOrderLinesRequest) (*Payment, error) {
	const op = "AddOrderLines"
	var v checker
	v.required("paymentId", paymentID)
	if req == nil {
		v.add("orderLines", "must have at least 1 line")
	} else {
		v.lines("orderLines", req.OrderLines, false)
	}
	if err := v.err(op); err != nil {
		return nil, err
	}
	return cl.payment(ctx, call{op: op, method: "POST", route: "POST /v2/payments/{id}/order",
		path: paymentPath(paymentID, "/order"), body: req})
}

// ReplaceMetadata replaces a payment's metadata (PUT
// /v2/payments/{id}/metadata) and returns the stored metadata; when the
// answer has no body, m itself. Never retried.
func (cl *Client) ReplaceMetadata(ctx context.Context, paymentID string, m *Metadata) (*Metadata, error) {
	const op = "ReplaceMetadata"
	var v checker
	v.required("paymentId", paymentID)
	if m == nil {
		v.add("metadata", "is required")
	}
	v.metadata("metadata", m)
	if err := v.err(op); err != nil {
		return nil, err
	}
	body, err := cl.do(ctx, call{op: op, method: http.MethodPut, route: "PUT /v2/payments/{id}/metadata",
		path: paymentPath(paymentID, "/metadata"), body: m}, nil)
	if err != nil {
		return nil, err
	}
	out := new(Metadata)
	if len(bytes.TrimSpace(body)) == 0 {
		*out = *m
		return out, nil
	}
	if err := json.Unmarshal(body, out); err != nil {
		return nil, &Error{Op: op, Body: excerpt(body), Err: fmt.Errorf("decode answer: %w", err), ambiguous: true}
	}
	return out, nil
}

// payment runs c and decodes a Payment.
func (cl *Client) payment(ctx context.Context, c call) (*Payment, error) {
	var p Payment
	if _, err := cl.do(ctx, c, &p); err != nil {
		return nil, err
	}
	return &p, nil
}
