package mapi

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"strings"
	"sync/atomic"
	"time"
)

// Base URLs of Resurs' Merchant API (docs/mapi.md §Environments).
const (
	TestURL       = "https://merchant-api.integration.resurs.com"
	ProductionURL = "https://merchant-api.resurs.com"
)

// DefaultScope is the OAuth2 scope of the Merchant API.
const DefaultScope = "merchant-api"

// maxBody bounds how much of an answer is read.
const maxBody = 16 << 20

// Config configures a Client. Only ClientID and ClientSecret are required.
type Config struct {
	BaseURL      string        // default TestURL; a path prefix is kept (http://127.0.0.1:8080/sim)
	ClientID     string        // OAuth2 client id
	ClientSecret string        // OAuth2 client secret
	Scope        string        // default "merchant-api"
	HTTPClient   *http.Client  // default: a client with sane transport timeouts
	Timeout      time.Duration // per call (retries and token included) when ctx has no deadline; default 30s
	MaxRetries   int           // retries for safe reads; default 2; negative = none
	UserAgent    string        // default "kassa-mapi/1"
	// Observe, when set, is called after every HTTP call: endpoint is a route template such as
	// "GET /v2/payments/{id}", status the HTTP status (0 when none), err the call's error.
	Observe func(endpoint string, status int, err error, d time.Duration)
}

// Client calls the Merchant API. It is safe for concurrent use; create one
// per set of credentials and keep it, so its token is reused.
type Client struct {
	cfg        Config
	base       string
	scope      string
	hc         *http.Client
	timeout    time.Duration
	maxRetries int
	userAgent  string
	tokens     *tokenSource

	// Seams for tests.
	now    func() time.Time
	sleep  func(context.Context, time.Duration) error
	jitter func(int64) int64
}

// New returns a Client for cfg, filling in the defaults.
func New(cfg Config) *Client {
	c := &Client{
		cfg:        cfg,
		base:       strings.TrimRight(cmpOr(cfg.BaseURL, TestURL), "/"),
		scope:      cmpOr(cfg.Scope, DefaultScope),
		hc:         cfg.HTTPClient,
		timeout:    cfg.Timeout,
		maxRetries: cfg.MaxRetries,
		userAgent:  cmpOr(cfg.UserAgent, "kassa-mapi/1"),
		now:        time.Now,
		sleep:      sleepCtx,
		jitter:     rand.Int64N,
	}
	if c.hc == nil {
		c.hc = defaultHTTPClient()
	}
	if c.timeout <= 0 {
		c.timeout = 30 * time.Second
	}
	switch {
	case c.maxRetries == 0:
		c.maxRetries = 2
	case c.maxRetries < 0:
		c.maxRetries = 0
	}
	c.tokens = &tokenSource{c: c}
	return c
}

func cmpOr(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// defaultHTTPClient bounds every phase of a connection; the whole call is
// bounded by the context.
func defaultHTTPClient() *http.Client {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.DialContext = (&net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}).DialContext
	t.TLSHandshakeTimeout = 10 * time.Second
	t.ResponseHeaderTimeout = 30 * time.Second
	t.ExpectContinueTimeout = time.Second
	t.MaxIdleConnsPerHost = 32
	t.IdleConnTimeout = 90 * time.Second
	return &http.Client{Transport: t}
}

// call describes one API operation.
type call struct {
	op     string     // client method, for errors: "CreatePayment"
	method string     // HTTP method
	route  string     // route template, for Observe: "POST /v2/payments"
	path   string     // escaped path: "/v2/payments"
	query  url.Values // may be nil
	body   any        // JSON body; nil sends none
	safe   bool       // a read that may be retried
}

// do runs c with retries and token handling and decodes a 2xx answer into out
// (nil to ignore it). It returns the raw answer body as well.
func (cl *Client) do(ctx context.Context, c call, out any) ([]byte, error) {
	var body []byte
	if c.body != nil {
		b, err := json.Marshal(c.body)
		if err != nil {
			return nil, &Error{Op: c.op, Err: fmt.Errorf("encode request: %w", err)}
		}
		body = b
	}
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, cl.timeout)
		defer cancel()
	}
	res, err := cl.retrying(ctx, c, body)
	if err != nil {
		return nil, err
	}
	if out != nil {
		if err := decode(res.body, out); err != nil {
			return nil, &Error{Op: c.op, HTTPStatus: res.status, Body: excerpt(res.body),
				Err: fmt.Errorf("decode answer: %w", err), ambiguous: true}
		}
	}
	return res.body, nil
}

