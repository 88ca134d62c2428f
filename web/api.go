package web

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"reflect"
	"strconv"
	"strings"
	"time"

	"github.com/kassa-dev/kassa"
	"github.com/kassa-dev/kassa/locale"
	"github.com/kassa-dev/kassa/mapi"
)

// The JSON API writes every amount as a string with exactly two decimals
// ("1299.00"), never a float; VAT rates are percent numbers (25, 12.5).

type apiProduct struct {
	SKU         string      `json:"sku"`
	Name        string      `json:"name"`
	Description string      `json:"description,omitempty"`
	Price       string      `json:"price"`
	Currency    string      `json:"currency"`
	VATRate     json.Number `json:"vatRate"`
	Stock       int64       `json:"stock"`
	ImageURL    string      `json:"imageUrl,omitempty"`
}

func (s *Server) apiProducts(w http.ResponseWriter, r *http.Request) error {
	products, err := s.cfg.Store.Products(r.Context())
	if err != nil {
		return err
	}
	out := make([]apiProduct, 0, len(products))
	for _, p := range products {
		if p.Inactive {
			continue
		}
		out = append(out, apiProduct{SKU: p.SKU, Name: p.Name, Description: p.Description,
			Price: p.Price.String(), Currency: s.currency(), VATRate: json.Number(vatNumber(p.VATRate)),
			Stock: p.Stock, ImageURL: p.ImageURL})
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

type apiLegalLink struct {
	URL          string `json:"url"`
	Type         string `json:"type"`
	AppendAmount bool   `json:"appendAmount"`
}

type apiPaymentMethod struct {
	ID               string         `json:"id"`
	Name             string         `json:"name"`
	Type             string         `json:"type"`
	MinPurchaseLimit string         `json:"minPurchaseLimit"`
	MaxPurchaseLimit string         `json:"maxPurchaseLimit"`
	LegalLinks       []apiLegalLink `json:"legalLinks"`
}

// maxAmount bounds amounts accepted in queries (10 digits + 2 decimals, as MAPI).
const maxAmount = kassa.Money(999999999999)

func (s *Server) apiPaymentMethods(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	amount, err := kassa.ParseMoney(q.Get("amount"))
	if err != nil || amount <= 0 || amount > maxAmount {
		return invalid("amount", "Give a positive amount with at most 2 decimals, e.g. 1299.00.")
	}
	ct := kassa.CustomerType(q.Get("customerType"))
	if ct == "" {
		ct = kassa.CustomerNatural
	}
	if ct != kassa.CustomerNatural && ct != kassa.CustomerLegal {
		return invalid("customerType", "Use NATURAL or LEGAL.")
	}
	methods, err := s.cfg.Engine.PaymentMethods(r.Context(), amount, ct)
	if err != nil {
		return err
	}
	out := make([]apiPaymentMethod, 0, len(methods))
	for _, m := range methods {
		out = append(out, toAPIMethod(m))
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

func toAPIMethod(m mapi.PaymentMethod) apiPaymentMethod {
	links := make([]apiLegalLink, 0, len(m.LegalLinks))
	for _, l := range m.LegalLinks {
		links = append(links, apiLegalLink{URL: l.URL, Type: string(l.Type), AppendAmount: l.AppendAmount})
	}
	return apiPaymentMethod{ID: m.ID, Name: m.Name, Type: string(m.Type),
		MinPurchaseLimit: m.MinPurchaseLimit.String(), MaxPurchaseLimit: m.MaxPurchaseLimit.String(),
		LegalLinks: links}
}

type apiCreated struct {
	ID          int64  `json:"id"`
	Number      string `json:"number"`
	Status      string `json:"status"`
	Key         string `json:"key"`
	RedirectURL string `json:"redirectUrl"`
}

// apiCreateOrder places an order. With an Idempotency-Key header, the same
// key and body get the first answer again; another body gets 409.
func (s *Server) apiCreateOrder(w http.ResponseWriter, r *http.Request) error {
	if err := requireJSON(r); err != nil {
		return err
	}
	return s.idempotent(w, r, true, func(ctx context.Context, body []byte) (int, []byte) {
		return s.createOrder(ctx, r, body)
	})
}

// createOrder decodes and places the order and returns the JSON answer,
// success or error, so that it can be stored for idempotent replay.
func (s *Server) createOrder(ctx context.Context, r *http.Request, body []byte) (int, []byte) {
	o, redirect, err := s.placeOrder(ctx, r, body)
	if err != nil {
		status, answer := errorAnswer(err)
		if status >= 500 {
			s.log.Error("place order", "err", err)
		}
		return encodeJSON(status, answer)
	}
	return encodeJSON(http.StatusCreated, apiCreated{ID: o.ID, Number: o.Number, Status: string(o.Status),
		Key: o.Key, RedirectURL: s.absolute(redirect)})
}

// placeOrder decodes the order request in body and places it.
func (s *Server) placeOrder(ctx context.Context, r *http.Request, body []byte) (*kassa.Order, string, error) {
	req, err := decodeOrder(body)
	if err != nil {
		return nil, "", err
	}
	req.ClientIP, req.UserAgent = s.clientIP(r), truncate(r.UserAgent(), 200)
	req.ClientKeys = s.clientKeys(r)
	o, redirect, err := s.cfg.Engine.PlaceOrder(ctx, req, kassa.SourceAPI)
	return o, redirect, holdsRefusal(err)
}

// requireJSON refuses (415) a request body sent as anything but
// application/json (parameters such as charset are allowed); a request
// without a body passes.
func requireJSON(r *http.Request) error {
	if r.ContentLength == 0 {
		return nil
	}
	if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || mt != "application/json" {
		return &statusError{status: http.StatusUnsupportedMediaType, err: kassa.Errorf(kassa.EINVALID,
			"The request body must be sent as application/json.")}
	}
	return nil
}

// decodeOrder reads an order request strictly: unknown fields and wrong
// types are field errors, a body that is not one JSON value is malformed.
func decodeOrder(body []byte) (kassa.OrderRequest, error) {
	return decodeTyped[kassa.OrderRequest](body)
}

// decodeTyped reads a request body of type T strictly: unknown fields
// and wrong types are field errors, a body that is not one JSON value is
// malformed.
func decodeTyped[T any](body []byte) (T, error) {
	var req T
	err := decodeOne(body, &req)
	if err == nil {
		return req, nil
	}
	var te *json.UnmarshalTypeError
	var se *statusError
	switch {
	case errors.As(err, &se):
		return req, err
	case errors.As(err, &te):
		return req, invalid(te.Field, fmt.Sprintf("Must be a JSON %s.", jsonKind(te.Type.Kind().String())))
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		name := unknownFieldPath(body, reflect.TypeFor[T]())
		if name == "" {
			name = strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		}
		return req, invalid(name, "Unknown field.")
	}
	return req, invalid("body", "The body must be one JSON object: "+err.Error())
}

// decodeOne decodes body, one JSON value whose objects have only known
// fields, into v. A body that is not one well-formed JSON value is a 400
// (see malformedJSON); unknown fields and wrong types are returned as the
// decoder's errors.
func decodeOne(body []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var se *json.SyntaxError
		if errors.As(err, &se) || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			return malformedJSON(err)
		}
		return err
	}
	if _, err := dec.Token(); err != io.EOF {
		return malformedJSON(errors.New("trailing data after the JSON value"))
	}
	return nil
}

// malformedJSON is the 400 answer to a body that is not one JSON value.
func malformedJSON(err error) error {
	return &statusError{status: http.StatusBadRequest, err: &kassa.Error{Code: kassa.EINVALID,
		Message: "The body is not valid JSON: send one JSON object.",
		Fields:  []kassa.FieldError{{Field: "body", Message: "Not valid JSON."}}, Err: err}}
}

func jsonKind(k string) string {
	switch k {
	case "int64", "int", "float64":
		return "number"
	case "slice":
		return "array"
	case "struct", "map":
		return "object"
	}
	return k
}

// absolute makes a shop-relative redirect absolute; bank URLs pass as they are.
func (s *Server) absolute(u string) string {
	if strings.HasPrefix(u, "/") {
		return s.cfg.BaseURL + u
	}
	return u
}

type apiLine struct {
	Type        string      `json:"type"`
	SKU         string      `json:"sku,omitempty"`
	Description string      `json:"description"`
	Quantity    int64       `json:"quantity"`
	UnitPrice   string      `json:"unitPrice"`
	VATRate     json.Number `json:"vatRate"`
	Total       string      `json:"total"`
	VATAmount   string      `json:"vatAmount"`
}

type apiEvent struct {
	At            time.Time `json:"at"`
	Source        string    `json:"source"`
	From          string    `json:"from"`
	To            string    `json:"to"`
	Applied       bool      `json:"applied"`
	PaymentStatus string    `json:"paymentStatus,omitempty"`
	Note          string    `json:"note,omitempty"`
}

type apiCustomer struct {
	Type         string        `json:"type"`
	GovernmentID string        `json:"governmentId,omitempty"` // masked
	Email        string        `json:"email"`
	Phone        string        `json:"phone"`
	Address      kassa.Address `json:"address"`
}

type apiOrderView struct {
	ID              int64        `json:"id"`
	Number          string       `json:"number"`
	Status          string       `json:"status"`
	StatusText      string       `json:"statusText"`
	StatusReason    string       `json:"statusReason,omitempty"`
	Currency        string       `json:"currency"`
	Total           string       `json:"total"`
	VATTotal        string       `json:"vatTotal"`
	Reference       string       `json:"reference,omitempty"`
	PaymentMethodID string       `json:"paymentMethodId"`
	PaymentID       string       `json:"paymentId,omitempty"`
	PaymentStatus   string       `json:"paymentStatus,omitempty"`
	Authorized      string       `json:"authorized"`
	Captured        string       `json:"captured"`
	Refunded        string       `json:"refunded"`
	Canceled        string       `json:"canceled"`
	CreatedAt       time.Time    `json:"createdAt"`
	UpdatedAt       time.Time    `json:"updatedAt"`
	Lines           []apiLine    `json:"lines"`
	Customer        *apiCustomer `json:"customer,omitempty"`
	Events          []apiEvent   `json:"events,omitempty"`
}

func toAPIOrder(o *kassa.Order, events []kassa.Event, withCustomer bool) apiOrderView {
	v := apiOrderView{ID: o.ID, Number: o.Number, Status: string(o.Status), StatusText: statusWords(locale.English(), o.Status),
		StatusReason: o.StatusReason, Reference: o.Reference, Currency: o.Currency, Total: o.Total.String(), VATTotal: o.VATTotal.String(),
		PaymentMethodID: o.PaymentMethodID, PaymentID: o.PaymentID, PaymentStatus: o.PaymentStatus,
		Authorized: o.Authorized.String(), Captured: o.Captured.String(), Refunded: o.Refunded.String(),
		Canceled: o.Canceled.String(), CreatedAt: o.CreatedAt, UpdatedAt: o.UpdatedAt, Lines: []apiLine{}}
	for _, l := range o.Lines {
		v.Lines = append(v.Lines, apiLine{Type: string(l.Type), SKU: l.SKU, Description: l.Description,
			Quantity: l.Quantity, UnitPrice: l.UnitPrice.String(), VATRate: json.Number(vatNumber(l.VATRate)),
			Total: l.Total.String(), VATAmount: l.VATAmount.String()})
	}
	for _, e := range events {
		v.Events = append(v.Events, apiEvent{At: e.At, Source: string(e.Source), From: string(e.From),
			To: string(e.To), Applied: e.Applied, PaymentStatus: e.PaymentStatus, Note: e.Note})
	}
	if withCustomer {
		c := o.Customer
		v.Customer = &apiCustomer{Type: string(c.Type), GovernmentID: maskIDPlain(c.GovernmentID),
			Email: c.Email, Phone: c.Phone, Address: c.Address}
	}
	return v
}

// maskIDPlain masks a government id with '*' (ASCII, for JSON and logs).
func maskIDPlain(id string) string {
	if id == "" {
		return ""
	}
	if len(id) <= 4 {
		return strings.Repeat("*", len(id))
	}
	return strings.Repeat("*", len(id)-4) + id[len(id)-4:]
}

// apiOrder shows an order to whoever holds its key. A wrong key answers
// exactly like an unknown order, so order ids cannot be probed.
func (s *Server) apiOrder(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	o, events, err := s.cfg.Engine.CustomerOrder(r.Context(), id, r.URL.Query().Get("key"))
	if err != nil {
		return hideExistence(err)
	}
	writeJSON(w, http.StatusOK, toAPIOrder(o, events, false))
	return nil
}

// hideExistence turns "bad key" into "not found".
func hideExistence(err error) error {
	switch kassa.ErrorCode(err) {
	case kassa.ENOTFOUND, kassa.EUNAUTHORIZED, kassa.EINVALID:
		return &kassa.Error{Code: kassa.ENOTFOUND, Message: "Order not found.", Err: err}
	}
	return err
}

func pathID(r *http.Request) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, kassa.Errorf(kassa.ENOTFOUND, "Not found.")
	}
	return id, nil
}

