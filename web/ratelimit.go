package web

import (
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// Limits of failed sign-ins. A client (IP) may fail 10 times in a row,
// then once every 12 seconds (5 a minute). An account may fail 30 times,
// then once every 30 seconds, whichever clients try: guessing from many
// addresses stays slow, while ten failures from one client still leave
// the owner room to sign in from another.
const (
	ipFailEvery      = 12 * time.Second
	ipFailBurst      = 10
	accountFailEvery = 30 * time.Second
	accountFailBurst = 30
	maxBuckets       = 10000 // per kind of key; bounds memory
)

// authLimiter limits failed sign-ins by client and by account, for every
// door that checks the admin password: HTTP Basic on the admin API, the
// login form and the password change. Each key has a token bucket that
// only failures drain; a request whose client or account has an empty
// bucket is refused before its password is checked.
type authLimiter struct {
	mu       sync.Mutex
	now      func() time.Time
	ips      buckets
	accounts buckets
}

func newAuthLimiter(now func() time.Time) *authLimiter {
	return &authLimiter{now: now,
		ips:      buckets{every: ipFailEvery, burst: ipFailBurst, m: map[string]*rate.Limiter{}},
		accounts: buckets{every: accountFailEvery, burst: accountFailBurst, m: map[string]*rate.Limiter{}}}
}

// wait returns how long a sign-in from ip to account must wait; 0 when it
// may be tried now.
func (l *authLimiter) wait(ip, account string) time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	return max(l.ips.wait(ip, now), l.accounts.wait(account, now))
}

// fail records a failed sign-in from ip to account.
func (l *authLimiter) fail(ip, account string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	l.ips.take(ip, now)
	l.accounts.take(account, now)
}

// waitClient returns how long a sign-in from ip must wait, by the
// client's failures alone: an API key names no account whose bucket a
// stranger could drain for everyone.
func (l *authLimiter) waitClient(ip string) time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.ips.wait(ip, l.now())
}

// failClient records a failed sign-in from ip that names no account.
func (l *authLimiter) failClient(ip string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.ips.take(ip, l.now())
}

// buckets are the token buckets of one kind of key.
type buckets struct {
	every time.Duration // one token back per every
	burst int
	m     map[string]*rate.Limiter
}

// wait returns how long until key's bucket holds a token; 0 when it does.
func (b *buckets) wait(key string, now time.Time) time.Duration {
	lim, ok := b.m[key]
	if !ok {
		return 0
	}
	tokens := lim.TokensAt(now)
	if tokens >= 1 {
		return 0
	}
	return time.Duration((1 - tokens) * float64(b.every))
}

// take takes a token from key's bucket, making the bucket if needed.
func (b *buckets) take(key string, now time.Time) {
	lim, ok := b.m[key]
	if !ok {
		if len(b.m) >= maxBuckets {
			b.prune(now)
		}
		lim = rate.NewLimiter(rate.Every(b.every), b.burst)
		b.m[key] = lim
	}
	lim.AllowN(now, 1)
}

// prune forgets the full buckets, which a new bucket equals. When none is
// full, it forgets them all: bounding memory comes first.
func (b *buckets) prune(now time.Time) {
	for key, lim := range b.m {
		if lim.TokensAt(now) >= float64(b.burst) {
			delete(b.m, key)
		}
	}
	if len(b.m) >= maxBuckets {
		clear(b.m)
	}
}
