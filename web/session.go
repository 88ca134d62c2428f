package web

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"errors"
	"mime"
	"net/http"
	"strings"
	"time"

	"github.com/kassa-dev/kassa"
)

const (
	cartCookie    = "kassa_cart"
	adminCookie   = "kassa_admin"
	adminLifetime = 12 * time.Hour
	maxCartLines  = 50
	maxQuantity   = 99
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

// adminSession is the signed admin cookie's content.
type adminSession struct {
	ID      string `json:"i"` // random; the CSRF token derives from it
	Expires int64  `json:"e"` // unix seconds
}

func (s *Server) newAdminSession(w http.ResponseWriter) {
	id := make([]byte, 18)
	_, _ = rand.Read(id)
	sess := adminSession{ID: base64.RawURLEncoding.EncodeToString(id), Expires: s.now().Add(adminLifetime).Unix()}
	b, _ := json.Marshal(sess)
	s.setCookie(w, adminCookie, s.sign(adminCookie, b), adminLifetime)
}

// adminSession returns the valid session of r, or false.
func (s *Server) adminSession(r *http.Request) (adminSession, bool) {
	var sess adminSession
	ck, err := r.Cookie(adminCookie)
	if err != nil {
		return sess, false
	}
	b, err := s.verify(adminCookie, ck.Value)
	if err != nil || json.Unmarshal(b, &sess) != nil || sess.ID == "" || s.now().Unix() >= sess.Expires {
		return sess, false
	}
	return sess, true
}

// csrfToken is the token every admin form carries.
func (s *Server) csrfToken(sess adminSession) string { return s.mac("csrf", sess.ID) }

func (s *Server) validCSRF(r *http.Request, sess adminSession) bool {
	got := r.PostFormValue("csrf")
	return got != "" && subtle.ConstantTimeCompare([]byte(got), []byte(s.csrfToken(sess))) == 1
}

// admin guards an admin page: no valid session → redirect to the login
// form; a POST without the session's CSRF token → 403, nothing done.
func (s *Server) admin(fn handlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sess, ok := s.adminSession(r)
		if !ok {
			if r.Method == http.MethodGet {
				http.Redirect(w, r, "/admin/login?next="+urlQueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
				return
			}
			s.error(w, r, kassa.Errorf(kassa.EUNAUTHORIZED, "Please log in again."))
			return
		}
		if r.Method == http.MethodPost && !s.validCSRF(r, sess) {
			s.render(w, r, http.StatusForbidden, "error", &errorPage{Status: http.StatusForbidden,
				Message: "The form has expired. Go back, reload the page and try again."})
			return
		}
		ctx := contextWithSession(r.Context(), sess)
		if err := fn(w, r.WithContext(ctx)); err != nil {
			s.error(w, r, err)
		}
	})
}

// basic guards the admin JSON API with HTTP Basic (user "admin"), and
// refuses cross-site writes (see apiRefusal).
func (s *Server) basic(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := s.apiRefusal(r); err != nil {
			s.error(w, r, err)
			return
		}
		user, pass, ok := r.BasicAuth()
		if !ok || !s.checkPassword(user, pass) {
			w.Header().Set("WWW-Authenticate", `Basic realm="kassa admin", charset="UTF-8"`)
			s.error(w, r, kassa.Errorf(kassa.EUNAUTHORIZED, "Admin credentials required."))
			return
		}
		next.ServeHTTP(w, r)
	})
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

// checkPassword compares in constant time (over hashes, so length leaks nothing).
func (s *Server) checkPassword(user, pass string) bool {
	a := sha256.Sum256([]byte(pass))
	b := sha256.Sum256([]byte(s.cfg.AdminPassword))
	okPass := subtle.ConstantTimeCompare(a[:], b[:]) == 1
	okUser := subtle.ConstantTimeCompare([]byte(user), []byte("admin")) == 1
	return okPass && okUser
}
