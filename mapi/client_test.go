package mapi

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/google/go-cmp/cmp"
)

// TestGoldenRequests checks the exact bytes each call sends.
func TestGoldenRequests(t *testing.T) {
	f := newFake(t, func(w http.ResponseWriter, r *http.Request) {
		switch {
		case strings.HasSuffix(r.URL.Path, "/search"):
			answer(200, `{"content":[`+paymentJSON+`]}`)(w, r)
		case strings.HasSuffix(r.URL.Path, "/by_government_id"):
			answer(200, `{"address":{"fullName":"Vincent","addressRow1":"Glassgatan 15","postalArea":"Göteborg","postalCode":"41655","countryCode":"SE"}}`)(w, r)
		default:
			answer(200, paymentJSON)(w, r)
		}
	})
	c, _ := testClient(f.srv.URL, nil)
	ctx := context.Background()
	lines := []OrderLine{{Description: "Product 1", Reference: "SKU-1", Quantity: dec("1"), QuantityUnit: "st",
		VATRate: dec("25"), TotalAmountIncludingVAT: dec("150.75"), Type: LinePhysicalGoods}}
	calls := []struct {
		golden string
		run    func() error
	}{
		{"create_payment.golden.json", func() error { _, err := c.CreatePayment(ctx, validCreate()); return err }},
		{"capture_lines.golden.json", func() error {
			_, err := c.Capture(ctx, "p1", &CaptureRequest{OrderLines: lines, Creator: "admin", TransactionID: "cap-1",
				InvoiceOptions: &InvoiceOptions{InvoiceID: "INV-1"}})
			return err
		}},
		{"refund_lines.golden.json", func() error {
			_, err := c.Refund(ctx, "p1", &RefundRequest{OrderLines: lines, Creator: "admin", TransactionID: "ref-1"})
			return err
		}},
		{"capture_all.golden.json", func() error { _, err := c.Capture(ctx, "p1", nil); return err }},
		{"search.golden.json", func() error {
			_, err := c.SearchPayments(ctx, SearchPaymentsRequest{StoreID: "s1", OrderReference: "order-12345"})
			return err
		}},
		{"get_address.golden.json", func() error {
			_, err := c.GetAddress(ctx, GetAddressRequest{StoreID: "s1", CustomerIP: "127.0.0.1",
				GovernmentID: "198305147715", CustomerType: CustomerNatural})
			return err
		}},
	}
	for i, tc := range calls {
		if err := tc.run(); err != nil {
			t.Fatalf("%s: %v", tc.golden, err)
		}
		reqs := f.apiRequests()
		if len(reqs) != i+1 {
			t.Fatalf("%s: %d requests, want %d", tc.golden, len(reqs), i+1)
		}
		golden(t, tc.golden, reqs[i].Body)
	}
	golden(t, "token_request.golden.txt", f.tokenReq[0].Body)
	if got := f.tokenReq[0].Header.Get("Content-Type"); got != "application/x-www-form-urlencoded" {
		t.Errorf("token Content-Type = %q", got)
	}
}

// TestHeaders checks method, path, headers and the absence of a GET body.
func TestHeaders(t *testing.T) {
	f := newFake(t, answer(200, paymentJSON))
	c, _ := testClient(f.srv.URL+"/sim/", func(c *Config) { c.UserAgent = "shop/1" })
	ctx := context.Background()
	if _, err := c.GetPayment(ctx, "a b/c"); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Cancel(ctx, "p1", nil); err != nil {
		t.Fatal(err)
	}
	reqs := f.apiRequests()
	get, post := reqs[0], reqs[1]
	if get.Method != "GET" || get.Path != "/sim/v2/payments/a b/c" || len(get.Body) != 0 {
		t.Errorf("GET: %s %q body %q", get.Method, get.Path, get.Body)
	}
	if ct := get.Header.Get("Content-Type"); ct != "" {
		t.Errorf("GET Content-Type = %q, want none", ct)
	}
	if post.Method != "POST" || post.Path != "/sim/v2/payments/p1/cancel" || string(post.Body) != "{}" {
		t.Errorf("POST: %s %q body %q", post.Method, post.Path, post.Body)
	}
	for name, want := range map[string]string{"Content-Type": "application/json", "Accept": "application/json",
		"Authorization": "Bearer tok-1", "User-Agent": "shop/1"} {
		if got := post.Header.Get(name); got != want {
			t.Errorf("POST %s = %q, want %q", name, got, want)
		}
	}
	if got := get.Header.Get("Accept"); got != "application/json" {
		t.Errorf("GET Accept = %q", got)
	}
	if len(f.tokenReq) != 1 || f.tokenReq[0].Path != "/sim/oauth2/token" {
		t.Errorf("token requests: %+v", f.tokenReq)
	}
}

