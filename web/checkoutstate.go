package web

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/kassa-dev/kassa"
)

// The checkout's state lives on the server (kassa.CheckoutStates), one per
// cart session, found by the SHA-256 of a random id in the checkout cookie:
// what the shopper last typed into the form (so it survives a failed
// payment, "Change the cart", the address lookup and the Back button, and
// the government id never travels in a cookie), the one-time token the
// form carries, and the order placed from it.

const (
	checkoutCookie   = "kassa_checkout"
	checkoutLifetime = 30 * 24 * time.Hour // as long as the cart cookie
	checkoutIDLen    = 43                  // 32 random bytes, unpadded base64url
)

// checkoutState is one cart session's checkout state.
type checkoutState struct {
	id string // the random id its cookie carries

	Customer kassa.Customer `json:"customer"` // as typed
	Method   string         `json:"method,omitempty"`
	// The discount code applied in the cart, and the shipping option
	// chosen in the cart or the checkout form; "" = none, the first.
	Discount string `json:"discount,omitempty"`
	Shipping string `json:"shipping,omitempty"`
	// Token is the one-time token of the form rendered next: the
	// idempotency key of the purchase it sends (purchase).
	Token  string       `json:"token"`
	Placed *placedOrder `json:"placed,omitempty"`
	// What the next form shows once: the outcome of the POST that
	// redirected to it (post-redirect-get).
	Message string            `json:"message,omitempty"`
	Notice  string            `json:"notice,omitempty"`
	Errors  map[string]string `json:"errors,omitempty"`
}

// placedOrder is the last order placed from the form, while it may still
// be signed.
type placedOrder struct {
	ID       int64  `json:"id"`
	Key      string `json:"key"`
	Request  string `json:"request"`  // requestMAC of what was purchased
	Redirect string `json:"redirect"` // Resurs' signing page
}

// request is the form's order request as the shopper last sent it.
func (st *checkoutState) request() kassa.OrderRequest {
	return kassa.OrderRequest{Customer: st.Customer, PaymentMethodID: st.Method, DiscountCode: st.Discount,
		ShippingOption: st.Shipping}
}

// keep remembers the form of p, with its messages for the next form.
func (st *checkoutState) keep(p *checkoutPage) {
	st.Customer, st.Method = p.Req.Customer, p.Req.PaymentMethodID
	st.Discount, st.Shipping = p.Req.DiscountCode, p.Req.ShippingOption
	st.Message, st.Notice, st.Errors = p.Message, p.Notice, p.Errors
}

// show moves the state's form and messages onto p, once.
func (st *checkoutState) show(p *checkoutPage) {
	p.Req, p.Message, p.Notice, p.Errors = st.request(), st.Message, st.Notice, st.Errors
	st.Message, st.Notice, st.Errors = "", "", nil
}

// checkoutStates loads and stores checkout states, and purges old ones.
type checkoutStates struct {
	store kassa.CheckoutStates
	now   func() time.Time
	log   *slog.Logger

	purges throttle // hourly
}

// load returns the state of r's checkout cookie; a missing, unknown or
// expired one gives a new state (with a token).
func (c *checkoutStates) load(ctx context.Context, r *http.Request) (*checkoutState, error) {
	ck, err := r.Cookie(checkoutCookie)
	if err != nil || len(ck.Value) != checkoutIDLen {
		return newCheckoutState(), nil
	}
	stored, err := c.store.CheckoutState(ctx, sessionHash(ck.Value))
	switch {
	case kassa.ErrorCode(err) == kassa.ENOTFOUND:
		return newCheckoutState(), nil
	case err != nil:
		return nil, err
	}
	st := &checkoutState{}
	if json.Unmarshal(stored.Data, st) != nil || c.now().Sub(stored.UpdatedAt) > checkoutLifetime {
		return newCheckoutState(), nil
	}
	st.id = ck.Value
	if st.Token == "" {
		st.Token = randomToken()
	}
	return st, nil
}

