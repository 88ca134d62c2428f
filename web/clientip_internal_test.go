package web

import (
	"net/http/httptest"
	"testing"
)

func TestClientIP(t *testing.T) {
	proxies, err := ParseTrustedProxies("10.0.0.0/8, 127.0.0.1, ::1")
	if err != nil {
		t.Fatal(err)
	}
	s := &Server{cfg: Config{TrustedProxies: proxies}}
	for _, c := range []struct {
		name, peer string
		xff        []string
		want       string
	}{
		{"untrusted peer: its header is ignored", "203.0.113.9:4000", []string{"198.51.100.1"}, "203.0.113.9"},
		{"trusted peer without header", "10.1.2.3:4000", nil, "10.1.2.3"},
		{"trusted peer names the client", "10.1.2.3:4000", []string{"198.51.100.1"}, "198.51.100.1"},
		{"a forged left entry is not taken", "127.0.0.1:4000", []string{"1.2.3.4, 198.51.100.1"}, "198.51.100.1"},
		{"proxies in a chain are skipped", "127.0.0.1:4000", []string{"198.51.100.1, 10.0.0.7", "10.9.9.9"}, "198.51.100.1"},
		{"only proxies: the leftmost", "127.0.0.1:4000", []string{"10.0.0.5, 10.0.0.7"}, "10.0.0.5"},
		{"malformed entry: the last good one", "127.0.0.1:4000", []string{"198.51.100.1, nonsense"}, "127.0.0.1"},
		{"IPv6 peer", "[::1]:4000", []string{"2001:db8::1"}, "2001:db8::1"},
		{"IPv4-mapped hop", "127.0.0.1:4000", []string{"::ffff:198.51.100.1"}, "198.51.100.1"},
	} {
		r := httptest.NewRequest("GET", "/", nil)
		r.RemoteAddr = c.peer
		for _, h := range c.xff {
			r.Header.Add("X-Forwarded-For", h)
		}
		if got := s.clientIP(r); got != c.want {
			t.Errorf("%s: clientIP = %q, want %q", c.name, got, c.want)
		}
	}
	r := httptest.NewRequest("GET", "/", nil)
	r.RemoteAddr = "10.1.2.3:4000"
	r.Header.Set("X-Forwarded-For", "198.51.100.1")
	if got := (&Server{}).clientIP(r); got != "10.1.2.3" {
		t.Errorf("without trusted proxies clientIP = %q, want the peer", got)
	}
}

func TestParseTrustedProxies(t *testing.T) {
	for _, bad := range []string{"10.0.0.0/33", "nonsense", "10.0.0.1/8/2"} {
		if _, err := ParseTrustedProxies(bad); err == nil {
			t.Errorf("ParseTrustedProxies(%q) took it", bad)
		}
	}
	ps, err := ParseTrustedProxies(" 10.0.0.1/8 ,, 192.0.2.1 ")
	if err != nil || len(ps) != 2 || ps[0].String() != "10.0.0.0/8" || ps[1].String() != "192.0.2.1/32" {
		t.Fatalf("ParseTrustedProxies = %v, %v", ps, err)
	}
}