// TestQueryStrings checks the query of the reads that take one.
func TestQueryStrings(t *testing.T) {
	f := newFake(t, answer(200, `{"content":[]}`))
	c, _ := testClient(f.srv.URL, nil)
	ctx := context.Background()
	c.PaymentMethods(ctx, "s1", decp("1500.5"))
	c.PaymentMethods(ctx, "s1", nil)
	c.PriceSignage(ctx, "s1", "m1", dec("5000"))
	c.AnnuityFactors(ctx, "s1", "m1")
	c.Stores(ctx)
	var got []string
	for _, r := range f.apiRequests() {
		got = append(got, r.Method+" "+r.Path+"?"+r.RawQuery)
	}
	want := []string{
		"GET /v2/stores/s1/payment_methods?amount=1500.50",
		"GET /v2/stores/s1/payment_methods?",
		"GET /v2/stores/s1/payment_methods/m1/price_signage?amount=5000.00",
		"GET /v2/stores/s1/payment_methods/m1/annuity_factors?",
		"GET /v2/stores?page=0&size=2000",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("requests (-want +got):\n%s", diff)
	}
}

func TestStoresFollowsPages(t *testing.T) {
	f := newFake(t, func(w http.ResponseWriter, r *http.Request) {
		page := r.URL.Query().Get("page")
		answer(200, `{"content":[{"id":"s`+page+`","nationalStoreId":7,"countryCode":"SE","name":"n","unknown":1}],
			"page":{"number":`+page+`,"size":1,"totalElements":2,"totalPages":2}}`)(w, r)
	})
	c, _ := testClient(f.srv.URL, nil)
	stores, err := c.Stores(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	want := []Store{{ID: "s0", NationalStoreID: 7, CountryCode: "SE", Name: "n"}, {ID: "s1", NationalStoreID: 7, CountryCode: "SE", Name: "n"}}
	if diff := cmp.Diff(want, stores); diff != "" {
		t.Errorf("stores (-want +got):\n%s", diff)
	}
}

func TestTolerantReading(t *testing.T) {
	f := newFake(t, answer(201, paymentJSON))
	c, _ := testClient(f.srv.URL, nil)
	p, err := c.GetPayment(context.Background(), "x")
	if err != nil {
		t.Fatal(err)
	}
	if p.Order.AuthorizedAmount != dec("330.5") || p.Status != StatusAccepted {
		t.Errorf("payment = %+v", p.Order)
	}
	if got := p.Order.PossibleActions[1].Action; got != "SOMETHING_NEW" {
		t.Errorf("unknown action = %q, want kept", got)
	}
}

// TestTokenSingleFetch: 100 concurrent calls, all waiting for the first
// token, cause exactly one token request. The fake runs in-process inside a
// synctest bubble, so synctest.Wait proves every caller is blocked (waiting
// for the one fetch) before the token is issued.
func TestTokenSingleFetch(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		const n = 100
		release := make(chan struct{})
		f := &fakeMAPI{tokenTTL: 3600, api: answer(200, paymentJSON)}
		f.tokenGate = func() { <-release }
		c, _ := testClient("http://mapi.test", func(cfg *Config) {
			cfg.HTTPClient = &http.Client{Transport: handlerTransport(f.serve)}
		})

		var wg sync.WaitGroup
		errs := make(chan error, n)
		for range n {
			wg.Go(func() {
				_, err := c.GetPayment(context.Background(), "p")
				errs <- err
			})
		}
		synctest.Wait()
		f.mu.Lock()
		fetches, calls := len(f.tokenReq), len(f.requests)
		f.mu.Unlock()
		if fetches != 1 || calls != 0 {
			t.Errorf("with every caller waiting: %d token requests, %d API requests; want 1 and 0", fetches, calls)
		}
		close(release)
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Fatal(err)
			}
		}
		if got := f.tokens.Load(); got != 1 {
			t.Errorf("token requests = %d, want 1", got)
		}
		if got := len(f.apiRequests()); got != n {
			t.Errorf("API requests = %d, want %d", got, n)
		}
	})
}