func newCheckoutState() *checkoutState {
	return &checkoutState{id: randomToken(), Token: randomToken()}
}

// save stores st and (re)sets its cookie; once an hour it purges the
// states not stored for checkoutLifetime.
func (s *Server) saveCheckout(ctx context.Context, w http.ResponseWriter, st *checkoutState) error {
	c := s.forms
	b, err := json.Marshal(st)
	if err != nil {
		return fmt.Errorf("checkout state: %w", err)
	}
	now := c.now()
	if err := c.store.PutCheckoutState(ctx, kassa.CheckoutState{ID: sessionHash(st.id), Data: b, UpdatedAt: now}); err != nil {
		return err
	}
	s.setCookie(w, checkoutCookie, st.id, checkoutLifetime)
	c.purge(ctx, now)
	return nil
}

// forgetCheckout deletes the checkout state of r and its cookie: the
// order is paid or awaits Resurs' decision, and the cart is emptied.
func (s *Server) forgetCheckout(ctx context.Context, w http.ResponseWriter, r *http.Request) {
	ck, err := r.Cookie(checkoutCookie)
	if err != nil {
		return
	}
	if err := s.forms.store.DeleteCheckoutState(ctx, sessionHash(ck.Value)); err != nil {
		s.log.Warn("delete checkout state", "err", err)
	}
	s.clearCookie(w, checkoutCookie)
}

func (c *checkoutStates) purge(ctx context.Context, now time.Time) {
	if !c.purges.due(now) {
		return
	}
	if _, err := c.store.PurgeCheckoutStates(ctx, now.Add(-checkoutLifetime)); err != nil {
		c.log.Error("purge checkout states", "err", err)
	}
}

// randomToken returns 32 random bytes, unpadded base64url (43 characters).
func randomToken() string {
	b := make([]byte, 32)
	rand.Read(b) // never fails (crypto/rand documents it)
	return base64.RawURLEncoding.EncodeToString(b)
}

// requestMAC identifies what a purchase asks for: the cart, the customer
// and the payment method. It is keyed, so that what the store keeps of it
// reveals nothing of the customer.
func (s *Server) requestMAC(req kassa.OrderRequest) string {
	b, _ := json.Marshal(req) // of plain data: never fails
	h := sha256.Sum256(b)
	return s.mac("checkout-request", base64.RawURLEncoding.EncodeToString(h[:]))
}

// purchaseAnswer is the idempotency answer of a purchase: the order it
// placed (or found) and where the shopper was sent; no Redirect when the
// purchase failed (the form, kept in the state, says why).
type purchaseAnswer struct {
	Order    int64  `json:"order,omitempty"`
	Redirect string `json:"redirect,omitempty"`
}

