package web

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/kassa-dev/kassa"
	"github.com/kassa-dev/kassa/checkout"
	"github.com/kassa-dev/kassa/locale"
)

// After the sale: the admin's buttons and forms and the JSON API for
// capture, cancel, refund and modify. Both call the same engine functions
// as the CLI; the engine checks everything against a fresh payment read.

// actionFunc is one of the engine's Capture, Cancel or Refund.
type actionFunc func(ctx context.Context, id int64, req checkout.ActionRequest) (*kassa.Order, *kassa.Action, error)

// actionFor returns the engine function of an action kind in the URL.
func (s *Server) actionFor(kind string) (actionFunc, bool) {
	switch kassa.ActionKind(kind) {
	case kassa.ActionCapture:
		return s.cfg.Engine.Capture, true
	case kassa.ActionCancel:
		return s.cfg.Engine.Cancel, true
	case kassa.ActionRefund:
		return s.cfg.Engine.Refund, true
	}
	return nil, false
}

// apiAction is an action in the JSON API.
type apiAction struct {
	ID            int64              `json:"id"`
	OrderID       int64              `json:"orderId"`
	Kind          string             `json:"kind"`
	TransactionID string             `json:"transactionId"`
	State         string             `json:"state"`
	Amount        string             `json:"amount"`
	Lines         []apiLine          `json:"lines"`
	Error         *kassa.ActionError `json:"error,omitempty"`
	Attempts      int                `json:"attempts"`
	MAPIActionID  string             `json:"mapiActionId,omitempty"`
	Source        string             `json:"source"`
	Creator       string             `json:"creator,omitempty"`
	CreatedAt     time.Time          `json:"createdAt"`
	UpdatedAt     time.Time          `json:"updatedAt"`
}

func toAPIAction(a *kassa.Action) *apiAction {
	if a == nil {
		return nil
	}
	v := &apiAction{ID: a.ID, OrderID: a.OrderID, Kind: string(a.Kind), TransactionID: a.TransactionID,
		State: string(a.State), Amount: a.Amount.String(), Lines: []apiLine{}, Attempts: a.Attempts,
		MAPIActionID: a.MAPIActionID, Source: string(a.Source), Creator: a.Creator,
		CreatedAt: a.CreatedAt, UpdatedAt: a.UpdatedAt}
	for _, l := range a.Lines {
		v.Lines = append(v.Lines, toAPILine(l))
	}
	if a.Error != (kassa.ActionError{}) {
		e := a.Error
		v.Error = &e
	}
	return v
}

func toAPILine(l kassa.Line) apiLine {
	return apiLine{Type: string(l.Type), SKU: l.SKU, Description: l.Description, Quantity: l.Quantity,
		UnitPrice: l.UnitPrice.String(), VATRate: json.Number(vatNumber(l.VATRate)), Total: l.Total.String(),
		VATAmount: l.VATAmount.String()}
}

// apiActionResult is the answer of an after-sale call: the order as it is
// now and the action, also with an error (a refusal carries MAPI's code,
// message and traceId in the action).
type apiActionResult struct {
	Code    string             `json:"code,omitempty"`
	Message string             `json:"message,omitempty"`
	Errors  []kassa.FieldError `json:"errors,omitempty"`
	Order   *apiOrderView      `json:"order,omitempty"`
	Action  *apiAction         `json:"action,omitempty"`
}

// apiActionRequest is the body of capture, cancel and refund. Amounts are
// strings with at most two decimals, as everywhere in the API.
type apiActionRequest struct {
	Lines  []kassa.LineRequest `json:"lines"`
	Amount string              `json:"amount"`
	All    bool                `json:"all"`
}

// apiAdminAction handles POST /api/admin/orders/{id}/{capture|cancel|refund}.
func (s *Server) apiAdminAction(kind kassa.ActionKind) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		id, err := pathID(r)
		if err != nil {
			return err
		}
		do, _ := s.actionFor(string(kind))
		return s.idempotent(w, r, false, func(ctx context.Context, body []byte) (int, []byte) {
			var in apiActionRequest
			if err := decodeStrict(body, &in); err != nil {
				return s.actionAnswer(ctx, id, nil, err)
			}
			req := checkout.ActionRequest{Lines: in.Lines, All: in.All, Source: kassa.SourceAPI, Creator: "api"}
			if in.Amount != "" {
				if req.Amount, err = kassa.ParseMoney(in.Amount); err != nil || req.Amount <= 0 || req.Amount > maxAmount {
					return s.actionAnswer(ctx, id, nil, invalid("amount", "Give a positive amount with at most 2 decimals, e.g. 100.00."))
				}
			}
			_, a, err := do(ctx, id, req)
			return s.actionAnswer(ctx, id, a, err)
		})
	}
}

