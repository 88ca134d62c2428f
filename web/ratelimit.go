package web

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/kassa-dev/kassa"
	"github.com/kassa-dev/kassa/locale"
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
)

// authLimiter limits failed sign-ins by client and by account, for every
// door that checks the admin password: HTTP Basic on the admin API, the
// login form and the password change. Each key has a token bucket that
// only failures drain; a request whose client or account has an empty
// bucket is refused before its password is checked.
//
// The buckets are kept in the store (kassa.Limits), so every instance
// sharing it counts the same failures and a restart forgets none. A key
// is a keyed hash of the address or account name (mac), never the name
// itself. When the store cannot say how long a client must wait, the
// sign-in is refused (errSignInUnavailable), not let through unlimited:
// a failing store must not open the door to unlimited guessing.
type authLimiter struct {
	store kassa.Limits
	now   func() time.Time
	mac   func(purpose, v string) string
	log   *slog.Logger
	purge *limitPurge
}

// errSignInUnavailable refuses a sign-in whose limits the store could not
// read. The JSON API answers it as the store failure it is (500, in the
// document for every call); the login form and the password change say it
// with 503, and the admin may try again.
var errSignInUnavailable = locale.Error(kassa.EINTERNAL, "admin.login.unavailable")

func (l *authLimiter) client(ip string) kassa.Limit {
	return kassa.Limit{Key: "signin-ip:" + l.mac("signin-ip", ip), Every: ipFailEvery, Burst: ipFailBurst}
}

func (l *authLimiter) account(name string) kassa.Limit {
	return kassa.Limit{Key: "signin-account:" + l.mac("signin-account", name), Every: accountFailEvery,
		Burst: accountFailBurst}
}

// wait returns how long a sign-in from ip to account must wait; 0 when it
// may be tried now. An error is the store's: the caller refuses the
// sign-in.
func (l *authLimiter) wait(ctx context.Context, ip, account string) (time.Duration, error) {
	return l.check(ctx, l.client(ip), l.account(account))
}

// fail records a failed sign-in from ip to account. The buckets drain
// apart: one that is empty already stays so, and the other still counts.
func (l *authLimiter) fail(ctx context.Context, ip, account string) {
	l.take(ctx, l.client(ip))
	l.take(ctx, l.account(account))
}

// waitClient returns how long a sign-in from ip must wait, by the
// client's failures alone: an API key names no account whose bucket a
// stranger could drain for everyone.
func (l *authLimiter) waitClient(ctx context.Context, ip string) (time.Duration, error) {
	return l.check(ctx, l.client(ip))
}

// failClient records a failed sign-in from ip that names no account.
func (l *authLimiter) failClient(ctx context.Context, ip string) {
	l.take(ctx, l.client(ip))
}

func (l *authLimiter) check(ctx context.Context, limits ...kassa.Limit) (time.Duration, error) {
	wait, err := l.store.LimitWait(ctx, l.now(), limits...)
	if err != nil {
		l.log.Error("sign-in limits unreadable; refusing the sign-in", "err", err)
		return 0, errSignInUnavailable
	}
	return wait, nil
}

// take takes a failure from lim's bucket. A failure the store could not
// count is logged: the sign-in it belongs to failed anyway.
func (l *authLimiter) take(ctx context.Context, lim kassa.Limit) {
	now := l.now()
	if _, err := l.store.TakeLimit(ctx, now, lim); err != nil {
		l.log.Error("count a failed sign-in", "err", err)
	}
	l.purge.run(ctx, now)
}

// throttle says when periodic work that rides on requests is due: at most
// once per every, whichever request of the process asks first.
type throttle struct {
	every time.Duration

	mu   sync.Mutex
	last time.Time
}

// due reports whether the work is due at now, and if so counts it done.
func (t *throttle) due(now time.Time) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	if now.Sub(t.last) < t.every {
		return false
	}
	t.last = now
	return true
}

// limitPurge deletes the limits' rows whose buckets are full again (they
// equal no row): after a take, at most once a minute, in batches of
// limitPurgeBatch rows, at most limitPurgeBatches of them. The table then
// holds about the keys that took within their bucket's refill time.
type limitPurge struct {
	store kassa.Limits
	log   *slog.Logger
	when  throttle
}

const (
	limitPurgeEvery   = time.Minute
	limitPurgeBatch   = 1000
	limitPurgeBatches = 10
)

func newLimitPurge(st kassa.Limits, log *slog.Logger) *limitPurge {
	return &limitPurge{store: st, log: log, when: throttle{every: limitPurgeEvery}}
}

func (p *limitPurge) run(ctx context.Context, now time.Time) {
	if !p.when.due(now) {
		return
	}
	for range limitPurgeBatches {
		n, err := p.store.PurgeLimits(ctx, now, limitPurgeBatch)
		if err != nil {
			p.log.Error("purge limits", "err", err)
			return
		}
		if n < limitPurgeBatch {
			return
		}
	}
}
