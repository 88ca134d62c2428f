// Package mapi is a client for Resurs Bank's Merchant API v2 ("MAPI"): OAuth2
// client credentials, stores and payment methods, price signage and annuity
// factors, getAddress, creating, reading and searching payments, task status,
// capture, cancel, refund, adding order lines, metadata and callback tests,
// plus parsers for the callbacks Resurs sends.
//
// # Money
//
// Amounts, quantities and VAT rates are Decimal: exact hundredths that go on
// the wire as JSON numbers with two decimals and never pass through float64.
//
// # Calls
//
// A Client caches its token until a minute before it expires; concurrent
// calls share a single token request, and a 401 answer drops the token and
// repeats the call once. Every call is bounded by its context, or by
// Config.Timeout when the context has no deadline. Requests are validated
// before they are sent: an invalid one comes back as an *Error wrapping
// ErrInvalidRequest, with Fields naming each problem by JSON path.
//
// Reads (GET, search, getAddress) are retried on 5xx, 429, 408 and transport
// errors, with exponential backoff and jitter. Calls that change a payment
// (create, capture, cancel, refund, add order lines, metadata) are never
// retried by the client. When such a call fails and Ambiguous(err) reports
// that it may have been executed, find out before trying again:
// SearchPayments by orderReference after CreatePayment, or GetPayment and
// Order.FindAction(transactionID) after Capture or Refund.
//
// Config.Observe, when set, sees every HTTP exchange (token requests
// included) with a route template such as "GET /v2/payments/{id}", for
// metrics and logs.
//
// # Errors
//
// Every error is an *Error (reach it with errors.As). It carries the HTTP
// status, MAPI's traceId, code, message and field errors (both error body
// shapes Resurs uses), OAuth errors from the token endpoint, or an excerpt
// of a body that was not JSON. IsNotFound and Ambiguous classify it.
//
// # Callbacks
//
// ParseAuthorizationCallback and ParseManagementCallback check the bodies
// Resurs POSTs. A callback carries no signature: treat it as a hint and read
// the payment with GetPayment before acting.
//
// The MAPI facts this package relies on, and the points the public sources
// leave open, are in docs/mapi.md in the repository; the package mapisim is
// a simulator that answers the same requests.
package mapi
