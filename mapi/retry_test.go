package mapi

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"testing"
	"time"
)

func TestShouldRetry(t *testing.T) {
	netErr := &url.Error{Op: "Post", URL: "u", Err: &net.OpError{Op: "read", Err: errors.New("connection reset by peer")}}
	tests := []struct {
		name    string
		safe    bool
		attempt int
		max     int
		status  int
		err     error
		want    bool
	}{
		{"503 read", true, 1, 2, 503, nil, true},
		{"500 read", true, 1, 2, 500, nil, true},
		{"502 read", true, 2, 2, 502, nil, true},
		{"budget spent", true, 3, 2, 503, nil, false},
		{"no budget", true, 1, 0, 503, nil, false},
		{"501 not implemented", true, 1, 2, 501, nil, false},
		{"429", true, 1, 2, 429, nil, true},
		{"408", true, 1, 2, 408, nil, true},
		{"400", true, 1, 2, 400, nil, false},
		{"401 (handled elsewhere)", true, 1, 2, 401, nil, false},
		{"404", true, 1, 2, 404, nil, false},
		{"409", true, 1, 2, 409, nil, false},
		{"200", true, 1, 2, 200, nil, false},
		{"network error read", true, 1, 2, 0, netErr, true},
		{"read error after 200", true, 1, 2, 200, io.ErrUnexpectedEOF, true},
		{"canceled", true, 1, 2, 0, context.Canceled, false},
		{"deadline wrapped", true, 1, 2, 0, fmt.Errorf("get: %w", context.DeadlineExceeded), false},
		{"503 unsafe", false, 1, 2, 503, nil, false},
		{"429 unsafe", false, 1, 2, 429, nil, false},
		{"network error unsafe", false, 1, 2, 0, netErr, false},
	}
	for _, tc := range tests {
		if got := shouldRetry(tc.safe, tc.attempt, tc.max, tc.status, tc.err); got != tc.want {
			t.Errorf("%s: shouldRetry(%v, %d, %d, %d, %v) = %v, want %v",
				tc.name, tc.safe, tc.attempt, tc.max, tc.status, tc.err, got, tc.want)
		}
	}
}

func TestBackoff(t *testing.T) {
	top := func(k int64) int64 { return k - 1 }
	bottom := func(int64) int64 { return 0 }
	tests := []struct {
		n        int
		min, max time.Duration
	}{
		{1, 100 * time.Millisecond, 200 * time.Millisecond},
		{2, 200 * time.Millisecond, 400 * time.Millisecond},
		{3, 400 * time.Millisecond, 800 * time.Millisecond},
		{6, 2500 * time.Millisecond, 5 * time.Second},
		{40, 2500 * time.Millisecond, 5 * time.Second},
	}
	for _, tc := range tests {
		if got := backoff(tc.n, bottom); got != tc.min {
			t.Errorf("backoff(%d) lowest = %v, want %v", tc.n, got, tc.min)
		}
		if got := backoff(tc.n, top); got != tc.max {
			t.Errorf("backoff(%d) highest = %v, want %v", tc.n, got, tc.max)
		}
	}
}

func TestRetryAfter(t *testing.T) {
	for v, want := range map[string]time.Duration{"": 0, "2": 2 * time.Second, "-1": 0, "x": 0,
		"3600": retryAfterMax, "Wed, 21 Oct 2015 07:28:00 GMT": 0} {
		h := http.Header{}
		if v != "" {
			h.Set("Retry-After", v)
		}
		if got := retryAfter(h); got != want {
			t.Errorf("retryAfter(%q) = %v, want %v", v, got, want)
		}
	}
}

func TestSleepCtx(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := sleepCtx(ctx, time.Hour); !errors.Is(err, context.Canceled) {
		t.Errorf("sleepCtx on a cancelled context = %v", err)
	}
	if err := sleepCtx(context.Background(), 0); err != nil {
		t.Errorf("sleepCtx(0) = %v", err)
	}
}
