package web

import (
	"crypto/rand"
	"errors"
	"net"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/kassa-dev/kassa"
	"github.com/kassa-dev/kassa/checkout"
	"github.com/kassa-dev/kassa/locale"
)

// The limits on what one client may do at checkout: hold unpaid orders
// (checkout.Config.MaxOpenOrders, counted in the store) and fetch
// addresses from Resurs (Config.MaxAddressLookups, counted here). A client
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

// lookupLimiter counts the address lookups of each client key over a
// sliding window. It lives in the process: several instances each allow
// max, and a restart forgets.
type lookupLimiter struct {
	max    int // lookups per key and window; 0 = no limit
	window time.Duration

	mu   sync.Mutex
	seen map[string][]time.Time // the lookups within the window, oldest first
}

// maxLookupKeys bounds the keys remembered; past it, keys without a
// lookup in the window are forgotten.
const maxLookupKeys = 10000

func newLookupLimiter(max int, window time.Duration) *lookupLimiter {
	return &lookupLimiter{max: max, window: window, seen: map[string][]time.Time{}}
}

// allow records a lookup at now for every key, unless one of them has had
// max lookups in the window already: then it records nothing and says how
// long until that key may look up again.
func (l *lookupLimiter) allow(now time.Time, keys []string) (bool, time.Duration) {
	if l.max <= 0 {
		return true, 0
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	var wait time.Duration
	for _, k := range keys {
		l.seen[k] = l.recent(k, now)
		if ts := l.seen[k]; len(ts) >= l.max {
			wait = max(wait, ts[len(ts)-l.max].Add(l.window).Sub(now))
		}
	}
	if wait > 0 {
		return false, wait
	}
	if len(l.seen) > maxLookupKeys {
		l.forgetOld(now)
	}
	for _, k := range keys {
		l.seen[k] = append(l.seen[k], now)
	}
	return true, 0
}

// recent returns k's lookups after now minus the window.
func (l *lookupLimiter) recent(k string, now time.Time) []time.Time {
	ts := l.seen[k]
	i := 0
	for i < len(ts) && !ts[i].After(now.Add(-l.window)) {
		i++
	}
	return ts[i:]
}

// forgetOld drops the keys without a lookup in the window.
func (l *lookupLimiter) forgetOld(now time.Time) {
	for k := range l.seen {
		if len(l.recent(k, now)) == 0 {
			delete(l.seen, k)
		}
	}
}

// lookupRefusal is the message in lang for a client that looked up too
// many addresses, and the Retry-After value in seconds.
func (l *lookupLimiter) lookupRefusal(lang *locale.Lang, wait time.Duration) (string, string) {
	again := (wait + time.Minute - 1) / time.Minute * time.Minute
	msg := lang.T("address.too_many", "Max", l.max, "Window", locale.Duration(l.window.Truncate(time.Minute)),
		"Again", locale.Duration(again))
	return msg, strconv.Itoa(int((wait + time.Second - 1) / time.Second))
}