// retrying runs attempts until one succeeds, fails for good, or the retry
// budget or the context runs out. A 401 answer drops the token and repeats
// the call once, outside the budget: 401 means it was not executed.
func (cl *Client) retrying(ctx context.Context, c call, body []byte) (*result, error) {
	reauthorized := false
	for attempt := 1; ; attempt++ {
		res, tok, err := cl.attempt(ctx, c, body)
		if err == nil && res.status == http.StatusUnauthorized && !reauthorized {
			reauthorized = true
			cl.tokens.invalidate(tok)
			attempt--
			continue
		}
		if err == nil && res.err == nil && res.status < 300 {
			return res, nil
		}
		status, failure, cause := classify(c.op, res, err)
		// A failed token fetch sent nothing, so trying again is safe for any call.
		safe := c.safe || res == nil
		if ctx.Err() != nil || !shouldRetry(safe, attempt, cl.maxRetries, status, cause) {
			return nil, failure
		}
		wait := backoff(attempt, cl.jitter)
		if res != nil {
			wait = max(wait, retryAfter(res.header))
		}
		if cl.sleep(ctx, wait) != nil {
			return nil, failure
		}
	}
}

// classify returns what shouldRetry needs (the status and the cause) and the
// error to report for a failed attempt: res is nil when the token could not be had (err).
func classify(op string, res *result, err error) (int, *Error, error) {
	if res != nil {
		return res.status, res.failure(op), res.err
	}
	var te *Error
	if !errors.As(err, &te) { // the caller's context ended while waiting
		return 0, &Error{Op: op + ": token", Err: err}, err
	}
	e := *te // shared by every waiter of the fetch: copy, do not mutate
	e.Op = op + ": token"
	e.ambiguous = false
	return e.HTTPStatus, &e, e.Err
}

// attempt makes one HTTP exchange with a bearer token. err is only set when
// no token could be had; transport errors are in the result.
func (cl *Client) attempt(ctx context.Context, c call, body []byte) (*result, string, error) {
	tok, err := cl.tokens.get(ctx)
	if err != nil {
		return nil, "", err
	}
	u := cl.base + c.path
	if len(c.query) > 0 {
		u += "?" + c.query.Encode()
	}
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, c.method, u, rd)
	if err != nil {
		return &result{err: fmt.Errorf("build request: %w", err)}, tok, nil
	}
	req.Header.Set("Authorization", "Bearer "+tok)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	return cl.send(req, c.route), tok, nil
}

// result is the outcome of one HTTP exchange.
type result struct {
	status int
	header http.Header
	body   []byte
	err    error // transport or read error
	wrote  bool  // request headers were written to the connection
}

// failure turns a failed exchange into an *Error.
func (r *result) failure(op string) *Error {
	if r.err != nil {
		return &Error{Op: op, HTTPStatus: r.status, Err: r.err, ambiguous: r.wrote}
	}
	return parseError(op, r.status, r.body)
}

// send performs req, reads the answer and reports it to Observe.
func (cl *Client) send(req *http.Request, route string) *result {
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", cl.userAgent)
	var wrote atomic.Bool
	trace := &httptrace.ClientTrace{WroteHeaders: func() { wrote.Store(true) }}
	req = req.WithContext(httptrace.WithClientTrace(req.Context(), trace))

	start := cl.now()
	res := &result{}
	resp, err := cl.hc.Do(req)
	if err != nil {
		res.err = err
	} else {
		res.status, res.header = resp.StatusCode, resp.Header
		res.body, res.err = io.ReadAll(io.LimitReader(resp.Body, maxBody))
		resp.Body.Close()
	}
	res.wrote = wrote.Load()
	if cl.cfg.Observe != nil {
		var oerr error
		if res.err != nil || res.status >= 300 {
			oerr = res.failure(route)
		}
		cl.cfg.Observe(route, res.status, oerr, cl.now().Sub(start))
	}
	return res
}

// decode reads a JSON answer into out. An empty body is an error: every call
// that decodes expects content.
func decode(body []byte, out any) error {
	if len(bytes.TrimSpace(body)) == 0 {
		return errors.New("empty answer")
	}
	return json.Unmarshal(body, out)
}

// seg escapes one path segment.
func seg(s string) string { return url.PathEscape(s) }
