package web

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/kassa-dev/kassa"
	"github.com/kassa-dev/kassa/locale"
)

const (
	cartCookie   = "kassa_cart"
	maxCartLines = 50
	maxQuantity  = 99

	adminCookie   = "kassa_admin" // the admin session's id, sent under /admin only
	adminUser     = "admin"       // the one admin account
	adminLifetime = 12 * time.Hour
	sessionIDLen  = 43          // 32 random bytes, unpadded base64url
	touchEvery    = time.Minute // how often a session's last seen time is written
	maxUserAgent  = 300         // bytes of the user agent kept with a session
)

// sign returns value.mac, where mac is an HMAC of purpose and value, so a
// cookie of one kind cannot be replayed as another.
func (s *Server) sign(purpose string, value []byte) string {
	v := base64.RawURLEncoding.EncodeToString(value)
	return v + "." + s.mac(purpose, v)
}

func (s *Server) mac(purpose, v string) string {
	m := hmac.New(sha256.New, s.key)
	m.Write([]byte(purpose + "\x00" + v))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// verify returns the value of a signed string, or an error when tampered.
func (s *Server) verify(purpose, signed string) ([]byte, error) {
	v, mac, ok := strings.Cut(signed, ".")
	if !ok || !hmac.Equal([]byte(mac), []byte(s.mac(purpose, v))) {
		return nil, errors.New("bad signature")
	}
	return base64.RawURLEncoding.DecodeString(v)
}

func (s *Server) setCookie(w http.ResponseWriter, name, value string, maxAge time.Duration) {
	http.SetCookie(w, &http.Cookie{Name: name, Value: value, Path: "/", MaxAge: int(maxAge.Seconds()),
		HttpOnly: true, Secure: s.cfg.Secure, SameSite: http.SameSiteLaxMode})
}

func (s *Server) clearCookie(w http.ResponseWriter, name string) {
	http.SetCookie(w, &http.Cookie{Name: name, Value: "", Path: "/", MaxAge: -1,
		HttpOnly: true, Secure: s.cfg.Secure, SameSite: http.SameSiteLaxMode})
}

// cart is the customer's cart: SKUs and quantities, in the order added.
type cart struct {
	Lines []kassa.LineRequest `json:"l"`
}

// cart reads the cart cookie; a missing or tampered cookie is an empty cart.
func (s *Server) cart(r *http.Request) cart {
	var c cart
	ck, err := r.Cookie(cartCookie)
	if err != nil {
		return c
	}
	b, err := s.verify(cartCookie, ck.Value)
	if err != nil || json.Unmarshal(b, &c) != nil || len(c.Lines) > maxCartLines {
		return cart{}
	}
	return c
}

func (s *Server) saveCart(w http.ResponseWriter, c cart) {
	if len(c.Lines) == 0 {
		s.clearCookie(w, cartCookie)
		return
	}
	b, _ := json.Marshal(c)
	s.setCookie(w, cartCookie, s.sign(cartCookie, b), 30*24*time.Hour)
}

// set sets sku's quantity; 0 removes the line.
func (c *cart) set(sku string, qty int64) {
	for i, l := range c.Lines {
		if l.SKU == sku {
			if qty <= 0 {
				c.Lines = append(c.Lines[:i], c.Lines[i+1:]...)
			} else {
				c.Lines[i].Quantity = qty
			}
			return
		}
	}
	if qty > 0 {
		c.Lines = append(c.Lines, kassa.LineRequest{SKU: sku, Quantity: qty})
	}
}

func (c *cart) quantity(sku string) int64 {
	for _, l := range c.Lines {
		if l.SKU == sku {
			return l.Quantity
		}
	}
	return 0
}

func (c *cart) count() (n int64) {
	for _, l := range c.Lines {
		n += l.Quantity
	}
	return n
}

// adminSession is the admin session of a request: the random id its
// cookie carries and the stored session, found by the id's hash.
type adminSession struct {
	ID string // from the cookie; the CSRF token derives from it
	kassa.Session
}

// sessionHash is what the store keeps of a session id.
func sessionHash(id string) kassa.SessionHash { return sha256.Sum256([]byte(id)) }

// newAdminSession stores a new session for the client of r and sets its
// cookie. Expired sessions are purged first.
func (s *Server) newAdminSession(w http.ResponseWriter, r *http.Request) error {
	raw := make([]byte, 32)
	if _, err := rand.Read(raw); err != nil {
		return fmt.Errorf("session id: %w", err)
	}
	id := base64.RawURLEncoding.EncodeToString(raw)
	now := s.now()
	if _, err := s.cfg.Store.PurgeSessions(r.Context(), now); err != nil {
		return err
	}
	sess := kassa.Session{IDHash: sessionHash(id), User: adminUser, CreatedAt: now, LastSeenAt: now,
		ExpiresAt: now.Add(adminLifetime), UserAgent: cut(r.UserAgent(), maxUserAgent), IP: s.clientIP(r)}
	if err := s.cfg.Store.CreateSession(r.Context(), sess); err != nil {
		return err
	}
	http.SetCookie(w, &http.Cookie{Name: adminCookie, Value: id, Path: "/admin", MaxAge: int(adminLifetime.Seconds()),
		HttpOnly: true, Secure: s.cfg.Secure, SameSite: http.SameSiteLaxMode})
	return nil
}

// clearAdminCookie makes the browser forget its session cookie.
func (s *Server) clearAdminCookie(w http.ResponseWriter) {
	http.SetCookie(w, &http.Cookie{Name: adminCookie, Value: "", Path: "/admin", MaxAge: -1,
		HttpOnly: true, Secure: s.cfg.Secure, SameSite: http.SameSiteLaxMode})
}

// lookupSession returns the session of r: the one s.admin put in its
// context, else the stored session its cookie names. ok is false when
// there is none, or it ended or expired; err is a failure of the store.
func (s *Server) lookupSession(r *http.Request) (_ adminSession, ok bool, err error) {
	if sess, ok := sessionFrom(r.Context()); ok {
		return sess, true, nil
	}
	ck, err := r.Cookie(adminCookie)
	if err != nil || len(ck.Value) != sessionIDLen {
		return adminSession{}, false, nil
	}
	stored, err := s.cfg.Store.Session(r.Context(), sessionHash(ck.Value), s.now())
	switch {
	case kassa.ErrorCode(err) == kassa.ENOTFOUND:
		return adminSession{}, false, nil
	case err != nil:
		return adminSession{}, false, err
	}
	return adminSession{ID: ck.Value, Session: stored}, true, nil
}

// adminSession returns the valid session of r, or false (also when the
// store fails: the page then shows no admin navigation).
func (s *Server) adminSession(r *http.Request) (adminSession, bool) {
	sess, ok, err := s.lookupSession(r)
	return sess, ok && err == nil
}

// touch records that sess was seen now, at most once a touchEvery. A
// failure is only logged: the request itself is fine.
func (s *Server) touch(ctx context.Context, sess *adminSession) {
	now := s.now()
	if now.Sub(sess.LastSeenAt) < touchEvery {
		return
	}
	if err := s.cfg.Store.TouchSession(ctx, sess.IDHash, now); err != nil {
		s.log.Warn("admin session: touch", "err", err)
		return
	}
	sess.LastSeenAt = now
}

// csrfToken is the token every admin form carries.
func (s *Server) csrfToken(sess adminSession) string { return s.mac("csrf", sess.ID) }

func (s *Server) validCSRF(r *http.Request, sess adminSession) bool {
	got := r.PostFormValue("csrf")
	return got != "" && subtle.ConstantTimeCompare([]byte(got), []byte(s.csrfToken(sess))) == 1
}

// admin guards an admin page: no valid session (none, ended, expired) →
// redirect to the login form; a POST without the session's CSRF token →
// 403, nothing done.
func (s *Server) admin(fn handlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sess, ok, err := s.lookupSession(r)
		if err != nil {
			s.error(w, r, err)
			return
		}
		if !ok {
			if r.Method == http.MethodGet {
				http.Redirect(w, r, "/admin/login?next="+urlQueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
				return
			}
			s.error(w, r, locale.Error(kassa.EUNAUTHORIZED, "admin.login_again"))
			return
		}
		if r.Method == http.MethodPost && !s.validCSRF(r, sess) {
			s.render(w, r, http.StatusForbidden, "error", &errorPage{Status: http.StatusForbidden,
				Message: s.lang(r).T("admin.form_expired")})
			return
		}
		s.touch(r.Context(), &sess)
		ctx := contextWithSession(r.Context(), sess)
		if err := fn(w, r.WithContext(ctx)); err != nil {
			s.error(w, r, err)
		}
	})
}