// apiAdminModify handles POST /api/admin/orders/{id}/lines: the order's new
// product lines.
func (s *Server) apiAdminModify(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	return s.idempotent(w, r, false, func(ctx context.Context, body []byte) (int, []byte) {
		var in struct {
			Lines []kassa.LineRequest `json:"lines"`
		}
		if err := decodeStrict(body, &in); err != nil {
			return s.actionAnswer(ctx, id, nil, err)
		}
		_, a, err := s.cfg.Engine.Modify(ctx, id, checkout.ModifyRequest{Lines: in.Lines,
			Source: kassa.SourceAPI, Creator: "api"})
		return s.actionAnswer(ctx, id, a, err)
	})
}

// apiAdminRetry handles POST /api/admin/actions/{id}/retry.
func (s *Server) apiAdminRetry(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	o, a, err := s.cfg.Engine.RetryAction(r.Context(), id, kassa.SourceAPI)
	if o == nil || a == nil {
		if err == nil {
			err = kassa.Errorf(kassa.ENOTFOUND, "Not found.")
		}
		return err
	}
	status, body := s.actionAnswer(r.Context(), o.ID, a, err)
	writeRaw(w, status, body)
	return nil
}

type apiActionList struct {
	Actions    []*apiAction `json:"actions"`
	Total      int          `json:"total"` // at most kassa.CountCap+1: "more than CountCap"
	NextAfter  int64        `json:"nextAfter,omitempty"`
	PrevBefore int64        `json:"prevBefore,omitempty"`
}