// handlerTransport serves requests with a handler in the caller's
// goroutine, without a network (so that a synctest bubble holds it all).
type handlerTransport http.HandlerFunc

// RoundTrip implements http.RoundTripper.
func (h handlerTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	in := r.Clone(r.Context())
	if in.Body == nil {
		in.Body = http.NoBody // as a server sees a request without a body
	}
	w := httptest.NewRecorder()
	h(w, in)
	res := w.Result()
	res.Request = r
	return res, nil
}

// TestConcurrent401SingleRefresh: 100 calls refused with the same stale
// token lead to one new token, and every call succeeds with it.
func TestConcurrent401SingleRefresh(t *testing.T) {
	const n = 100
	var rejected atomic.Int32
	f := newFake(t, func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer tok-2" {
			rejected.Add(1)
			answer(401, `{"code":"401","message":"expired"}`)(w, r)
			return
		}
		answer(200, paymentJSON)(w, r)
	})
	c, _ := testClient(f.srv.URL, nil)
	if tok, err := c.tokens.get(context.Background()); err != nil || tok != "tok-1" {
		t.Fatalf("warm-up token %q, %v", tok, err)
	}
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for range n {
		wg.Go(func() {
			_, err := c.GetPayment(context.Background(), "p")
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if got := f.tokens.Load(); got != 2 {
		t.Errorf("token requests = %d, want 2 (warm-up and one refresh)", got)
	}
	// Calls that started after the refresh used tok-2 straight away.
	if r := int(rejected.Load()); r == 0 || len(f.apiRequests()) != n+r {
		t.Errorf("API requests = %d with %d refused, want %d+refused", len(f.apiRequests()), r, n)
	}
}

// TestTokenExpiry: a token is reused until a minute before it expires.
func TestTokenExpiry(t *testing.T) {
	f := newFake(t, answer(200, paymentJSON))
	c, _ := testClient(f.srv.URL, nil)
	now := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	c.now = func() time.Time { return now }
	ctx := context.Background()
	steps := []struct {
		advance time.Duration
		tokens  int32
	}{{0, 1}, {3539 * time.Second, 1}, {time.Second, 2}, {time.Second, 2}}
	for i, s := range steps {
		now = now.Add(s.advance)
		if _, err := c.GetPayment(ctx, "p"); err != nil {
			t.Fatal(err)
		}
		if got := f.tokens.Load(); got != s.tokens {
			t.Errorf("step %d: token requests = %d, want %d", i, got, s.tokens)
		}
	}
}

func TestCacheFor(t *testing.T) {
	for ttl, want := range map[time.Duration]time.Duration{
		3600 * time.Second: 3540 * time.Second, 120 * time.Second: 60 * time.Second,
		60 * time.Second: 30 * time.Second, 0: 0,
	} {
		if got := cacheFor(ttl); got != want {
			t.Errorf("cacheFor(%v) = %v, want %v", ttl, got, want)
		}
	}
}

// Test401RefreshesOnce: a 401 drops the token and repeats the call once.
func Test401RefreshesOnce(t *testing.T) {
	f := newFake(t, func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer tok-2" {
			answer(401, `{"code":"401","message":"Unauthorized"}`)(w, r)
			return
		}
		answer(200, paymentJSON)(w, r)
	})
	c, _ := testClient(f.srv.URL, nil)
	if _, err := c.Capture(context.Background(), "p", nil); err != nil {
		t.Fatal(err)
	}
	if got, want := len(f.apiRequests()), 2; got != want {
		t.Errorf("API requests = %d, want %d", got, want)
	}
	if got := f.tokens.Load(); got != 2 {
		t.Errorf("token requests = %d, want 2", got)
	}
}

