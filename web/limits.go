package web

import (
	"context"
	"crypto/rand"
	"errors"
	"net"
	"net/http"
	"strconv"
	"time"

	"github.com/kassa-dev/kassa"
	"github.com/kassa-dev/kassa/checkout"
	"github.com/kassa-dev/kassa/locale"
)

// The limits on what one client may do at checkout: hold unpaid orders
// (checkout.Config.MaxOpenOrders, counted in the store) and fetch
// addresses from Resurs (Config.MaxAddressLookups, counted here, in the
// store's limits). A client
// is its address and, when it sent one, its browser's client cookie; a
// limit reached by either holds both.

// clientCookie holds a random id of the customer's browser, signed; the
// limits count its keyed hash, never the id itself.
const clientCookie = "kassa_client"

// clientCookieLifetime is how long a browser keeps its client id.
const clientCookieLifetime = 30 * 24 * time.Hour

// browserID returns the id of r's browser from its client cookie, or ""
// when it has none (or a tampered one).
func (s *Server) browserID(r *http.Request) string {
	ck, err := r.Cookie(clientCookie)
	if err != nil {
		return ""
	}
	id, err := s.verify(clientCookie, ck.Value)
	if err != nil {
		return ""
	}
	return string(id)
}

// ensureBrowserID gives r's browser a client cookie unless it has one.
func (s *Server) ensureBrowserID(w http.ResponseWriter, r *http.Request) {
	if s.browserID(r) != "" {
		return
	}
	id := make([]byte, 16)
	rand.Read(id) // never fails (crypto/rand documents it)
	s.setCookie(w, clientCookie, s.sign(clientCookie, id), clientCookieLifetime)
}

// clientKeys are the keys of r's client for the limits: a keyed hash of
// its address (an IPv6 address by its /64 network, which one subscriber
// usually has whole) and, with a client cookie, of its browser id.
func (s *Server) clientKeys(r *http.Request) []string {
	keys := []string{"ip:" + s.mac("client-ip", addressKey(s.clientIP(r)))}
	if id := s.browserID(r); id != "" {
		keys = append(keys, "browser:"+s.mac("client-browser", id))
	}
	return keys
}

// addressKey is ip as the limits count it: an IPv4 address whole, an IPv6
// address by its /64 network; anything else as given.
func addressKey(ip string) string {
	a := net.ParseIP(ip)
	switch {
	case a == nil:
		return ip
	case a.To4() != nil:
		return a.To4().String()
	}
	return a.Mask(net.CIDRMask(64, 128)).String() + "/64"
}

// holdsRefusal answers the engine's refusal of too many unpaid orders with
// 429 Too Many Requests rather than its code's 409: the request itself is
// fine and may be sent again once the client's orders are paid or have
// expired, while a 409 from the checkout asks for a change of the cart
// (stock is short). Other errors are returned as they are.
func holdsRefusal(err error) error {
	var ke *kassa.Error
	if !errors.Is(err, checkout.ErrTooManyHolds) || !errors.As(err, &ke) {
		return err
	}
	return &statusError{status: http.StatusTooManyRequests, err: ke}
}

// lookupLimiter limits the address lookups of each client key: max at
// once, then one per window, so that no key ever has more than max in any
// window. The buckets are kept in the store (kassa.Limits), shared by
// every instance and kept across restarts.
type lookupLimiter struct {
	max    int // lookups per key and window; 0 = no limit
	window time.Duration
	store  kassa.Limits
	purge  *limitPurge
}

// allow records a lookup at now for every key, unless one of them has had
// its lookups already: then it records nothing and says how long until
// all of them may look up again. An error is the store's; the lookup is
// then refused.
func (l *lookupLimiter) allow(ctx context.Context, now time.Time, keys []string) (time.Duration, error) {
	if l.max <= 0 {
		return 0, nil
	}
	limits := make([]kassa.Limit, len(keys))
	for i, k := range keys {
		limits[i] = kassa.Limit{Key: "lookup:" + k, Every: l.window, Burst: l.max}
	}
	wait, err := l.store.TakeLimit(ctx, now, limits...)
	if err == nil {
		l.purge.run(ctx, now)
	}
	return wait, err
}

// lookupRefusal is the message in lang for a client that looked up too
// many addresses, and the Retry-After value in seconds.
func (l *lookupLimiter) lookupRefusal(lang *locale.Lang, wait time.Duration) (string, string) {
	again := (wait + time.Minute - 1) / time.Minute * time.Minute
	msg := lang.T("address.too_many", "Max", l.max, "Window", locale.Duration(l.window.Truncate(time.Minute)),
		"Again", locale.Duration(again))
	return msg, strconv.Itoa(int((wait + time.Second - 1) / time.Second))
}