// apiAdminActions handles GET /api/admin/actions (?state=failed, ?order=ID).
func (s *Server) apiAdminActions(w http.ResponseWriter, r *http.Request) error {
	f, err := actionFilter(r)
	if err != nil {
		return err
	}
	as, total, next, prev, err := s.listActions(r.Context(), f)
	if err != nil {
		return err
	}
	out := apiActionList{Actions: []*apiAction{}, Total: total, NextAfter: next, PrevBefore: prev}
	for _, a := range as {
		out.Actions = append(out.Actions, toAPIAction(a))
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// actionAnswer renders the result of an action call: the order as stored
// now, the action, and the error if any.
func (s *Server) actionAnswer(ctx context.Context, orderID int64, a *kassa.Action, err error) (int, []byte) {
	out := apiActionResult{Action: toAPIAction(a)}
	status := http.StatusOK
	if err != nil {
		var e apiError
		status, e = errorAnswer(err)
		out.Code, out.Message, out.Errors = e.Code, e.Message, e.Errors
		if status >= 500 && status != http.StatusServiceUnavailable {
			s.log.Error("after-sale action", "order", orderID, "err", err)
		}
	}
	o, oerr := s.cfg.Store.Order(ctx, orderID)
	switch {
	case oerr == nil:
		v := toAPIOrder(o, nil, false)
		out.Order = &v
	case err == nil:
		return encodeJSON(errorAnswer(oerr))
	}
	return encodeJSON(status, out)
}

// decodeStrict decodes one JSON object into v; an empty body is {}.
func decodeStrict(body []byte, v any) error {
	if len(bytes.TrimSpace(body)) == 0 {
		return nil
	}
	if err := decodeOne(body, v); err != nil {
		if errors.As(err, new(*statusError)) {
			return err // not JSON: 400
		}
		return invalid("body", "The body must be one JSON object with known fields: "+err.Error())
	}
	return nil
}

var actionStates = []kassa.ActionState{kassa.ActionFailed, kassa.ActionPending, kassa.ActionRefused, kassa.ActionSucceeded}

func actionFilter(r *http.Request) (kassa.ActionFilter, error) {
	q := r.URL.Query()
	f := kassa.ActionFilter{State: kassa.ActionState(q.Get("state")), Limit: 25}
	if f.State != "" && !f.State.Valid() {
		return f, invalidSaid("state", "admin.unknown_state")
	}
	var c cursors
	var err error
	f.OrderID, c, err = orderAndPage(q, f.Limit)
	f.After, f.Before, f.Offset = c.After, c.Before, c.Offset
	return f, err
}

// The admin pages.

// maxFormQuantity bounds a quantity typed into an admin form.
const maxFormQuantity = 100000

// formLines reads the quantity fields "qty.<line reference>" of a form;
// empty and zero fields are left out.
func formLines(r *http.Request, refs []string) ([]kassa.LineRequest, error) {
	var out []kassa.LineRequest
	for _, ref := range refs {
		v := strings.TrimSpace(r.PostFormValue("qty." + ref))
		if v == "" || v == "0" {
			continue
		}
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 0 || n > maxFormQuantity {
			return nil, invalidSaid("qty."+ref, "admin.order.form_units")
		}
		out = append(out, kassa.LineRequest{SKU: ref, Quantity: n})
	}
	return out, nil
}

// handleAdminAction handles the capture, cancel and refund forms: all=1
// acts on everything, amount refunds an amount, else the line quantities.
// Cancelling or refunding everything asks first: without confirm=1 the
// answer is a page that names the amount and posts the form again with it.
func (s *Server) handleAdminAction(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	kind := kassa.ActionKind(r.PathValue("kind"))
	do, ok := s.actionFor(string(kind))
	if !ok {
		return locale.Error(kassa.ENOTFOUND, "admin.page_not_found")
	}
	o, err := s.cfg.Store.Order(r.Context(), id)
	if err != nil {
		return err
	}
	req, err := actionForm(r, o)
	if err != nil {
		return s.renderOrderProblem(w, r, id, err)
	}
	if req.All && kind != kassa.ActionCapture && r.PostFormValue("confirm") != "1" {
		c, err := s.confirmation(r.Context(), s.lang(r), o, kind)
		if err != nil {
			return s.renderOrderProblem(w, r, id, err)
		}
		s.render(w, r, http.StatusOK, "admin_confirm", c)
		return nil
	}
	_, a, err := do(r.Context(), o.ID, req)
	if err != nil {
		return s.renderOrderProblem(w, r, id, err)
	}
	http.Redirect(w, r, fmt.Sprintf("/admin/orders/%d?done=%d", id, a.ID), http.StatusSeeOther)
	return nil
}

// actionForm reads an action form into a request: all=1, an amount (typed
// as a person types it: 100,50 or 1 000,50), or line quantities.
func actionForm(r *http.Request, o *kassa.Order) (checkout.ActionRequest, error) {
	req := checkout.ActionRequest{Source: kassa.SourceAdmin, Creator: "admin"}
	if r.PostFormValue("all") == "1" {
		req.All = true
		return req, nil
	}
	if v := strings.TrimSpace(r.PostFormValue("amount")); v != "" {
		m, err := kassa.ParseAmount(v)
		if err != nil || m <= 0 || m > maxAmount {
			return req, invalidSaid("amount", "admin.order.form_amount")
		}
		req.Amount = m
		return req, nil
	}
	lines, err := formLines(r, lineRefs(o))
	if err != nil {
		return req, err
	}
	if len(lines) == 0 {
		return req, invalidSaid("lines", "admin.order.form_lines")
	}
	req.Lines = lines
	return req, nil
}

// confirmPage asks the admin to confirm cancelling or refunding
// everything, naming the amount; its form posts the action again with
// confirm=1.
type confirmPage struct {
	Order   *kassa.Order
	Kind    kassa.ActionKind
	Heading string // the question
	Detail  string // what happens, with the amount
	Button  string // the confirming button, with the amount
}

func (p *confirmPage) title(*locale.Lang) string { return p.Heading }

// invalidSaid is invalid with the catalog's message id: the page says it
// in the reader's language, the JSON API in English.
func invalidSaid(field, id string, args ...any) error {
	e := locale.Error(kassa.EINVALID, "error.correct_fields")
	e.Fields = []kassa.FieldError{locale.Field(field, id, args...)}
	return e
}

// confirmation builds the confirmation of cancelling or refunding all of
// order o, from a fresh read of its payment. When the payment cannot be
// read, or does not allow the action, the error says so and nothing is
// done: everything is never given up without a confirmation.
func (s *Server) confirmation(ctx context.Context, l *locale.Lang, o *kassa.Order, kind kassa.ActionKind) (*confirmPage, error) {
	formatMoney := func(m kassa.Money) string { return l.Money(m, s.currency()) }
	actions, err := s.cfg.Engine.OrderActions(ctx, o.ID)
	if err != nil {
		return nil, err
	}
	pay, problem := s.livePayment(ctx, o)
	if pay == nil {
		return nil, locale.Error(kassa.EUNAVAILABLE, "admin.order.nothing_done", "Problem", locale.ID(problem))
	}
	can := checkout.PossibleActions(o, pay, actions)
	c := &confirmPage{Order: o, Kind: kind}
	var key string
	var amount kassa.Money
	switch {
	case kind == kassa.ActionCancel && can.CancelOrder:
		key, amount = "admin.confirm.cancel_order", o.Total
	case kind == kassa.ActionCancel && can.Cancel.All:
		key, amount = "admin.confirm.cancel_all", can.Authorized
	case kind == kassa.ActionRefund && can.Refund.All:
		key, amount = "admin.confirm.refund_all", can.Refundable
	default:
		return nil, notAllowed(l, can)
	}
	args := []any{"Number", o.Number, "Amount", formatMoney(amount)}
	c.Heading, c.Detail, c.Button = l.T(key+".heading", args...), l.T(key+".detail", args...), l.T(key+".button", args...)
	return c, nil
}

// notAllowed is the refusal of an action the payment does not allow now,
// with the reasons can gives: in English in its Message (for the log), in
// l where a page says it.
func notAllowed(l *locale.Lang, can checkout.Possible) error {
	e := locale.Error(kassa.ECONFLICT, "admin.order.not_allowed", "Why", strings.Join(can.Why, " "))
	e.Said.Args = []any{"Why", strings.Join(whyIn(l, can), " ")}
	return e
}

// whyIn says in l why can offers what it does not.
func whyIn(l *locale.Lang, can checkout.Possible) []string {
	out := make([]string, len(can.Why))
	for i, why := range can.Why {
		out[i] = l.Say(can.WhySaid[i], why)
	}
	return out
}

// handleAdminModify handles the "change lines" form: a quantity for every
// product line (0 removes it) and optionally a product to add.
func (s *Server) handleAdminModify(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	o, err := s.cfg.Store.Order(r.Context(), id)
	if err != nil {
		return err
	}
	a, err := s.modifyFromForm(r, o)
	if err != nil {
		return s.renderOrderProblem(w, r, id, err)
	}
	http.Redirect(w, r, fmt.Sprintf("/admin/orders/%d?done=%d", id, a.ID), http.StatusSeeOther)
	return nil
}

// modifyFromForm reads the "change lines" form for order o and runs it.
func (s *Server) modifyFromForm(r *http.Request, o *kassa.Order) (*kassa.Action, error) {
	lines, err := modifyForm(r, o)
	if err != nil {
		return nil, err
	}
	_, a, err := s.cfg.Engine.Modify(r.Context(), o.ID, checkout.ModifyRequest{Lines: lines,
		Source: kassa.SourceAdmin, Creator: "admin"})
	return a, err
}

func modifyForm(r *http.Request, o *kassa.Order) ([]kassa.LineRequest, error) {
	var skus []string
	for _, l := range o.Lines {
		if l.SKU != "" {
			skus = append(skus, l.SKU)
		}
	}
	lines, err := formLines(r, skus)
	if err != nil {
		return nil, err
	}
	if sku := strings.TrimSpace(r.PostFormValue("add_sku")); sku != "" {
		n, err := strconv.ParseInt(strings.TrimSpace(r.PostFormValue("add_qty")), 10, 64)
		if err != nil || n < 1 || n > maxFormQuantity {
			return nil, invalidSaid("add_qty", "admin.order.form_add_qty")
		}
		lines = append(lines, kassa.LineRequest{SKU: sku, Quantity: n})
	}
	return lines, nil
}

// handleAdminRetry retries an action from the order page or the list.
func (s *Server) handleAdminRetry(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	o, a, err := s.cfg.Engine.RetryAction(r.Context(), id, kassa.SourceAdmin)
	if o == nil {
		if err == nil {
			err = locale.Error(kassa.ENOTFOUND, "admin.not_found")
		}
		return err
	}
	if err != nil {
		return s.renderOrderProblem(w, r, o.ID, err)
	}
	http.Redirect(w, r, fmt.Sprintf("/admin/orders/%d?done=%d", o.ID, a.ID), http.StatusSeeOther)
	return nil
}

// renderOrderProblem shows the order page again with what went wrong.
func (s *Server) renderOrderProblem(w http.ResponseWriter, r *http.Request, id int64, cause error) error {
	l := s.lang(r)
	p, err := s.loadOrderPage(r.Context(), l, id)
	if err != nil {
		return err
	}
	p.Problem = l.Message(cause)
	var e *kassa.Error
	if errors.As(cause, &e) {
		for _, f := range e.Fields {
			p.Problem += " " + l.Field(f)
		}
	}
	if status := errorStatus(cause); status >= 500 && status != http.StatusServiceUnavailable {
		s.log.Error("admin action", "order", id, "err", cause)
	}
	s.render(w, r, errorStatus(cause), "order", p)
	return nil
}

// lineRefs are the references of an order's lines, as the engine knows
// them: the SKU, or the line type in lower case ("shipping").
func lineRefs(o *kassa.Order) []string {
	refs := make([]string, len(o.Lines))
	for i, l := range o.Lines {
		refs[i] = lineRefOf(l)
	}
	return refs
}

func lineRefOf(l kassa.Line) string {
	if l.SKU != "" {
		return l.SKU
	}
	return strings.ToLower(string(l.Type))
}

// actionRow is one line of the order page's line form.
type actionRow struct {
	Ref         string
	Description string
	Quantity    int64
	Product     bool
}

func actionRows(o *kassa.Order) []actionRow {
	rows := make([]actionRow, len(o.Lines))
	for i, l := range o.Lines {
		rows[i] = actionRow{Ref: lineRefOf(l), Description: l.Description, Quantity: l.Quantity, Product: l.SKU != ""}
	}
	return rows
}

// doneNotice describes in l the action ?done= names, for the order page
// of o; amounts are in currency.
func doneNotice(l *locale.Lang, currency string, o *kassa.Order, a *kassa.Action) string {
	what := locale.ID("action.the." + string(a.Kind))
	switch {
	case a.Kind == kassa.ActionCancel && a.State == kassa.ActionRefused && o.Status == kassa.StatusCancelled:
		return l.T("admin.done.cancel_unsigned", "TX", a.TransactionID)
	case a.State == kassa.ActionSucceeded:
		return l.T("admin.done.succeeded", "Action", what, "TX", a.TransactionID, "Amount", l.Money(a.Amount, currency))
	case a.State == kassa.ActionPending:
		return l.T("admin.done.pending", "Action", what, "TX", a.TransactionID)
	}
	return l.T("admin.done.other", "Action", what, "TX", a.TransactionID, "State", a.State)
}

type actionsPage struct {
	listing
	Filter  kassa.ActionFilter
	Actions []*kassa.Action
	States  []kassa.ActionState
}

func (*actionsPage) title(l *locale.Lang) string { return l.T("admin.actions.title") }

// baseURL is the list's URL with its filter, without paging.
func (p *actionsPage) baseURL() string {
	return filteredURL("/admin/actions", string(p.Filter.State), p.Filter.OrderID)
}

// handleAdminActions lists actions, failed ones by default: the operator's
// view of what needs a retry.
func (s *Server) handleAdminActions(w http.ResponseWriter, r *http.Request) error {
	if q := r.URL.Query(); !q.Has("state") {
		target := "/admin/actions?state=failed"
		if order := q.Get("order"); order != "" {
			target += "&order=" + urlQueryEscape(order)
		}
		http.Redirect(w, r, target, http.StatusSeeOther)
		return nil
	}
	f, err := actionFilter(r)
	if err != nil {
		return err
	}
	as, total, next, prev, err := s.listActions(r.Context(), f)
	if err != nil {
		return err
	}
	p := &actionsPage{Filter: f, Actions: as, States: actionStates}
	p.listing = newListing("admin.count.actions", p.baseURL(), total, next, prev)
	s.render(w, r, http.StatusOK, "actions", p)
	return nil
}