func Test401Twice(t *testing.T) {
	f := newFake(t, answer(401, `{"code":"401","message":"Unauthorized"}`))
	c, s := testClient(f.srv.URL, nil)
	_, err := c.GetPayment(context.Background(), "p")
	var e *Error
	if !errors.As(err, &e) || e.HTTPStatus != 401 {
		t.Fatalf("err = %v, want HTTP 401", err)
	}
	if got := len(f.apiRequests()); got != 2 {
		t.Errorf("API requests = %d, want 2", got)
	}
	if Ambiguous(err) || len(s.all()) != 0 {
		t.Errorf("ambiguous %v, sleeps %v", Ambiguous(err), s.all())
	}
}

func TestTokenErrors(t *testing.T) {
	tests := []struct {
		name     string
		code     int
		body     string
		tries    int // token requests made
		wantText string
	}{
		{"invalid client", 400, `{"error":"invalid_client","error_description":"Bad client credentials"}`, 1,
			"mapi: GetPayment: token: HTTP 400: invalid_client: Bad client credentials"},
		{"401 html", 401, `<html><body>Denied</body></html>`, 1,
			`mapi: GetPayment: token: HTTP 401: "<html><body>Denied</body></html>"`},
		{"outage retried", 503, `{"code":"503","message":"Unavailable"}`, 3,
			"mapi: GetPayment: token: HTTP 503: 503, Unavailable"},
		{"no token", 200, `{"token_type":"Bearer"}`, 3, "no access_token"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := newFake(t, answer(200, paymentJSON))
			f.tokenBody, f.tokenCode = []byte(tc.body), tc.code
			c, _ := testClient(f.srv.URL, nil)
			_, err := c.GetPayment(context.Background(), "p")
			if err == nil || !strings.Contains(err.Error(), tc.wantText) {
				t.Fatalf("err = %v, want it to contain %q", err, tc.wantText)
			}
			if Ambiguous(err) {
				t.Error("a token failure is not ambiguous")
			}
			if got := len(f.tokenReq); got != tc.tries {
				t.Errorf("token requests = %d, want %d", got, tc.tries)
			}
			if got := len(f.apiRequests()); got != 0 {
				t.Errorf("API requests = %d, want 0", got)
			}
		})
	}
}

func TestRetries(t *testing.T) {
	tests := []struct {
		name       string
		maxRetries int
		statuses   []int // answers in order; the last repeats
		call       func(*Client) error
		requests   int
		wantErr    bool
		ambiguous  bool
	}{
		{"get recovers", 0, []int{503, 502, 200}, getPayment, 3, false, false},
		{"get gives up", 0, []int{500}, getPayment, 3, true, true},
		{"get 404 not retried", 0, []int{404}, getPayment, 1, true, false},
		{"get 429 retried", 0, []int{429, 200}, getPayment, 2, false, false},
		{"no retries", -1, []int{503}, getPayment, 1, true, true},
		{"one retry", 1, []int{503}, getPayment, 2, true, true},
		{"search retried", 0, []int{503, 200}, search, 2, false, false},
		{"create not retried", 0, []int{503}, create, 1, true, true},
		{"create 400", 0, []int{400}, create, 1, true, false},
		{"capture not retried", 0, []int{500}, capture, 1, true, true},
		{"metadata not retried", 0, []int{502}, metadata, 1, true, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var mu sync.Mutex
			n := 0
			f := newFake(t, func(w http.ResponseWriter, r *http.Request) {
				mu.Lock()
				st := tc.statuses[min(n, len(tc.statuses)-1)]
				n++
				mu.Unlock()
				switch {
				case st != 200:
					answer(st, `{"code":"x","message":"y"}`)(w, r)
				case strings.HasSuffix(r.URL.Path, "/search"):
					answer(200, `{"content":[`+paymentJSON+`]}`)(w, r)
				default:
					answer(200, paymentJSON)(w, r)
				}
			})
			c, s := testClient(f.srv.URL, func(c *Config) { c.MaxRetries = tc.maxRetries })
			err := tc.call(c)
			if (err != nil) != tc.wantErr {
				t.Fatalf("err = %v, want error %v", err, tc.wantErr)
			}
			if got := len(f.apiRequests()); got != tc.requests {
				t.Errorf("requests = %d, want %d", got, tc.requests)
			}
			if got := len(s.all()); got != tc.requests-1 {
				t.Errorf("sleeps = %d, want %d", got, tc.requests-1)
			}
			if Ambiguous(err) != tc.ambiguous {
				t.Errorf("Ambiguous = %v, want %v", Ambiguous(err), tc.ambiguous)
			}
		})
	}
}

