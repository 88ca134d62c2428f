package web

import (
	"errors"
	"io"
	"net"
	"net/http"

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

// callbackStatus is the callback answer table (design.md §3).
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
// body) and records its time for the settings page.
func (s *Server) handleCallbackTest(w http.ResponseWriter, r *http.Request) {
	_, _ = io.Copy(io.Discard, http.MaxBytesReader(w, r.Body, maxBody))
	if err := s.cfg.Store.PutSetting(r.Context(), callbackTestSetting, s.now().UTC().Format("2006-01-02T15:04:05Z")); err != nil {
		s.log.Error("callback test", "err", err)
		http.Error(w, "cannot store", http.StatusServiceUnavailable)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// clientIP is the peer address of r. Forwarded headers are not trusted.
func clientIP(r *http.Request) string {
	ip, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return ip
}