type apiOrderList struct {
	Orders []apiOrderView `json:"orders"`
	// Total is exact without a query; with one it counts at most
	// kassa.CountCap+1 ("more than CountCap").
	Total      int   `json:"total"`
	Limit      int   `json:"limit"`
	Offset     int   `json:"offset"`
	NextAfter  int64 `json:"nextAfter,omitempty"`  // after= of the next page; absent on the last
	PrevBefore int64 `json:"prevBefore,omitempty"` // before= of the previous page; absent on the first
}

func (s *Server) apiAdminOrders(w http.ResponseWriter, r *http.Request) error {
	f, err := orderFilter(r)
	if err != nil {
		return err
	}
	orders, total, next, prev, err := s.listOrders(r.Context(), f)
	if err != nil {
		return err
	}
	out := apiOrderList{Orders: []apiOrderView{}, Total: total, Limit: f.Limit, Offset: f.Offset,
		NextAfter: next, PrevBefore: prev}
	for _, o := range orders {
		out.Orders = append(out.Orders, toAPIOrder(o, nil, true))
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// orderFilter reads status, q, limit and the page (after, before, offset
// or page) from the query.
func orderFilter(r *http.Request) (kassa.OrderFilter, error) {
	q := r.URL.Query()
	f := kassa.OrderFilter{Status: kassa.Status(q.Get("status")), Query: truncate(strings.TrimSpace(q.Get("q")), 100), Limit: 25}
	if f.Status != "" && !f.Status.Valid() {
		return f, invalid("status", "Unknown status.")
	}
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 200 {
			return f, invalid("limit", "Use a number from 1 to 200.")
		}
		f.Limit = n
	}
	c, err := readCursors(q, f.Limit)
	f.After, f.Before, f.Offset = c.After, c.Before, c.Offset
	return f, err
}

func (s *Server) apiAdminOrder(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	o, err := s.cfg.Store.Order(r.Context(), id)
	if err != nil {
		return err
	}
	events, err := s.cfg.Store.Events(r.Context(), id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, toAPIOrder(o, events, true))
	return nil
}

func (s *Server) apiAdminSync(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	o, err := s.cfg.Engine.Sync(r.Context(), id, kassa.SourceAPI)
	if err != nil {
		return err
	}
	events, err := s.cfg.Store.Events(r.Context(), id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, toAPIOrder(o, events, true))
	return nil
}

type apiCallback struct {
	ID          int64      `json:"id"`
	Kind        string     `json:"kind"`
	OrderID     int64      `json:"orderId,omitempty"`
	PaymentID   string     `json:"paymentId,omitempty"`
	State       string     `json:"state"`
	Attempts    int        `json:"attempts"`
	Error       string     `json:"error,omitempty"`
	ReceivedAt  time.Time  `json:"receivedAt"`
	ProcessedAt *time.Time `json:"processedAt,omitempty"`
	// NextAttemptAt is when a received entry is processed again if nobody
	// has by then (a retry after a failed attempt, or the worker's lease).
	NextAttemptAt *time.Time      `json:"nextAttemptAt,omitempty"`
	Body          json.RawMessage `json:"body,omitempty"`
	RawBody       string          `json:"rawBody,omitempty"` // when the body is not JSON
}

func toAPICallback(cb *kassa.Callback) apiCallback {
	v := apiCallback{ID: cb.ID, Kind: string(cb.Kind), OrderID: cb.OrderID, PaymentID: cb.PaymentID,
		State: string(cb.State), Attempts: cb.Attempts, Error: cb.Error, ReceivedAt: cb.ReceivedAt}
	if !cb.ProcessedAt.IsZero() {
		t := cb.ProcessedAt
		v.ProcessedAt = &t
	}
	if !cb.NextAttemptAt.IsZero() {
		t := cb.NextAttemptAt
		v.NextAttemptAt = &t
	}
	if json.Valid(cb.Body) {
		v.Body = json.RawMessage(cb.Body)
	} else {
		v.RawBody = string(cb.Body)
	}
	return v
}

type apiCallbackList struct {
	Callbacks  []apiCallback `json:"callbacks"`
	Total      int           `json:"total"` // at most kassa.CountCap+1: "more than CountCap"
	NextAfter  int64         `json:"nextAfter,omitempty"`
	PrevBefore int64         `json:"prevBefore,omitempty"`
}

func (s *Server) apiAdminCallbacks(w http.ResponseWriter, r *http.Request) error {
	f, err := callbackFilter(r)
	if err != nil {
		return err
	}
	cbs, total, next, prev, err := s.listCallbacks(r.Context(), f)
	if err != nil {
		return err
	}
	out := apiCallbackList{Callbacks: []apiCallback{}, Total: total, NextAfter: next, PrevBefore: prev}
	for _, cb := range cbs {
		out.Callbacks = append(out.Callbacks, toAPICallback(cb))
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

func callbackFilter(r *http.Request) (kassa.CallbackFilter, error) {
	q := r.URL.Query()
	f := kassa.CallbackFilter{State: kassa.CallbackState(q.Get("state")), Limit: 25}
	if f.State != "" && !f.State.Valid() {
		return f, invalid("state", "Unknown state.")
	}
	var c cursors
	var err error
	f.OrderID, c, err = orderAndPage(q, f.Limit)
	f.After, f.Before, f.Offset = c.After, c.Before, c.Offset
	return f, err
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n]
}

// orderAndPage reads the "order" (an order id) and the page (readCursors)
// query parameters shared by the inbox, action and e-mail listings.
func orderAndPage(q url.Values, limit int) (orderID int64, c cursors, err error) {
	if v := q.Get("order"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 1 {
			return 0, c, invalid("order", "Use an order id.")
		}
		orderID = n
	}
	c, err = readCursors(q, limit)
	return orderID, c, err
}
