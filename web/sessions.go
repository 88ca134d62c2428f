package web

import (
	"context"
	"crypto/pbkdf2"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"

	"github.com/kassa-dev/kassa"
	"github.com/kassa-dev/kassa/locale"
)

// adminPasswordSetting holds the admin password set on the sessions page,
// as "<iterations>$<salt>$<key>$<base>" (base64url): key is the new
// password and base the configured one it replaced, each derived with
// PBKDF2-SHA256 and the salt.
const adminPasswordSetting = "web.admin_password_hash"

// Password rules and the PBKDF2 work factor.
const (
	minPassword      = 12
	maxPassword      = 200
	pbkdf2Iterations = 100_000
)

// adminPassword is the admin's current password. It is Config.AdminPassword
// until the admin sets another on the sessions page; the new one is then
// stored (hashed) and holds across restarts for as long as
// Config.AdminPassword stays what it was. Configuring another password
// makes that one current and forgets the stored one: the way back in for
// an owner who forgot the password they set.
type adminPassword struct {
	mu     sync.RWMutex
	digest [32]byte // SHA-256 of the current password, when known
	known  bool     // false until the stored password is first entered
	stored *passwordHash
	// shared: other servers may change the stored password (Config.Shared),
	// so check reads it first and follows a change (raw is what was read).
	shared bool
	raw    string
}

// passwordHash is the parsed adminPasswordSetting.
type passwordHash struct {
	iter            int
	salt, key, base []byte
}

// AdminPasswordChanged reports whether a password set in the admin is in
// force instead of the configured (or generated) one, so that the
// start-up banner does not print a password that no longer works.
func (s *Server) AdminPasswordChanged() bool {
	s.passwd.mu.RLock()
	defer s.passwd.mu.RUnlock()
	return s.passwd.stored != nil
}

// loadPassword returns the current admin password: the stored one if
// configured was current when it was set, else configured.
func loadPassword(ctx context.Context, st kassa.Settings, configured string) (*adminPassword, error) {
	p := &adminPassword{digest: sha256.Sum256([]byte(configured)), known: true}
	v, ok, err := st.Setting(ctx, adminPasswordSetting)
	if err != nil || !ok || v == "" {
		return p, err
	}
	h, err := parsePasswordHash(v)
	if err != nil {
		return nil, fmt.Errorf("stored admin password: %w", err)
	}
	base, err := h.derive(configured)
	if err != nil {
		return nil, err
	}
	if subtle.ConstantTimeCompare(base, h.base) != 1 {
		// Another password was configured since: forget the one set in
		// the admin, so that configuring the old one again does not bring
		// it back.
		return p, st.PutSetting(ctx, adminPasswordSetting, "")
	}
	p.stored, p.known, p.raw = h, false, v
	return p, nil
}

