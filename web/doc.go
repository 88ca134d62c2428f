// Package web is kassa's HTTP side: the storefront (catalog, cart, checkout,
// thank-you and fail pages), the admin pages, the JSON API and the endpoints
// that receive Resurs' callbacks.
//
// Every route is listed in one table (Server.routes). Handlers return an
// error; one adapter turns it into an answer through the code → status table
// of error.go, as JSON under /api/ and as an HTML page elsewhere.
//
// State kept by the browser is signed, never trusted: the cart lives in an
// HMAC-signed cookie, the admin session in another, and every admin form
// carries a CSRF token derived from the session. Callback endpoints have no
// session or CSRF handling: they are authenticated by the per-order token in
// their URL and answered by the engine's rules (202 stored, 400 malformed,
// 403 bad token, 503 when the shop cannot store them so Resurs retries).
//
// After the sale, the order page's buttons and forms, the admin JSON API
// (POST /api/admin/orders/{id}/capture, /cancel, /refund, /lines, with an
// Idempotency-Key honoured) and the CLI all call the same engine functions
// (checkout.Engine.Capture, Cancel, Refund, Modify, RetryAction); a refusal
// shows Resurs' code, message and traceId.
package web
