package web

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/kassa-dev/kassa"
	"github.com/kassa-dev/kassa/checkout"
	"github.com/kassa-dev/kassa/mapi"
)

type loginPage struct {
	Next  string
	Error string
}

func (*loginPage) title() string { return "Admin login" }

func (s *Server) handleLogin(w http.ResponseWriter, r *http.Request) error {
	if _, ok := s.adminSession(r); ok {
		http.Redirect(w, r, "/admin", http.StatusSeeOther)
		return nil
	}
	s.render(w, r, http.StatusOK, "login", &loginPage{Next: safeNext(r.URL.Query().Get("next"))})
	return nil
}

// handleLoginPost checks the admin password and starts a session. Failed
// attempts are limited per client and per account, as on the admin API.
func (s *Server) handleLoginPost(w http.ResponseWriter, r *http.Request) error {
	next := safeNext(r.PostFormValue("next"))
	ip := s.clientIP(r)
	if wait := s.logins.wait(ip, adminUser); wait > 0 {
		retryAfter(w, wait)
		s.render(w, r, http.StatusTooManyRequests, "login", &loginPage{Next: next,
			Error: "Too many failed attempts. Try again in " + seconds(wait) + "."})
		return nil
	}
	if !s.checkPassword(r.Context(), adminUser, r.PostFormValue("password")) {
		s.logins.fail(ip, adminUser)
		s.log.Warn("admin login failed", "ip", ip)
		s.render(w, r, http.StatusUnauthorized, "login", &loginPage{Next: next, Error: "Wrong password."})
		return nil
	}
	if err := s.newAdminSession(w, r); err != nil {
		return err
	}
	http.Redirect(w, r, next, http.StatusSeeOther)
	return nil
}

// safeNext keeps post-login redirects inside the admin.
func safeNext(next string) string {
	if !strings.HasPrefix(next, "/admin") || strings.HasPrefix(next, "/admin/login") || strings.ContainsAny(next, "\\\r\n") {
		return "/admin"
	}
	return next
}

// handleLogout ends the session: its cookie no longer works anywhere.
func (s *Server) handleLogout(w http.ResponseWriter, r *http.Request) error {
	sess, _ := sessionFrom(r.Context())
	if err := s.cfg.Store.DeleteSession(r.Context(), sess.IDHash); err != nil && kassa.ErrorCode(err) != kassa.ENOTFOUND {
		return err
	}
	s.clearAdminCookie(w)
	http.Redirect(w, r, "/admin/login", http.StatusSeeOther)
	return nil
}

type ordersPage struct {
	listing
	Filter   kassa.OrderFilter
	Orders   []*kassa.Order
	Statuses []kassa.Status
}

// listing is the paging of an admin list, shown by the "pager" template.
type listing struct {
	Total int    // items matching the filter
	Page  int    // from 1
	Pages int    // at least the current page's
	Noun  string // what the items are, e.g. "orders"
}

// newListing pages total items limit at a time, from offset.
func newListing(noun string, offset, limit, total int) listing {
	return listing{Total: total, Page: offset/limit + 1, Pages: (total + limit - 1) / limit, Noun: noun}
}

func (*ordersPage) title() string { return "Orders" }

// PageURL is the list URL for page n with the same filter.
func (p *ordersPage) PageURL(n int) string {
	return "/admin/orders?status=" + urlQueryEscape(string(p.Filter.Status)) + "&q=" + urlQueryEscape(p.Filter.Query) +
		"&page=" + strconv.Itoa(n)
}

func (s *Server) handleAdminOrders(w http.ResponseWriter, r *http.Request) error {
	f, err := orderFilter(r)
	if err != nil {
		return err
	}
	orders, total, err := s.cfg.Store.Orders(r.Context(), f)
	if err != nil {
		return err
	}
	p := &ordersPage{listing: newListing("orders", f.Offset, f.Limit, total), Filter: f, Orders: orders,
		Statuses: kassa.Statuses}
	s.render(w, r, http.StatusOK, "orders", p)
	return nil
}

type orderPage struct {
	Order     *kassa.Order
	Events    []kassa.Event
	Callbacks []*kassa.Callback
	Actions   []*kassa.Action
	Rows      []actionRow // the line form of capture, cancel, refund and modify
	Payment   *mapi.Payment
	PaymentE  string
	Can       checkout.Possible // the actions offered, by the live payment
	Notice    string
	Problem   string
}

func (p *orderPage) title() string { return "Order " + p.Order.Number }

