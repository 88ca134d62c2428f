package mapisim_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/kassa-dev/kassa/mapisim"
)

// The simulator's HTML pages (the signing page in each of its states, the
// legal documents) send the security headers a shop's pages send.
func TestPageSecurityHeaders(t *testing.T) {
	t.Parallel()
	e := newEnv(t, mapisim.Options{BaseURL: "https://sim.test"})
	p := e.create(e.createReq("198305147715"))
	signed := e.create(e.createReq("198305147715"))
	e.sign(signed.ID, mapisim.Approve)
	noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	pages := []struct {
		name, method, path string
		want               int
	}{
		{"open signing page", http.MethodGet, "/sign/" + p.ID, http.StatusOK},
		{"decided signing page", http.MethodGet, "/sign/" + signed.ID, http.StatusOK},
		{"unknown payment", http.MethodGet, "/sign/nope", http.StatusNotFound},
		{"signed twice", http.MethodPost, "/sign/" + signed.ID, http.StatusConflict},
		{"legal document", http.MethodGet, "/legal/" + mapisim.MethodInvoice + "/GENERAL_TERMS", http.StatusOK},
	}
	for _, pg := range pages {
		req, err := http.NewRequest(pg.method, e.srv.URL+pg.path, strings.NewReader(url.Values{"decision": {"approve"}}.Encode()))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		resp, err := noRedirect.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != pg.want || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") {
			t.Errorf("%s: %d %s, want %d HTML", pg.name, resp.StatusCode, resp.Header.Get("Content-Type"), pg.want)
		}
		h := resp.Header
		csp := h.Get("Content-Security-Policy")
		for _, d := range []string{"default-src 'none'", "frame-ancestors 'none'", "base-uri 'none'"} {
			if !strings.Contains(csp, d) {
				t.Errorf("%s: Content-Security-Policy %q lacks %q", pg.name, csp, d)
			}
		}
		if strings.Contains(csp, "script-src") {
			t.Errorf("%s: Content-Security-Policy %q allows scripts", pg.name, csp)
		}
		for k, v := range map[string]string{"X-Content-Type-Options": "nosniff", "Referrer-Policy": "same-origin",
			"X-Frame-Options": "DENY"} {
			if h.Get(k) != v {
				t.Errorf("%s: %s %q, want %q", pg.name, k, h.Get(k), v)
			}
		}
	}
}
