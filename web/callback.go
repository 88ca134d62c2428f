package web

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/kassa-dev/kassa"
)

// callbackTestSetting records when the shop last received Resurs' callback test.
const callbackTestSetting = "web.callback_test_received_at"

// callback receives a Resurs callback of kind. The raw body goes to the
// engine, which stores it durably before the answer; nothing here calls MAPI.
// Answers: 202 stored (also duplicates and quarantined bodies), 400
// malformed, 403 bad token, 413 too large, 503 when the shop cannot store
// it (Resurs retries).
func (s *Server) callback(kind kassa.CallbackKind) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
		var mbe *http.MaxBytesError
		switch {
		case errors.As(err, &mbe):
			http.Error(w, "body too large", http.StatusRequestEntityTooLarge)
			return
		case err != nil:
			http.Error(w, "cannot read body", http.StatusBadRequest)
			return
		}
		err = s.cfg.Engine.ReceiveCallback(r.Context(), kind, r.URL.Query().Get("t"), body)
		status := callbackStatus(err)
		if status >= 500 {
			s.log.Error("callback not stored", "kind", kind, "err", err)
		}
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.WriteHeader(status)
		io.WriteString(w, http.StatusText(status)+"\n")
	}
}

// callbackStatus is the callback answer table (docs/architecture.md §Callback answers).
func callbackStatus(err error) int {
	switch kassa.ErrorCode(err) {
	case "":
		return http.StatusAccepted
	case kassa.EINVALID:
		return http.StatusBadRequest
	case kassa.EUNAUTHORIZED:
		return http.StatusForbidden
	}
	return http.StatusServiceUnavailable
}

// handleCallbackTest answers Resurs' "test callback" call (any method, any
// body) and records its time for the settings page. Only a call carrying
// the nonce the admin's test issued counts (403 otherwise), so nobody else
// can make the settings page say that Resurs reached the shop.
func (s *Server) handleCallbackTest(w http.ResponseWriter, r *http.Request) {
	_, _ = io.Copy(io.Discard, http.MaxBytesReader(w, r.Body, maxBody))
	ok, err := s.takeTestNonce(r.Context(), r.URL.Query().Get("n"))
	switch {
	case err != nil:
		s.log.Error("callback test", "err", err)
		http.Error(w, "cannot store", http.StatusServiceUnavailable)
		return
	case !ok:
		http.Error(w, "forbidden", http.StatusForbidden)
		return
	}
	if err := s.cfg.Store.PutSetting(r.Context(), callbackTestSetting, s.now().UTC().Format("2006-01-02T15:04:05Z")); err != nil {
		s.log.Error("callback test", "err", err)
		http.Error(w, "cannot store", http.StatusServiceUnavailable)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// callbackTestNonceSetting holds the outstanding callback test nonce and
// when it was issued ("<nonce> <RFC 3339 time>"); empty when none is.
const callbackTestNonceSetting = "web.callback_test_nonce"

// testNonceTTL bounds how long a nonce is accepted: Resurs calls back
// while the admin's test request waits for its answer.
const testNonceTTL = 2 * time.Minute

// issueTestNonce stores a fresh random nonce for one callback test and
// returns it; it replaces any earlier one.
func (s *Server) issueTestNonce(ctx context.Context) (string, error) {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("callback test nonce: %w", err)
	}
	n := hex.EncodeToString(b)
	if err := s.putTestNonce(ctx, n+" "+s.now().UTC().Format(time.RFC3339)); err != nil {
		return "", err
	}
	return n, nil
}

// takeTestNonce reports whether got is the outstanding, unexpired nonce
// (compared in constant time), and uses it up if it is: by a swap of the
// stored value for "", so that of two servers sharing the store only one
// takes it.
func (s *Server) takeTestNonce(ctx context.Context, got string) (bool, error) {
	v, _, err := s.cfg.Store.Setting(ctx, callbackTestNonceSetting)
	if err != nil {
		return false, fmt.Errorf("read callback test nonce: %w", err)
	}
	want, issued, found := strings.Cut(v, " ")
	at, perr := time.Parse(time.RFC3339, issued)
	switch {
	case !found || want == "" || got == "" || perr != nil || s.now().Sub(at) > testNonceTTL:
		return false, nil
	case subtle.ConstantTimeCompare([]byte(got), []byte(want)) != 1:
		return false, nil
	}
	took, err := s.cfg.Store.SwapSetting(ctx, callbackTestNonceSetting, v, "")
	if err != nil {
		return false, fmt.Errorf("use up callback test nonce: %w", err)
	}
	return took, nil
}

func (s *Server) putTestNonce(ctx context.Context, v string) error {
	if err := s.cfg.Store.PutSetting(ctx, callbackTestNonceSetting, v); err != nil {
		return fmt.Errorf("store callback test nonce: %w", err)
	}
	return nil
}