// basic guards the admin JSON API with HTTP Basic (user "admin") or an
// API key (Authorization: Bearer, see bearer), and refuses cross-site writes (see apiRefusal). Failed attempts are limited
// per client and per account (authLimiter): once limited, a request gets
// 429 with Retry-After before its password is checked.
func (s *Server) basic(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := s.apiRefusal(r); err != nil {
			s.error(w, r, err)
			return
		}
		if key, ok := bearerKey(r); ok {
			s.bearer(w, r, key, next)
			return
		}
		user, pass, ok := r.BasicAuth()
		if !ok {
			s.askCredentials(w, r)
			return
		}
		ip := s.clientIP(r)
		wait, err := s.logins.wait(r.Context(), ip, user)
		switch {
		case err != nil:
			s.error(w, r, err)
			return
		case wait > 0:
			retryAfter(w, wait)
			s.error(w, r, &statusError{status: http.StatusTooManyRequests, err: kassa.Errorf(kassa.EUNAUTHORIZED,
				"Too many failed sign-ins. Try again in %s.", seconds(wait))})
			return
		}
		if !s.checkPassword(r.Context(), user, pass) {
			s.logins.fail(r.Context(), ip, user)
			s.log.Warn("admin API: wrong credentials", "ip", ip)
			s.askCredentials(w, r)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// askCredentials answers 401 with the Basic challenge.
func (s *Server) askCredentials(w http.ResponseWriter, r *http.Request) {
	w.Header().Add("WWW-Authenticate", `Basic realm="kassa admin", charset="UTF-8"`)
	w.Header().Add("WWW-Authenticate", `Bearer realm="kassa admin"`)
	s.error(w, r, kassa.Errorf(kassa.EUNAUTHORIZED, "Admin credentials required."))
}

// retryAfter sets the Retry-After header to wait in whole seconds,
// rounded up.
func retryAfter(w http.ResponseWriter, wait time.Duration) {
	w.Header().Set("Retry-After", strconv.Itoa(int((wait+time.Second-1)/time.Second)))
}

// seconds says wait in whole seconds, rounded up: "1 second", "12 seconds".
// secondsIn writes wait in l in whole seconds, rounded up.
func secondsIn(l *locale.Lang, wait time.Duration) string {
	return l.N("admin.seconds", int64((wait+time.Second-1)/time.Second))
}

func seconds(wait time.Duration) string {
	n := int((wait + time.Second - 1) / time.Second)
	if n == 1 {
		return "1 second"
	}
	return strconv.Itoa(n) + " seconds"
}

// apiRefusal is the admin API's CSRF defence. A browser sends cached Basic
// credentials along with a request another site makes it send, so a write
// is refused when Sec-Fetch-Site says it is cross-origin or its Origin is
// not this host (http.CrossOriginProtection), and a body must be JSON,
// which no cross-site form can send without a CORS preflight. It returns
// nil for an acceptable request, else the refusal (403 or 415).
func (s *Server) apiRefusal(r *http.Request) error {
	if err := s.xorigin.Check(r); err != nil {
		return &statusError{status: http.StatusForbidden, err: kassa.Errorf(kassa.EUNAUTHORIZED,
			"Cross-origin requests to the admin API are refused.")}
	}
	if r.Method == http.MethodGet || r.Method == http.MethodHead || r.ContentLength == 0 {
		return nil
	}
	if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || mt != "application/json" {
		return &statusError{status: http.StatusUnsupportedMediaType, err: kassa.Errorf(kassa.EINVALID,
			"The request body must be sent as application/json.")}
	}
	return nil
}

// checkPassword reports whether user and pass are the admin's current
// credentials (see adminPassword).
func (s *Server) checkPassword(ctx context.Context, user, pass string) bool {
	s.refreshPassword(ctx)
	okPass := s.passwd.check(pass)
	okUser := subtle.ConstantTimeCompare([]byte(user), []byte(adminUser)) == 1
	return okPass && okUser
}

// cut returns s cut to at most n bytes, on a character boundary.
func cut(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

// sessionFrom returns the session s.admin put in ctx.
func sessionFrom(ctx context.Context) (adminSession, bool) {
	sess, ok := ctx.Value(sessionCtxKey).(adminSession)
	return sess, ok
}