func getPayment(c *Client) error {
	_, err := c.GetPayment(context.Background(), "p")
	return err
}

func search(c *Client) error {
	_, err := c.SearchPayments(context.Background(), SearchPaymentsRequest{StoreID: "s"})
	return err
}

func create(c *Client) error {
	_, err := c.CreatePayment(context.Background(), validCreate())
	return err
}

func capture(c *Client) error {
	_, err := c.Capture(context.Background(), "p", &CaptureRequest{TransactionID: "t"})
	return err
}

func metadata(c *Client) error {
	_, err := c.ReplaceMetadata(context.Background(), "p", &Metadata{Creator: "x"})
	return err
}

// TestRetryWaits checks the backoff sequence and Retry-After.
func TestRetryWaits(t *testing.T) {
	f := newFake(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Retry-After", "3")
		answer(429, `{}`)(w, r)
	})
	c, s := testClient(f.srv.URL, func(c *Config) { c.MaxRetries = 3 })
	if _, err := c.GetPayment(context.Background(), "p"); err == nil {
		t.Fatal("want an error")
	}
	want := []time.Duration{3 * time.Second, 3 * time.Second, 3 * time.Second}
	if diff := cmp.Diff(want, s.all()); diff != "" {
		t.Errorf("waits (-want +got):\n%s", diff)
	}
}

func TestAmbiguousTransport(t *testing.T) {
	t.Run("connection refused", func(t *testing.T) {
		f := newFake(t, answer(200, paymentJSON))
		c, _ := testClient(f.srv.URL, func(c *Config) {
			c.MaxRetries = -1
			c.HTTPClient = &http.Client{Transport: &http.Transport{DisableKeepAlives: true}} // no idle conn to reuse
		})
		if _, err := c.GetPayment(context.Background(), "p"); err != nil { // token now cached
			t.Fatal(err)
		}
		f.srv.Close()
		_, err := c.Capture(context.Background(), "p", nil)
		var e *Error
		if !errors.As(err, &e) || e.HTTPStatus != 0 || e.Err == nil {
			t.Fatalf("err = %#v", err)
		}
		if Ambiguous(err) {
			t.Errorf("refused connection reported ambiguous: %v", err)
		}
	})
	t.Run("connection dropped after request", func(t *testing.T) {
		f := newFake(t, func(w http.ResponseWriter, r *http.Request) {
			conn, _, err := w.(http.Hijacker).Hijack()
			if err == nil {
				conn.Close()
			}
		})
		c, _ := testClient(f.srv.URL, nil)
		_, err := c.CreatePayment(context.Background(), validCreate())
		if !Ambiguous(err) {
			t.Errorf("dropped connection not ambiguous: %v", err)
		}
		if got := len(f.apiRequests()); got != 1 {
			t.Errorf("requests = %d, want 1 (no retry)", got)
		}
	})
	t.Run("context ends while waiting", func(t *testing.T) {
		arrived, done := make(chan struct{}), make(chan struct{})
		defer close(done)
		f := newFake(t, func(w http.ResponseWriter, r *http.Request) {
			close(arrived)
			select {
			case <-done:
			case <-r.Context().Done():
			}
		})
		c, _ := testClient(f.srv.URL, nil)
		ctx, cancel := context.WithCancel(context.Background())
		go func() { <-arrived; cancel() }()
		_, err := c.Refund(ctx, "p", nil)
		if !Ambiguous(err) || !errors.Is(err, context.Canceled) {
			t.Errorf("err = %v: want ambiguous and context.Canceled", err)
		}
	})
	t.Run("undecodable 2xx", func(t *testing.T) {
		f := newFake(t, answer(200, `<html>ok</html>`))
		c, _ := testClient(f.srv.URL, nil)
		_, err := c.CreatePayment(context.Background(), validCreate())
		if !Ambiguous(err) || !strings.Contains(err.Error(), "decode answer") {
			t.Errorf("err = %v: want ambiguous decode error", err)
		}
	})
}