// follow makes p what the stored setting v says, when v is not what p was
// built from: another server changed the password. Unlike loadPassword it
// writes nothing; a stored password set against another configured one is
// ignored, as loadPassword ignores it.
func (p *adminPassword) follow(v, configured string) {
	p.mu.RLock()
	same := v == p.raw
	p.mu.RUnlock()
	if same {
		return
	}
	h, err := parsePasswordHash(v)
	var base []byte
	if err == nil {
		base, err = h.derive(configured)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.raw = v
	if v == "" || err != nil || subtle.ConstantTimeCompare(base, h.base) != 1 {
		p.digest, p.known, p.stored = sha256.Sum256([]byte(configured)), true, nil
		return
	}
	p.known, p.stored = false, h
}

// refresh follows the stored password when other servers share the store.
// A store that cannot be read leaves p as it is.
func (s *Server) refreshPassword(ctx context.Context) {
	if !s.passwd.shared {
		return
	}
	v, _, err := s.cfg.Store.Setting(ctx, adminPasswordSetting)
	if err != nil {
		s.log.Warn("read the admin password", "err", err)
		return
	}
	s.passwd.follow(v, s.cfg.AdminPassword)
}

func parsePasswordHash(v string) (*passwordHash, error) {
	parts := strings.Split(v, "$")
	if len(parts) != 4 {
		return nil, errors.New("not iterations$salt$key$base")
	}
	h := &passwordHash{}
	var err error
	if h.iter, err = strconv.Atoi(parts[0]); err != nil || h.iter < 1 {
		return nil, fmt.Errorf("bad iteration count %q", parts[0])
	}
	for i, dst := range []*[]byte{&h.salt, &h.key, &h.base} {
		if *dst, err = base64.RawURLEncoding.DecodeString(parts[i+1]); err != nil {
			return nil, fmt.Errorf("part %d: %w", i+2, err)
		}
	}
	return h, nil
}

func (h *passwordHash) String() string {
	enc := base64.RawURLEncoding.EncodeToString
	return strconv.Itoa(h.iter) + "$" + enc(h.salt) + "$" + enc(h.key) + "$" + enc(h.base)
}

func (h *passwordHash) derive(pass string) ([]byte, error) {
	k, err := pbkdf2.Key(sha256.New, pass, h.salt, h.iter, sha256.Size)
	if err != nil {
		return nil, fmt.Errorf("derive password key: %w", err)
	}
	return k, nil
}

// check reports whether pass is the current password, in constant time.
func (p *adminPassword) check(pass string) bool {
	digest := sha256.Sum256([]byte(pass))
	p.mu.RLock()
	known, want, stored := p.known, p.digest, p.stored
	p.mu.RUnlock()
	if known {
		return subtle.ConstantTimeCompare(digest[:], want[:]) == 1
	}
	key, err := stored.derive(pass)
	if err != nil || subtle.ConstantTimeCompare(key, stored.key) != 1 {
		return false
	}
	p.mu.Lock()
	if p.stored == stored { // not changed meanwhile
		p.digest, p.known = digest, true
	}
	p.mu.Unlock()
	return true
}

// set stores pass as the current password; configured is the configured
// password it replaces.
func (p *adminPassword) set(ctx context.Context, st kassa.Settings, pass, configured string) error {
	h := &passwordHash{iter: pbkdf2Iterations, salt: make([]byte, 16)}
	if _, err := rand.Read(h.salt); err != nil {
		return fmt.Errorf("password salt: %w", err)
	}
	var err error
	if h.key, err = h.derive(pass); err != nil {
		return err
	}
	if h.base, err = h.derive(configured); err != nil {
		return err
	}
	raw := h.String()
	if err := st.PutSetting(ctx, adminPasswordSetting, raw); err != nil {
		return err
	}
	p.mu.Lock()
	p.digest, p.known, p.stored, p.raw = sha256.Sum256([]byte(pass)), true, h, raw
	p.mu.Unlock()
	return nil
}

type sessionsPage struct {
	Sessions []sessionRow
	Notice   string
	Problem  string
	Errors   map[string]string
}

func (*sessionsPage) title(l *locale.Lang) string { return l.T("admin.nav.sessions") }

// MinPassword is the shortest password the form takes.
func (*sessionsPage) MinPassword() int { return minPassword }

// Err is the message of a field of the password form.
func (p *sessionsPage) Err(field string) string { return p.Errors[field] }

// sessionRow is a session as the sessions page lists it.
type sessionRow struct {
	kassa.Session
	Ref     string // the hex of IDHash: names the session in its end URL
	Current bool   // the session of the request
}

func (s *Server) handleSessions(w http.ResponseWriter, r *http.Request) error {
	p, err := s.sessionsPage(r)
	if err != nil {
		return err
	}
	switch l := s.lang(r); {
	case r.URL.Query().Get("ended") == "1":
		p.Notice = l.T("admin.sessions.ended")
	case r.URL.Query().Get("password") == "changed":
		p.Notice = l.T("admin.sessions.password_changed")
	}
	s.render(w, r, http.StatusOK, "sessions", p)
	return nil
}

// sessionsPage lists the admin's active sessions.
func (s *Server) sessionsPage(r *http.Request) (*sessionsPage, error) {
	cur, _ := sessionFrom(r.Context())
	now := s.now()
	if _, err := s.cfg.Store.PurgeSessions(r.Context(), now); err != nil {
		return nil, err
	}
	list, err := s.cfg.Store.Sessions(r.Context(), adminUser, now)
	if err != nil {
		return nil, err
	}
	p := &sessionsPage{Errors: map[string]string{}}
	for _, ses := range list {
		p.Sessions = append(p.Sessions, sessionRow{Session: ses, Ref: hex.EncodeToString(ses.IDHash[:]),
			Current: ses.IDHash == cur.IDHash})
	}
	return p, nil
}

// handleEndSession ends the session named in the path. Ending the
// current one logs out.
func (s *Server) handleEndSession(w http.ResponseWriter, r *http.Request) error {
	id, err := parseSessionRef(r.PathValue("id"))
	if err != nil {
		return err
	}
	if err := s.cfg.Store.DeleteSession(r.Context(), id); err != nil {
		return err
	}
	s.log.Info("admin: session ended", "ip", s.clientIP(r))
	if cur, _ := sessionFrom(r.Context()); cur.IDHash == id {
		s.clearAdminCookie(w)
		http.Redirect(w, r, "/admin/login", http.StatusSeeOther)
		return nil
	}
	http.Redirect(w, r, "/admin/sessions?ended=1", http.StatusSeeOther)
	return nil
}

// parseSessionRef reads a sessionRow.Ref; ENOTFOUND when it is none.
func parseSessionRef(ref string) (kassa.SessionHash, error) {
	var id kassa.SessionHash
	b, err := hex.DecodeString(ref)
	if err != nil || len(b) != len(id) {
		return id, locale.Error(kassa.ENOTFOUND, "admin.sessions.no_such")
	}
	copy(id[:], b)
	return id, nil
}

// handlePasswordPost changes the admin password and ends every other
// session. The current password is checked, and limited, like a login.
func (s *Server) handlePasswordPost(w http.ResponseWriter, r *http.Request) error {
	ip, l := s.clientIP(r), s.lang(r)
	wait, err := s.logins.wait(r.Context(), ip, adminUser)
	switch {
	case err != nil:
		return s.passwordProblem(w, r, http.StatusServiceUnavailable, map[string]string{
			"current": l.T("admin.login.unavailable")})
	case wait > 0:
		retryAfter(w, wait)
		return s.passwordProblem(w, r, http.StatusTooManyRequests, map[string]string{
			"current": l.T("admin.login.too_many", "Wait", secondsIn(l, wait))})
	}
	s.refreshPassword(r.Context())
	if !s.passwd.check(r.PostFormValue("current")) {
		s.logins.fail(r.Context(), ip, adminUser)
		s.log.Warn("admin: password change with a wrong password", "ip", ip)
		return s.passwordProblem(w, r, http.StatusUnprocessableEntity, map[string]string{"current": l.T("admin.login.wrong")})
	}
	next := r.PostFormValue("new")
	if errs := newPasswordErrors(l, next, r.PostFormValue("confirm"), r.PostFormValue("current")); len(errs) > 0 {
		return s.passwordProblem(w, r, http.StatusUnprocessableEntity, errs)
	}
	if err := s.passwd.set(r.Context(), s.cfg.Store, next, s.cfg.AdminPassword); err != nil {
		return err
	}
	cur, _ := sessionFrom(r.Context())
	n, err := s.cfg.Store.DeleteSessions(r.Context(), adminUser, cur.IDHash)
	if err != nil {
		return err
	}
	s.log.Info("admin: password changed", "ip", ip, "sessionsEnded", n)
	http.Redirect(w, r, "/admin/sessions?password=changed", http.StatusSeeOther)
	return nil
}

// newPasswordErrors checks a new password and its confirmation, saying
// what is wrong in l.
func newPasswordErrors(l *locale.Lang, next, confirm, current string) map[string]string {
	errs := map[string]string{}
	switch n := len([]rune(next)); {
	case n < minPassword:
		errs["new"] = l.T("admin.password.too_short", "Min", minPassword)
	case n > maxPassword:
		errs["new"] = l.T("admin.password.too_long", "Max", maxPassword)
	case next == current:
		errs["new"] = l.T("admin.password.same")
	case next != confirm:
		errs["confirm"] = l.T("admin.password.differ")
	}
	return errs
}

// passwordProblem shows the sessions page with the password form's errors;
// nothing was changed.
func (s *Server) passwordProblem(w http.ResponseWriter, r *http.Request, status int, errs map[string]string) error {
	p, err := s.sessionsPage(r)
	if err != nil {
		return err
	}
	p.Errors = errs
	p.Problem = s.lang(r).T("admin.password.not_changed")
	s.render(w, r, status, "sessions", p)
	return nil
}