func (s *Server) handleAdminOrder(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	p, err := s.loadOrderPage(r.Context(), id)
	if err != nil {
		return err
	}
	switch r.URL.Query().Get("sync") {
	case "ok":
		p.Notice = "Synced with Resurs: the status below is what Resurs says now."
	case "failed":
		p.Problem = "Resurs could not be reached. The order is unchanged; the sweeper will try again."
	}
	if done, err := strconv.ParseInt(r.URL.Query().Get("done"), 10, 64); err == nil {
		for _, a := range p.Actions {
			if a.ID == done {
				p.Notice = doneNotice(p.Order, a)
			}
		}
	}
	s.render(w, r, http.StatusOK, "order", p)
	return nil
}

// loadOrderPage reads everything the order page shows.
func (s *Server) loadOrderPage(ctx context.Context, id int64) (*orderPage, error) {
	o, err := s.cfg.Store.Order(ctx, id)
	if err != nil {
		return nil, err
	}
	p := &orderPage{Order: o, Rows: actionRows(o)}
	if p.Events, err = s.cfg.Store.Events(ctx, id); err != nil {
		return nil, err
	}
	if p.Callbacks, _, err = s.cfg.Store.Callbacks(ctx, kassa.CallbackFilter{OrderID: id, Limit: 20}); err != nil {
		return nil, err
	}
	if p.Actions, err = s.cfg.Engine.OrderActions(ctx, id); err != nil {
		return nil, err
	}
	p.Payment, p.PaymentE = s.livePayment(ctx, o)
	p.Can = checkout.PossibleActions(o, p.Payment, p.Actions)
	return p, nil
}

// livePayment reads the payment from MAPI once; MAPI being down is shown,
// not fatal.
func (s *Server) livePayment(ctx context.Context, o *kassa.Order) (*mapi.Payment, string) {
	if o.PaymentID == "" {
		return nil, "No payment at Resurs for this order."
	}
	ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	pay, err := s.cfg.Bank.GetPayment(ctx, o.PaymentID)
	if err != nil {
		s.log.Warn("admin: read payment", "order", o.ID, "err", err)
		return nil, "Resurs could not be reached right now; showing the shop's last known state."
	}
	return pay, ""
}

func (s *Server) handleAdminSync(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	result := "ok"
	if _, err := s.cfg.Engine.Sync(r.Context(), id, kassa.SourceAdmin); err != nil {
		if kassa.ErrorCode(err) == kassa.ENOTFOUND {
			return err
		}
		s.log.Warn("admin sync", "order", id, "err", err)
		result = "failed"
	}
	http.Redirect(w, r, "/admin/orders/"+strconv.FormatInt(id, 10)+"?sync="+result, http.StatusSeeOther)
	return nil
}

type callbacksPage struct {
	listing
	Filter    kassa.CallbackFilter
	Callbacks []apiCallback
	States    []kassa.CallbackState
	Notice    string
}

func (*callbacksPage) title() string { return "Callbacks" }

// PageURL is the list URL for page n with the same filter.
func (p *callbacksPage) PageURL(n int) string {
	return filteredURL("/admin/callbacks", string(p.Filter.State), p.Filter.OrderID, n)
}

// filteredURL is the URL of page n of the admin list at path, filtered by
// state and, unless it is 0, by order (the inbox and the actions list).
func filteredURL(path, state string, orderID int64, n int) string {
	u := path + "?state=" + urlQueryEscape(state)
	if orderID != 0 {
		u += "&order=" + strconv.FormatInt(orderID, 10)
	}
	return u + "&page=" + strconv.Itoa(n)
}

func (s *Server) handleAdminCallbacks(w http.ResponseWriter, r *http.Request) error {
	f, err := callbackFilter(r)
	if err != nil {
		return err
	}
	cbs, total, err := s.cfg.Store.Callbacks(r.Context(), f)
	if err != nil {
		return err
	}
	p := &callbacksPage{listing: newListing("callbacks", f.Offset, f.Limit, total), Filter: f,
		States: kassa.CallbackStates}
	for _, cb := range cbs {
		p.Callbacks = append(p.Callbacks, toAPICallback(cb))
	}
	if n, err := strconv.ParseInt(r.URL.Query().Get("processed"), 10, 64); err == nil {
		p.Notice = "Callback " + strconv.FormatInt(n, 10) + " was queued for processing again."
	}
	s.render(w, r, http.StatusOK, "callbacks", p)
	return nil
}

func (s *Server) handleAdminReprocess(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	if err := s.cfg.Engine.ReprocessCallback(r.Context(), id); err != nil {
		return err
	}
	http.Redirect(w, r, "/admin/callbacks?processed="+strconv.FormatInt(id, 10), http.StatusSeeOther)
	return nil
}
