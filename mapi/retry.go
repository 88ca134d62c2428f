package mapi

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"time"
)

// Backoff bounds: the n-th retry waits about backoffBase·2ⁿ, at most backoffMax,
// or what a Retry-After header asks for, at most retryAfterMax.
const (
	backoffBase   = 200 * time.Millisecond
	backoffMax    = 5 * time.Second
	retryAfterMax = 10 * time.Second
)

// shouldRetry decides whether a call is tried again. safe is true for calls
// that may be repeated without effect (reads); attempt counts the attempts
// made so far (1 after the first); status is the HTTP status (0 when none
// came) and err the transport error (nil when an answer came). A cancelled or
// expired context is never retried; the caller's loop checks it as well.
func shouldRetry(safe bool, attempt, maxRetries, status int, err error) bool {
	if !safe || attempt > maxRetries {
		return false
	}
	if err != nil {
		return !errors.Is(err, context.Canceled) && !errors.Is(err, context.DeadlineExceeded)
	}
	return status == http.StatusTooManyRequests || status == http.StatusRequestTimeout ||
		(status >= 500 && status != http.StatusNotImplemented)
}

// backoff returns the wait before retry number n (1 for the first retry):
// exponential with "equal jitter", so waits never fall to zero and
// concurrent clients spread out. jitter(k) returns a value in [0, k).
func backoff(n int, jitter func(int64) int64) time.Duration {
	d := backoffMax
	if n < 16 {
		d = min(backoffBase<<(n-1), backoffMax)
	}
	half := int64(d / 2)
	return time.Duration(half + jitter(half+1))
}

// retryAfter reads a Retry-After header given in seconds; 0 when absent or
// unreadable (HTTP dates are not worth the complexity here).
func retryAfter(h http.Header) time.Duration {
	s, err := strconv.Atoi(h.Get("Retry-After"))
	if err != nil || s <= 0 {
		return 0
	}
	return min(time.Duration(s)*time.Second, retryAfterMax)
}

// sleepCtx waits for d or until ctx is done, whichever comes first.
func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