// TestTimeoutDefault: a call without a deadline gets Config.Timeout.
func TestTimeoutDefault(t *testing.T) {
	var deadline time.Time
	var ok bool
	c, _ := testClient("http://127.0.0.1:1", func(c *Config) {
		c.Timeout = time.Hour
		c.HTTPClient = &http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
			deadline, ok = r.Context().Deadline()
			return nil, errors.New("stop")
		})}
		c.MaxRetries = -1
	})
	start := time.Now()
	c.GetPayment(context.Background(), "p")
	if !ok || deadline.Before(start.Add(59*time.Minute)) {
		t.Errorf("deadline = %v (set %v), want about an hour from now", deadline, ok)
	}
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

func TestObserve(t *testing.T) {
	f := newFake(t, func(w http.ResponseWriter, r *http.Request) {
		if strings.Contains(r.URL.Path, "missing") {
			answer(404, `{"code":"404","message":"Not found"}`)(w, r)
			return
		}
		answer(200, paymentJSON)(w, r)
	})
	type obs struct {
		Endpoint string
		Status   int
		Err      bool
	}
	var mu sync.Mutex
	var got []obs
	c, _ := testClient(f.srv.URL, func(c *Config) {
		c.Observe = func(e string, s int, err error, d time.Duration) {
			mu.Lock()
			got = append(got, obs{e, s, err != nil})
			mu.Unlock()
		}
	})
	ctx := context.Background()
	c.GetPayment(ctx, "p1")
	_, err := c.GetAction(ctx, "p1", "missing")
	if !IsNotFound(err) {
		t.Errorf("IsNotFound(%v) = false", err)
	}
	c.Capture(ctx, "p1", nil)
	want := []obs{
		{"POST /oauth2/token", 200, false},
		{"GET /v2/payments/{id}", 200, false},
		{"GET /v2/payments/{id}/actions/{actionId}", 404, true},
		{"POST /v2/payments/{id}/capture", 200, false},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("observed (-want +got):\n%s", diff)
	}
}

