package mapisim

import (
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strings"
)

// handler is an API handler; a returned error is written as a MAPI error body (docs/mapi.md §Errors).
type handler func(w http.ResponseWriter, r *http.Request) error

func (s *Sim) routes() *http.ServeMux {
	mux := http.NewServeMux()
	api := func(pattern string, h handler) { mux.Handle(pattern, s.withFaults(pattern, s.authed(h))) }
	mux.Handle("POST /oauth2/token", s.withFaults("POST /oauth2/token", http.HandlerFunc(s.handleToken)))
	api("GET /v2/stores", s.handleStores)
	api("GET /v2/stores/{storeId}/payment_methods", s.handleMethods)
	api("GET /v2/stores/{storeId}/payment_methods/{methodId}/price_signage", s.handlePriceSignage)
	api("GET /v2/stores/{storeId}/payment_methods/{methodId}/annuity_factors", s.handleAnnuityFactors)
	api("POST /v2/customers/address/by_government_id", s.handleGetAddress)
	api("POST /v2/payments", s.handleCreate)
	api("GET /v2/payments/{id}", s.handleGet)
	api("POST /v2/payments/search", s.handleSearch)
	api("GET /v2/payments/{id}/tasks/status", s.handleTaskStatus)
	api("GET /v2/payments/{id}/actions/{actionId}", s.handleAction)
	api("POST /v2/payments/{id}/capture", s.handleCapture)
	api("POST /v2/payments/{id}/cancel", s.handleCancel)
	api("POST /v2/payments/{id}/refund", s.handleRefund)
	api("POST /v2/payments/{id}/order", s.handleAddLines)
	api("PUT /v2/payments/{id}/metadata", s.handleMetadata)
	api("POST /v2/callbacks/test", s.handleCallbackTest)
	api("GET /v2/callbacks/payments/{id}/stream", s.handleStream)
	mux.Handle("/v2/", s.withFaults("*", s.authed(func(w http.ResponseWriter, r *http.Request) error {
		return errorf(http.StatusNotFound, "No endpoint %s %s", r.Method, r.URL.Path)
	})))
	s.customerRoutes(mux)
	return mux
}

// customerRoutes adds the pages a customer's browser is sent to: the
// signing page with its form, and the legal documents of the methods.
func (s *Sim) customerRoutes(mux *http.ServeMux) {
	mux.Handle("GET /sign/{id}", s.withFaults("GET /sign/{id}", http.HandlerFunc(s.handleSignPage)))
	mux.Handle("POST /sign/{id}", s.withFaults("POST /sign/{id}", http.HandlerFunc(s.handleSignPost)))
	mux.HandleFunc("GET /legal/{methodId}/{type}", s.handleLegal)
}

// CustomerHandler returns a handler that serves only what a customer's
// browser needs (the signing page and its form, the legal documents) and
// answers 404 to everything else: the OAuth2 token, the whole /v2 API.
// A shop that embeds the simulator publishes this one and talks to the
// API through Transport.
func (s *Sim) CustomerHandler() http.Handler {
	mux := http.NewServeMux()
	s.customerRoutes(mux)
	return mux
}

// authed checks the bearer token, then runs h and writes its error.
func (s *Sim) authed(h handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := s.checkToken(r); err != nil {
			w.Header().Set("WWW-Authenticate", `Bearer realm="mapi"`)
			s.writeError(w, err)
			return
		}
		if err := h(w, r); err != nil {
			s.writeError(w, err)
		}
	})
}

func (s *Sim) checkToken(r *http.Request) error {
	auth := r.Header.Get("Authorization")
	scheme, tok, ok := strings.Cut(auth, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") || tok == "" {
		return errorf(http.StatusUnauthorized, "Full authentication is required to access this resource")
	}
	s.tokMu.Lock()
	exp, known := s.tokens[tok]
	s.tokMu.Unlock()
	switch {
	case !known:
		return errorf(http.StatusUnauthorized, "Invalid access token")
	case !s.clock.Now().Before(exp):
		return errorf(http.StatusUnauthorized, "Access token expired")
	}
	return nil
}

