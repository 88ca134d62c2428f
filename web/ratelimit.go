package web

import (
	"net"
	"net/http"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// loginLimiter rate-limits login attempts per client IP: a burst of 5,
// then one every 12 seconds.
type loginLimiter struct {
	mu  sync.Mutex
	ips map[string]*rate.Limiter
}

func newLoginLimiter() *loginLimiter { return &loginLimiter{ips: map[string]*rate.Limiter{}} }

func (l *loginLimiter) allow(r *http.Request) bool {
	ip, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		ip = r.RemoteAddr
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.ips) > 10000 { // bound memory; forgetting is safe
		l.ips = map[string]*rate.Limiter{}
	}
	lim, ok := l.ips[ip]
	if !ok {
		lim = rate.NewLimiter(rate.Every(12*time.Second), 5)
		l.ips[ip] = lim
	}
	return lim.Allow()
}
