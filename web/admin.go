package web

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/kassa-dev/kassa"
	"github.com/kassa-dev/kassa/checkout"
	"github.com/kassa-dev/kassa/locale"
	"github.com/kassa-dev/kassa/mapi"
)

type loginPage struct {
	Next  string
	Error string
}

func (*loginPage) title(l *locale.Lang) string { return l.T("admin.login.title") }

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
	ip, l := s.clientIP(r), s.lang(r)
	wait, err := s.logins.wait(r.Context(), ip, adminUser)
	switch {
	case err != nil:
		s.render(w, r, http.StatusServiceUnavailable, "login", &loginPage{Next: next, Error: l.T("admin.login.unavailable")})
		return nil
	case wait > 0:
		retryAfter(w, wait)
		s.render(w, r, http.StatusTooManyRequests, "login", &loginPage{Next: next,
			Error: l.T("admin.login.too_many", "Wait", secondsIn(l, wait))})
		return nil
	}
	if !s.checkPassword(r.Context(), adminUser, r.PostFormValue("password")) {
		s.logins.fail(r.Context(), ip, adminUser)
		s.log.Warn("admin login failed", "ip", ip)
		s.render(w, r, http.StatusUnauthorized, "login", &loginPage{Next: next, Error: l.T("admin.login.wrong")})
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

func (*ordersPage) title(l *locale.Lang) string { return l.T("admin.nav.orders") }

// baseURL is the list's URL with its filter, without paging.
func (p *ordersPage) baseURL() string {
	return "/admin/orders?status=" + urlQueryEscape(string(p.Filter.Status)) + "&q=" + urlQueryEscape(p.Filter.Query)
}

func (s *Server) handleAdminOrders(w http.ResponseWriter, r *http.Request) error {
	f, err := orderFilter(r)
	if err != nil {
		return err
	}
	orders, total, next, prev, err := s.listOrders(r.Context(), f)
	if err != nil {
		return err
	}
	p := &ordersPage{Filter: f, Orders: orders, Statuses: kassa.Statuses}
	p.listing = newListing("admin.count.orders", p.baseURL(), total, next, prev)
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
	Why       []string          // Can.Why in the page's language
	Notice    string
	Problem   string
}

func (p *orderPage) title(l *locale.Lang) string {
	return l.T("admin.order.title", "Number", p.Order.Number)
}

func (s *Server) handleAdminOrder(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	l := s.lang(r)
	p, err := s.loadOrderPage(r.Context(), l, id)
	if err != nil {
		return err
	}
	switch r.URL.Query().Get("sync") {
	case "ok":
		p.Notice = l.T("admin.order.synced")
	case "failed":
		p.Problem = l.T("admin.order.sync_failed")
	}
	if done, err := strconv.ParseInt(r.URL.Query().Get("done"), 10, 64); err == nil {
		for _, a := range p.Actions {
			if a.ID == done {
				p.Notice = doneNotice(l, s.currency(), p.Order, a)
			}
		}
	}
	s.render(w, r, http.StatusOK, "order", p)
	return nil
}

// loadOrderPage reads everything the order page in l shows.
func (s *Server) loadOrderPage(ctx context.Context, l *locale.Lang, id int64) (*orderPage, error) {
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
	var problem string
	p.Payment, problem = s.livePayment(ctx, o)
	if problem != "" {
		p.PaymentE = l.T(problem)
	}
	p.Can = checkout.PossibleActions(o, p.Payment, p.Actions)
	p.Why = whyIn(l, p.Can)
	return p, nil
}

// livePayment reads the payment from MAPI once; MAPI being down is shown,
// not fatal: the message id of the problem says why there is no payment.
func (s *Server) livePayment(ctx context.Context, o *kassa.Order) (*mapi.Payment, string) {
	if o.PaymentID == "" {
		return nil, "admin.order.no_payment"
	}
	ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	pay, err := s.cfg.Bank.GetPayment(ctx, o.PaymentID)
	if err != nil {
		s.log.Warn("admin: read payment", "order", o.ID, "err", err)
		return nil, "admin.order.payment_unreachable"
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

func (*callbacksPage) title(l *locale.Lang) string { return l.T("admin.nav.callbacks") }

// baseURL is the list's URL with its filter, without paging.
func (p *callbacksPage) baseURL() string {
	return filteredURL("/admin/callbacks", string(p.Filter.State), p.Filter.OrderID)
}

// filteredURL is the URL of the admin list at path, filtered by state
// and, unless it is 0, by order (the inbox, the actions and e-mails lists).
func filteredURL(path, state string, orderID int64) string {
	u := path + "?state=" + urlQueryEscape(state)
	if orderID != 0 {
		u += "&order=" + strconv.FormatInt(orderID, 10)
	}
	return u
}

func (s *Server) handleAdminCallbacks(w http.ResponseWriter, r *http.Request) error {
	f, err := callbackFilter(r)
	if err != nil {
		return err
	}
	cbs, total, next, prev, err := s.listCallbacks(r.Context(), f)
	if err != nil {
		return err
	}
	p := &callbacksPage{Filter: f, States: kassa.CallbackStates}
	p.listing = newListing("admin.count.callbacks", p.baseURL(), total, next, prev)
	for _, cb := range cbs {
		p.Callbacks = append(p.Callbacks, toAPICallback(cb))
	}
	if n, err := strconv.ParseInt(r.URL.Query().Get("processed"), 10, 64); err == nil {
		p.Notice = s.lang(r).T("admin.callbacks.requeued", "ID", n)
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
