package chaos

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"sync/atomic"
)

// balancer is the small round-robin reverse proxy in front of the shop
// instances of a run with Config.Instances > 1, on loopback, as a load
// balancer without sticky sessions would be: each request goes to the
// next instance. A request that cannot reach its instance (the instance
// is down: the dial failed, nothing was sent) goes to the next one. A
// request cut off after it was sent (the instance was killed while it
// worked) is cut off for the client too, as the instance's own
// connection would have been, so the customer reloads as it does with
// one shop. X-Forwarded-For names the client (the shops trust loopback
// as their proxy).
type balancer struct {
	backends []*url.URL
	next     atomic.Uint64
	tr       *http.Transport
}

// newBalancer returns the proxy over the shops at urls.
func newBalancer(urls []string) (*balancer, error) {
	b := &balancer{tr: http.DefaultTransport.(*http.Transport).Clone()}
	b.tr.MaxIdleConnsPerHost = 256
	for _, raw := range urls {
		u, err := url.Parse(raw)
		if err != nil {
			return nil, fmt.Errorf("chaos: balancer backend: %w", err)
		}
		b.backends = append(b.backends, u)
	}
	return b, nil
}

// handler is the reverse proxy.
func (b *balancer) handler() http.Handler {
	return &httputil.ReverseProxy{
		Rewrite: func(pr *httputil.ProxyRequest) {
			pr.Out.URL.Scheme = "http"
			pr.SetXForwarded()
			pr.Out.Host = pr.In.Host // the shop builds its URLs from --base-url, not Host
		},
		Transport: b,
		ErrorHandler: func(http.ResponseWriter, *http.Request, error) {
			panic(http.ErrAbortHandler) // the client sees the connection cut, as from a killed shop
		},
	}
}

// RoundTrip sends req to the next instance, and on to the next while the
// instance cannot be dialled.
func (b *balancer) RoundTrip(req *http.Request) (*http.Response, error) {
	var body []byte
	if req.Body != nil {
		var err error
		if body, err = io.ReadAll(req.Body); err != nil {
			return nil, err
		}
		req.Body.Close()
	}
	var lastErr error
	for range len(b.backends) {
		u := b.backends[b.next.Add(1)%uint64(len(b.backends))]
		out := req.Clone(req.Context())
		out.URL.Scheme, out.URL.Host = u.Scheme, u.Host
		if body != nil {
			out.Body = io.NopCloser(bytes.NewReader(body))
			out.ContentLength = int64(len(body))
		}
		resp, err := b.tr.RoundTrip(out)
		if err == nil || !dialFailed(err) {
			return resp, err
		}
		lastErr = err
	}
	return nil, lastErr
}

// dialFailed reports whether err is a failure to connect: the request
// was not sent, so another instance may take it.
func dialFailed(err error) bool {
	var op *net.OpError
	return errors.As(err, &op) && op.Op == "dial"
}