// purchase places the order of p once per form token. The token (the
// state's own when the form sent none) keys an idempotency answer
// (idempotency.go; the purchase's claim is taken over once stale, as an
// API order's): a second click or a retried POST of the same form waits
// for the first and is sent where it was, to the same signing page.
// Within one token, the same cart, details and method reuse the order
// placed last while it can still be signed (Back, then Purchase again);
// anything else places a new order and replaces the earlier one
// (Engine.Replace: its unsigned payment is cancelled, its stock released).
// Every purchase uses up the token: the next form carries a new one.
func (s *Server) purchase(w http.ResponseWriter, r *http.Request, c cart, st *checkoutState, p *checkoutPage) error {
	token := r.PostFormValue("token")
	if token == "" {
		token = st.Token
	}
	reqMAC := s.requestMAC(p.Req)
	key := "POST /checkout\n" + token
	prev, conflict, err := s.idem.begin(r.Context(), key, []byte(reqMAC), true)
	switch {
	case err != nil && r.Context().Err() != nil:
		return nil // the shopper went away while waiting: nobody to answer
	case kassa.ErrorCode(err) == kassa.ECONFLICT:
		p.Message = s.lang(r).T("checkout.in_progress")
		return s.renderForm(w, r, c, st, p, http.StatusConflict)
	case err != nil:
		return err
	case conflict:
		p.Message = s.lang(r).T("checkout.form_changed")
		return s.renderForm(w, r, c, st, p, http.StatusConflict)
	case prev != nil:
		return s.replayPurchase(w, r, prev)
	}
	// Like a keyed API request, the purchase runs to its end even when the
	// shopper's browser hangs up: its retry gets the answer.
	var ans purchaseAnswer
	var failure error
	a, err := s.runClaimed(r, key, func(ctx context.Context) (int, []byte, error) {
		ans, failure = s.placeOnce(ctx, r, st, p, reqMAC)
		st.Token = randomToken()
		if failure != nil {
			setFailure(s.lang(r), p, failure)
		}
		st.keep(p)
		// The state is stored before the answer, which wakes the waiters:
		// they are sent to what it says.
		if err := s.saveCheckout(ctx, w, st); err != nil {
			return 0, nil, err
		}
		body, _ := json.Marshal(ans) // of plain data: never fails
		return http.StatusSeeOther, body, nil
	})
	if err != nil {
		return err
	}
	defer s.idem.purge(context.WithoutCancel(r.Context()), a.At)
	if failure != nil {
		return s.checkoutFailed(w, r, c, st, p, failure)
	}
	http.Redirect(w, r, ans.Redirect, http.StatusSeeOther)
	return nil
}

// placeOnce places the order of p, or finds the one placed last from the
// same request while it can still be signed. An order placed replaces
// the one placed before it (see purchase). It updates st.Placed.
func (s *Server) placeOnce(ctx context.Context, r *http.Request, st *checkoutState, p *checkoutPage, reqMAC string) (purchaseAnswer, error) {
	old := st.Placed
	if old != nil && old.Request == reqMAC && s.pendingOrder(ctx, old.ID, true) {
		return purchaseAnswer{Order: old.ID, Redirect: old.Redirect}, nil
	}
	p.Req.ClientIP, p.Req.UserAgent = s.clientIP(r), truncate(r.UserAgent(), 200)
	p.Req.ClientKeys = s.clientKeys(r)
	p.Req.Lang = s.lang(r).Code() // the customer's e-mails speak the page's language
	o, redirect, err := s.cfg.Engine.PlaceOrder(ctx, p.Req, kassa.SourceCheckout)
	if err != nil {
		return purchaseAnswer{}, holdsRefusal(err)
	}
	if old != nil && s.pendingOrder(ctx, old.ID, false) {
		if _, err := s.cfg.Engine.Replace(ctx, old.ID, o); err != nil {
			s.log.Warn("replace the earlier order", "order", old.ID, "by", o.ID, "err", err)
		}
	}
	st.Placed = &placedOrder{ID: o.ID, Key: o.Key, Request: reqMAC, Redirect: redirect}
	return purchaseAnswer{Order: o.ID, Redirect: redirect}, nil
}

// pendingOrder reports whether order id is pending (and, if unexpired is
// set, its stock hold has not run out). A failed read counts as no.
func (s *Server) pendingOrder(ctx context.Context, id int64, unexpired bool) bool {
	o, err := s.cfg.Store.Order(ctx, id)
	if err != nil {
		s.log.Warn("read the earlier order", "order", id, "err", err)
		return false
	}
	return o.Status == kassa.StatusPending && (!unexpired || s.now().Before(o.ExpiresAt))
}

// replayPurchase sends a repeated purchase where the first one went: the
// same signing page while its order can be signed, else the form (kept
// in the state, with why a failed purchase failed).
func (s *Server) replayPurchase(w http.ResponseWriter, r *http.Request, prev *kassa.Answer) error {
	var ans purchaseAnswer
	to := "/checkout"
	if json.Unmarshal(prev.Body, &ans) == nil && ans.Redirect != "" && s.pendingOrder(r.Context(), ans.Order, true) {
		to = ans.Redirect
	}
	http.Redirect(w, r, to, http.StatusSeeOther)
	return nil
}