func TestReplaceMetadataAnswers(t *testing.T) {
	for name, tc := range map[string]struct {
		body string
		want Metadata
	}{
		"echo":        {`{"creator":"srv","custom":{"k":"v"}}`, Metadata{Creator: "srv", Custom: []MetadataEntry{{"k", "v"}}}},
		"empty":       {``, Metadata{Creator: "me"}},
		"empty space": {" \n", Metadata{Creator: "me"}},
	} {
		t.Run(name, func(t *testing.T) {
			f := newFake(t, answer(200, tc.body))
			c, _ := testClient(f.srv.URL, nil)
			got, err := c.ReplaceMetadata(context.Background(), "p", &Metadata{Creator: "me"})
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(&tc.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestGetAddressUnwrapped(t *testing.T) {
	f := newFake(t, answer(200, `{"addressRow1":"Makadamg 1","postalArea":"Helsingborg","postalCode":"25024","countryCode":"SE"}`))
	c, _ := testClient(f.srv.URL, nil)
	a, err := c.GetAddress(context.Background(), GetAddressRequest{StoreID: "s", GovernmentID: "195012026430", CustomerType: CustomerNatural})
	if err != nil || a.AddressRow1 != "Makadamg 1" {
		t.Fatalf("address %+v, err %v", a, err)
	}
}

// TestInvalidRequestsNotSent: validation failures reach no server.
func TestInvalidRequestsNotSent(t *testing.T) {
	f := newFake(t, answer(200, paymentJSON))
	c, _ := testClient(f.srv.URL, nil)
	ctx := context.Background()
	calls := map[string]func() error{
		"get empty id":      func() error { _, err := c.GetPayment(ctx, ""); return err },
		"action empty":      func() error { _, err := c.GetAction(ctx, "p", ""); return err },
		"task empty":        func() error { _, err := c.TaskStatus(ctx, ""); return err },
		"methods no store":  func() error { _, err := c.PaymentMethods(ctx, "", nil); return err },
		"methods bad amt":   func() error { _, err := c.PaymentMethods(ctx, "s", decp("-1")); return err },
		"signage no method": func() error { _, err := c.PriceSignage(ctx, "s", "", dec("1")); return err },
		"signage too big":   func() error { _, err := c.PriceSignage(ctx, "s", "m", MaxDecimal+1); return err },
		"annuity no store":  func() error { _, err := c.AnnuityFactors(ctx, "", "m"); return err },
		"address no gov": func() error {
			_, err := c.GetAddress(ctx, GetAddressRequest{StoreID: "s", CustomerType: "NATURAL"})
			return err
		},
		"search no store": func() error { _, err := c.SearchPayments(ctx, SearchPaymentsRequest{}); return err },
		"create nil":      func() error { _, err := c.CreatePayment(ctx, nil); return err },
		"capture bad line": func() error {
			_, err := c.Capture(ctx, "p", &CaptureRequest{OrderLines: []OrderLine{{Description: "x", QuantityUnit: "st"}}})
			return err
		},
		"refund no id":    func() error { _, err := c.Refund(ctx, "", nil); return err },
		"cancel no id":    func() error { _, err := c.Cancel(ctx, "", nil); return err },
		"add lines nil":   func() error { _, err := c.AddOrderLines(ctx, "p", nil); return err },
		"add lines empty": func() error { _, err := c.AddOrderLines(ctx, "p", &AddOrderLinesRequest{}); return err },
		"metadata nil":    func() error { _, err := c.ReplaceMetadata(ctx, "p", nil); return err },
		"metadata long key": func() error {
			_, err := c.ReplaceMetadata(ctx, "p", &Metadata{Custom: []MetadataEntry{{Key: strings.Repeat("k", 51)}}})
			return err
		},
		"callback bad url":  func() error { _, err := c.TestCallback(ctx, "ftp://x"); return err },
		"callback relative": func() error { _, err := c.TestCallback(ctx, "/cb"); return err },
	}
	for name, call := range calls {
		err := call()
		var e *Error
		if !errors.Is(err, ErrInvalidRequest) || !errors.As(err, &e) || len(e.Fields) == 0 {
			t.Errorf("%s: err = %v, want ErrInvalidRequest with fields", name, err)
		}
		if Ambiguous(err) {
			t.Errorf("%s: ambiguous", name)
		}
	}
	if n := len(f.apiRequests()) + len(f.tokenReq); n != 0 {
		t.Errorf("%d requests sent, want none", n)
	}
}

func TestValidateCreate(t *testing.T) {
	long := func(n int) string { return strings.Repeat("å", n) }
	tests := []struct {
		name   string
		mutate func(r *CreatePaymentRequest)
		fields []string // nil: valid
	}{
		{"valid", func(r *CreatePaymentRequest) {}, nil},
		{"no options", func(r *CreatePaymentRequest) { r.Options, r.Customer, r.Metadata = nil, nil, nil }, nil},
		{"ids", func(r *CreatePaymentRequest) { r.StoreID, r.PaymentMethodID = "", "" }, []string{"storeId", "paymentMethodId"}},
		{"no lines", func(r *CreatePaymentRequest) { r.Order.OrderLines = nil }, []string{"order.orderLines"}},
		{"1001 lines", func(r *CreatePaymentRequest) {
			r.Order.OrderLines = make([]OrderLine, 1001)
			for i := range r.Order.OrderLines {
				r.Order.OrderLines[i] = validCreate().Order.OrderLines[2]
			}
		}, []string{"order.orderLines"}},
		{"1000 lines", func(r *CreatePaymentRequest) {
			r.Order.OrderLines = make([]OrderLine, 1000)
			for i := range r.Order.OrderLines {
				r.Order.OrderLines[i] = validCreate().Order.OrderLines[2]
			}
		}, nil},
		{"quantity", func(r *CreatePaymentRequest) { r.Order.OrderLines[1].Quantity = 0 }, []string{"order.orderLines[1].quantity"}},
		{"quantity 0.01", func(r *CreatePaymentRequest) { r.Order.OrderLines[1].Quantity = 1 }, nil},
		{"vat negative", func(r *CreatePaymentRequest) { r.Order.OrderLines[0].VATRate = -1 }, []string{"order.orderLines[0].vatRate"}},
		{"vat 100.01", func(r *CreatePaymentRequest) { r.Order.OrderLines[0].VATRate = dec("100.01") }, []string{"order.orderLines[0].vatRate"}},
		{"vat 100", func(r *CreatePaymentRequest) { r.Order.OrderLines[0].VATRate = dec("100") }, nil},
		{"amount range", func(r *CreatePaymentRequest) {
			r.Order.OrderLines[2].TotalAmountIncludingVAT = MaxDecimal + 1
			r.Order.OrderLines[0].UnitAmountIncludingVAT = ptr(-MaxDecimal - 1)
			r.Order.OrderLines[0].TotalVATAmount = ptr(MaxDecimal + 1)
		}, []string{"order.orderLines[0].unitAmountIncludingVat", "order.orderLines[0].totalVatAmount", "order.orderLines[2].totalAmountIncludingVat"}},
		{"max amount", func(r *CreatePaymentRequest) { r.Order.OrderLines[2].TotalAmountIncludingVAT = -MaxDecimal }, nil},
		{"strings", func(r *CreatePaymentRequest) {
			l := &r.Order.OrderLines[0]
			l.Description, l.Reference, l.QuantityUnit = long(101), long(51), long(51)
		}, []string{"order.orderLines[0].description", "order.orderLines[0].reference", "order.orderLines[0].quantityUnit"}},
		{"string limits", func(r *CreatePaymentRequest) {
			l := &r.Order.OrderLines[0]
			l.Description, l.Reference, l.QuantityUnit = long(100), long(50), long(50)
		}, nil},
		{"required strings", func(r *CreatePaymentRequest) {
			l := &r.Order.OrderLines[0]
			l.Description, l.Reference, l.QuantityUnit = "", "", ""
		}, []string{"order.orderLines[0].description", "order.orderLines[0].quantityUnit"}},
		{"order reference", func(r *CreatePaymentRequest) { r.Order.OrderReference = "order 1" }, []string{"order.orderReference"}},
		{"order reference long", func(r *CreatePaymentRequest) { r.Order.OrderReference = strings.Repeat("a", 33) }, []string{"order.orderReference"}},
		{"order reference ok", func(r *CreatePaymentRequest) { r.Order.OrderReference = "A-b_c/" + strings.Repeat("9", 26) }, nil},
		{"order reference absent", func(r *CreatePaymentRequest) { r.Order.OrderReference = "" }, nil},
		{"ttl", func(r *CreatePaymentRequest) { r.Options.TimeToLiveInMinutes = 43201 }, []string{"options.timeToLiveInMinutes"}},
		{"ttl negative", func(r *CreatePaymentRequest) { r.Options.TimeToLiveInMinutes = -1 }, []string{"options.timeToLiveInMinutes"}},
		{"ttl max", func(r *CreatePaymentRequest) { r.Options.TimeToLiveInMinutes = 43200 }, nil},
		{"auto capture and frozen", func(r *CreatePaymentRequest) { r.Options.AutomaticCapture = ptr(true) }, []string{"options.automaticCapture"}},
		{"auto capture alone", func(r *CreatePaymentRequest) {
			r.Options.AutomaticCapture, r.Options.HandleFrozenPayments = ptr(true), ptr(false)
		}, nil},
		{"metadata key", func(r *CreatePaymentRequest) { r.Metadata.Custom[0].Key = "" }, []string{"metadata.custom[0].key"}},
		{"credit limit", func(r *CreatePaymentRequest) {
			r.Application = &Application{RequestedCreditLimit: decp("-1")}
		}, []string{"application.requestedCreditLimit"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := validCreate()
			tc.mutate(r)
			err := validateCreate(r)
			var got []string
			var e *Error
			if errors.As(err, &e) {
				for _, f := range e.Fields {
					got = append(got, f.Field)
				}
			} else if err != nil {
				t.Fatalf("err = %v, want *Error", err)
			}
			if diff := cmp.Diff(tc.fields, got); diff != "" {
				t.Errorf("fields (-want +got):\n%s\nerr: %v", diff, err)
			}
		})
	}
}

// TestDefaults checks New's defaults.
func TestDefaults(t *testing.T) {
	c := New(Config{})
	if c.base != TestURL || c.scope != "merchant-api" || c.timeout != 30*time.Second || c.maxRetries != 2 || c.hc == nil {
		t.Errorf("defaults: base %q scope %q timeout %v retries %d", c.base, c.scope, c.timeout, c.maxRetries)
	}
	if c := New(Config{MaxRetries: -5, BaseURL: ProductionURL + "/"}); c.maxRetries != 0 || c.base != ProductionURL {
		t.Errorf("retries %d base %q", c.maxRetries, c.base)
	}
}
