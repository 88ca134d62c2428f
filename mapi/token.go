package mapi

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"
)

// tokenRoute is the Observe endpoint of the token request.
const tokenRoute = "POST /oauth2/token"

// expiryMargin is how long before expires_in a cached token is dropped, so a
// token never expires on its way to Resurs.
const expiryMargin = 60 * time.Second

// tokenSource fetches OAuth2 client-credentials tokens and caches them.
// At most one fetch runs at a time; concurrent callers wait for it.
type tokenSource struct {
	c *Client

	mu       sync.Mutex
	token    string
	expires  time.Time  // when token stops being used
	inflight *tokenCall // the fetch in progress, or nil
}

// tokenCall is one fetch shared by every caller that needed a token meanwhile.
type tokenCall struct {
	done  chan struct{}
	token string
	err   error
}

// get returns a valid token, fetching one if needed.
func (ts *tokenSource) get(ctx context.Context) (string, error) {
	ts.mu.Lock()
	if ts.token != "" && ts.c.now().Before(ts.expires) {
		tok := ts.token
		ts.mu.Unlock()
		return tok, nil
	}
	call := ts.inflight
	if call == nil {
		call = &tokenCall{done: make(chan struct{})}
		ts.inflight = call
		// The fetch outlives a caller that gives up: the others still wait for it.
		go ts.fetchInto(context.WithoutCancel(ctx), call)
	}
	ts.mu.Unlock()
	select {
	case <-call.done:
		return call.token, call.err
	case <-ctx.Done():
		return "", ctx.Err()
	}
}

// invalidate drops the cached token if it is still tok (the one a 401
// answer refused), so that concurrent 401s lead to a single new fetch.
func (ts *tokenSource) invalidate(tok string) {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	if ts.token == tok {
		ts.token, ts.expires = "", time.Time{}
	}
}

// fetchInto runs one token request and publishes its result.
func (ts *tokenSource) fetchInto(ctx context.Context, call *tokenCall) {
	ctx, cancel := context.WithTimeout(ctx, ts.c.timeout)
	defer cancel()
	tok, ttl, err := ts.fetch(ctx)
	ts.mu.Lock()
	if err == nil {
		ts.token, ts.expires = tok, ts.c.now().Add(cacheFor(ttl))
	}
	ts.inflight = nil
	ts.mu.Unlock()
	call.token, call.err = tok, err
	close(call.done)
}

// cacheFor is how long a token with lifetime ttl is used: until expiryMargin
// before it expires, or half its life when that is shorter than two margins.
func cacheFor(ttl time.Duration) time.Duration {
	if ttl < 2*expiryMargin {
		return ttl / 2
	}
	return ttl - expiryMargin
}

// tokenResponse is the answer of POST /oauth2/token (docs/mapi.md §Authentication).
type tokenResponse struct {
	AccessToken string `json:"access_token"`
	TokenType   string `json:"token_type"`
	ExpiresIn   int64  `json:"expires_in"`
}

// fetch performs POST {base}/oauth2/token with a form body.
func (ts *tokenSource) fetch(ctx context.Context) (string, time.Duration, error) {
	c := ts.c
	form := url.Values{
		"client_id":     {c.cfg.ClientID},
		"client_secret": {c.cfg.ClientSecret},
		"grant_type":    {"client_credentials"},
		"scope":         {c.scope},
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.base+"/oauth2/token", strings.NewReader(form.Encode()))
	if err != nil {
		return "", 0, &Error{Op: "token", Err: err}
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	res := c.send(req, tokenRoute)
	if res.err != nil || res.status >= 300 {
		e := res.failure("token")
		e.ambiguous = false // a token request has no effect worth knowing about
		return "", 0, e
	}
	var tr tokenResponse
	err = json.Unmarshal(res.body, &tr)
	if err == nil && tr.AccessToken == "" {
		err = errors.New("no access_token in answer")
	}
	if err != nil {
		return "", 0, &Error{Op: "token", HTTPStatus: res.status, Body: excerpt(res.body), Err: fmt.Errorf("read token: %w", err)}
	}
	if tr.TokenType != "" && !strings.EqualFold(tr.TokenType, "bearer") {
		return "", 0, &Error{Op: "token", HTTPStatus: res.status, Message: "unsupported token_type " + tr.TokenType}
	}
	return tr.AccessToken, time.Duration(tr.ExpiresIn) * time.Second, nil
}