// tokenRequest is the OAuth2 client-credentials request, form or JSON.
type tokenRequest struct {
	ClientID     string `json:"client_id"`
	ClientSecret string `json:"client_secret"`
	GrantType    string `json:"grant_type"`
	Scope        string `json:"scope"`
}

func (s *Sim) handleToken(w http.ResponseWriter, r *http.Request) {
	req, err := readTokenRequest(r)
	if err != nil {
		oauthError(w, http.StatusBadRequest, "invalid_request", err.Error())
		return
	}
	if !s.validClient(req.ClientID, req.ClientSecret) {
		oauthError(w, http.StatusUnauthorized, "invalid_client", "Bad client credentials")
		return
	}
	if req.GrantType != "client_credentials" {
		oauthError(w, http.StatusBadRequest, "unsupported_grant_type", "grant_type must be client_credentials")
		return
	}
	if req.Scope != "merchant-api" && req.Scope != "mock-merchant-api" {
		oauthError(w, http.StatusBadRequest, "invalid_scope", "scope must be merchant-api or mock-merchant-api")
		return
	}
	tok := strings.ReplaceAll(s.newID()+s.newID(), "-", "")
	s.tokMu.Lock()
	s.pruneTokensLocked()
	s.tokens[tok] = s.clock.Now().Add(s.opts.TokenTTL)
	s.tokMu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{
		"access_token": tok, "token_type": "Bearer", "expires_in": int(s.opts.TokenTTL / 1e9),
	})
}

// pruneTokensLocked forgets expired tokens once the table grows.
func (s *Sim) pruneTokensLocked() {
	if len(s.tokens) < 1024 {
		return
	}
	now := s.clock.Now()
	for t, exp := range s.tokens {
		if !now.Before(exp) {
			delete(s.tokens, t)
		}
	}
}

func (s *Sim) validClient(id, secret string) bool {
	okID := subtle.ConstantTimeCompare([]byte(id), []byte(s.opts.ClientID)) == 1
	okSecret := subtle.ConstantTimeCompare([]byte(secret), []byte(s.opts.ClientSecret)) == 1
	return okID && okSecret
}

// readTokenRequest reads a form-urlencoded or JSON body; HTTP Basic
// credentials fill in a missing client id and secret.
func readTokenRequest(r *http.Request) (tokenRequest, error) {
	var req tokenRequest
	body, err := io.ReadAll(http.MaxBytesReader(nil, r.Body, 64<<10))
	if err != nil {
		return req, fmt.Errorf("read body: %w", err)
	}
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if ct == "application/json" || strings.HasPrefix(strings.TrimSpace(string(body)), "{") {
		if err := json.Unmarshal(body, &req); err != nil {
			return req, fmt.Errorf("malformed JSON body: %w", err)
		}
	} else {
		v, err := url.ParseQuery(string(body))
		if err != nil {
			return req, fmt.Errorf("malformed form body: %w", err)
		}
		req = tokenRequest{v.Get("client_id"), v.Get("client_secret"), v.Get("grant_type"), v.Get("scope")}
	}
	if id, secret, ok := r.BasicAuth(); ok && req.ClientID == "" {
		req.ClientID, req.ClientSecret = id, secret
	}
	return req, nil
}

// decodeBody reads a JSON request body into v. An empty body is an error
// unless allowEmpty.
func decodeBody(r *http.Request, v any, allowEmpty bool) error {
	body, err := io.ReadAll(http.MaxBytesReader(nil, r.Body, 8<<20))
	if err != nil {
		return errorf(http.StatusBadRequest, "Request body could not be read: %v", err)
	}
	if len(strings.TrimSpace(string(body))) == 0 {
		if allowEmpty {
			return nil
		}
		return errorf(http.StatusBadRequest, "Required request body is missing")
	}
	if err := json.Unmarshal(body, v); err != nil {
		return jsonError(err)
	}
	return nil
}

// jsonError turns a decoding error into a MAPI error body naming the field.
func jsonError(err error) error {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) && te.Field != "" {
		return validation(map[string]string{te.Field: "must be of type " + te.Type.String()})
	}
	return errorf(http.StatusBadRequest, "Malformed JSON request: %v", err)
}
