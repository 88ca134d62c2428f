package web

import (
	"io"
	"log/slog"
	"testing"
	"time"
)

// TestLookupLimiterKeys: a lookup counts for every key of the client, so
// the same browser at another address, or another browser at the same
// address, is held back too; a refused lookup counts for none.
func TestLookupLimiterKeys(t *testing.T) {
	now := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
	st := limitStore(t)
	l := &lookupLimiter{max: 2, window: 10 * time.Minute, store: st,
		purge: newLimitPurge(st, slog.New(slog.NewTextHandler(io.Discard, nil)))}
	for _, tt := range []struct {
		keys []string
		want bool
	}{
		{[]string{"ip:1", "browser:1"}, true},
		{[]string{"ip:2", "browser:1"}, true},
		{[]string{"ip:3", "browser:1"}, false}, // the browser had two
		{[]string{"ip:1", "browser:2"}, true},
		{[]string{"ip:1", "browser:3"}, false}, // the address had two
		{[]string{"ip:3", "browser:3"}, true},  // the refusals above counted nothing
	} {
		wait, err := l.allow(t.Context(), now, tt.keys)
		if err != nil {
			t.Fatal(err)
		}
		if ok := wait == 0; ok != tt.want {
			t.Errorf("allow(%q) waits %v, want allowed %t", tt.keys, wait, tt.want)
		}
	}
}

func TestAddressKey(t *testing.T) {
	for in, want := range map[string]string{
		"192.0.2.7":            "192.0.2.7",
		"::ffff:192.0.2.7":     "192.0.2.7",
		"2001:db8:1:2:3:4:5:6": "2001:db8:1:2::/64",
		"2001:db8:1:2:ffff::1": "2001:db8:1:2::/64",
		"not an address":       "not an address",
	} {
		if got := addressKey(in); got != want {
			t.Errorf("addressKey(%q) = %q, want %q", in, got, want)
		}
	}
}
