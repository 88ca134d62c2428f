package web

import (
	"context"
	"crypto/subtle"
	"net/http"
	"strings"
	"time"

	"github.com/kassa-dev/kassa"
	"github.com/kassa-dev/kassa/locale"
)

// API keys (README.md §Use kassa from your own shop). Every /api/admin/…
// route, and POST /api/checkouts, takes `Authorization: Bearer <key>` as
// well as HTTP Basic. A key is looked up by its SHA-256 in the store on
// every request, never cached, so that a revoke (in the admin, or by
// `kassa keys revoke` in another process) counts from the next request.
// Failed keys drain the same per-client bucket as failed passwords.

// keyTouchEvery is how stale a key's LastUsedAt may get before a request
// writes it again: the list shows the last use to the minute, and a busy
// integration does not write on every call.
const keyTouchEvery = time.Minute

// bearerKey returns the key of an `Authorization: Bearer` header.
func bearerKey(r *http.Request) (string, bool) {
	scheme, key, ok := strings.Cut(r.Header.Get("Authorization"), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return "", false
	}
	return strings.TrimSpace(key), true
}

// bearer serves r with next if key is a valid API key; otherwise 401 (or
// 429 once the client failed too often).
func (s *Server) bearer(w http.ResponseWriter, r *http.Request, key string, next http.Handler) {
	ip := s.clientIP(r)
	wait, err := s.logins.waitClient(r.Context(), ip)
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
	k, err := s.checkKey(r.Context(), key)
	switch {
	case kassa.ErrorCode(err) == kassa.ENOTFOUND:
		s.logins.failClient(r.Context(), ip)
		s.log.Warn("admin API: unknown or revoked API key", "ip", ip)
		s.askCredentials(w, r)
		return
	case err != nil:
		s.error(w, r, err)
		return
	}
	s.touchKey(r.Context(), k)
	next.ServeHTTP(w, r)
}

// checkKey returns the valid key key; ENOTFOUND for an unknown, revoked or
// malformed one.
func (s *Server) checkKey(ctx context.Context, key string) (kassa.APIKey, error) {
	if !strings.HasPrefix(key, kassa.APIKeyPrefix) || len(key) > 200 {
		return kassa.APIKey{}, kassa.Errorf(kassa.ENOTFOUND, "Not an API key.")
	}
	h := kassa.HashAPIKey(key)
	k, err := s.cfg.Store.APIKeyByHash(ctx, h)
	if err != nil {
		return k, err
	}
	if subtle.ConstantTimeCompare(k.Hash[:], h[:]) != 1 {
		return kassa.APIKey{}, kassa.Errorf(kassa.ENOTFOUND, "Not an API key.")
	}
	return k, nil
}

// touchKey records the key's use, at most once per keyTouchEvery. A
// failed write is logged: it must not refuse the request.
func (s *Server) touchKey(ctx context.Context, k kassa.APIKey) {
	now := s.now()
	if now.Sub(k.LastUsedAt) < keyTouchEvery {
		return
	}
	if err := s.cfg.Store.TouchAPIKey(context.WithoutCancel(ctx), k.ID, now); err != nil {
		s.log.Error("record API key use", "key", k.ID, "err", err)
	}
}

// keysPage is Admin → API keys.
type keysPage struct {
	Keys    []kassa.APIKey
	Created string // the key just created, shown this once
	Name    string // of the key just created
	Notice  string
	Problem string
}

func (*keysPage) title(l *locale.Lang) string { return l.T("admin.keys.title") }

func (s *Server) handleKeys(w http.ResponseWriter, r *http.Request) error {
	p := &keysPage{}
	if r.URL.Query().Get("revoked") == "1" {
		p.Notice = s.lang(r).T("admin.keys.revoked")
	}
	return s.renderKeys(w, r, http.StatusOK, p)
}

// renderKeys shows the keys page with p's messages.
func (s *Server) renderKeys(w http.ResponseWriter, r *http.Request, status int, p *keysPage) error {
	ks, err := s.cfg.Store.APIKeys(r.Context())
	if err != nil {
		return err
	}
	p.Keys = ks
	s.render(w, r, status, "apikeys", p)
	return nil
}

// handleKeyCreate creates a key and shows it, this once. Unlike other
// forms it answers the POST with the page rather than a redirect: the key
// is stored only hashed, so no later GET could show it. The answer is
// not cached.
func (s *Server) handleKeyCreate(w http.ResponseWriter, r *http.Request) error {
	name := strings.TrimSpace(r.PostFormValue("name"))
	key, k, err := kassa.NewAPIKey(name, s.now())
	if err != nil {
		return err
	}
	if err := s.cfg.Store.CreateAPIKey(r.Context(), k); err != nil {
		if kassa.ErrorCode(err) != kassa.EINVALID {
			return err
		}
		return s.renderKeys(w, r, http.StatusUnprocessableEntity,
			&keysPage{Problem: s.lang(r).T("admin.keys.bad_name")})
	}
	s.log.Info("admin: API key created", "key", k.ID, "prefix", k.Prefix, "ip", s.clientIP(r))
	w.Header().Set("Cache-Control", "no-store")
	return s.renderKeys(w, r, http.StatusOK, &keysPage{Created: key, Name: k.Name})
}

// handleKeyRevoke revokes the key named in the path.
func (s *Server) handleKeyRevoke(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	if err := s.cfg.Store.RevokeAPIKey(r.Context(), id, s.now()); err != nil {
		return err
	}
	s.log.Info("admin: API key revoked", "key", id, "ip", s.clientIP(r))
	http.Redirect(w, r, "/admin/keys?revoked=1", http.StatusSeeOther)
	return nil
}
