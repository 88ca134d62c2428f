package storetest

import (
	"crypto/sha256"
	"testing"
	"time"

	"github.com/kassa-dev/kassa"
)

// session returns a session of user named n, created at created and
// valid for a day.
func session(n, user string, created time.Time) kassa.Session {
	return kassa.Session{IDHash: sha256.Sum256([]byte(n)), User: user, CreatedAt: created, LastSeenAt: created,
		ExpiresAt: created.Add(24 * time.Hour), UserAgent: "Browser/" + n, IP: "192.0.2.7"}
}

// hashes returns the IDHash of each session in list.
func hashes(list []kassa.Session) []kassa.SessionHash {
	var hs []kassa.SessionHash
	for _, s := range list {
		hs = append(hs, s.IDHash)
	}
	return hs
}

// listed fails t unless user's sessions at now are want, in that order.
func listed(t *testing.T, s kassa.Sessions, user string, now time.Time, want ...kassa.Session) {
	t.Helper()
	got, err := s.Sessions(ctx, user, now)
	must(t, err)
	if d := diff(hashes(want), hashes(got)); d != "" {
		t.Fatalf("Sessions(%q) (-want +got):\n%s", user, d)
	}
}

func testSessions(t *testing.T, s kassa.Sessions) {
	a, b := session("a", "admin", at), session("b", "admin", at.Add(time.Minute))
	must(t, s.CreateSession(ctx, a))
	must(t, s.CreateSession(ctx, b))
	wantCode(t, s.CreateSession(ctx, a), kassa.ECONFLICT)

	got, err := s.Session(ctx, a.IDHash, at)
	must(t, err)
	if d := diff(a, got); d != "" {
		t.Fatalf("Session (-want +got):\n%s", d)
	}
	_, err = s.Session(ctx, sha256.Sum256([]byte("unknown")), at)
	wantCode(t, err, kassa.ENOTFOUND)
	listed(t, s, "admin", at, b, a)
	listed(t, s, "nobody", at)

	// Touching moves a session to the front of the list.
	seen := at.Add(time.Hour)
	must(t, s.TouchSession(ctx, a.IDHash, seen))
	if got, err = s.Session(ctx, a.IDHash, at); err != nil || !got.LastSeenAt.Equal(seen) {
		t.Fatalf("after TouchSession LastSeenAt = %v (%v), want %v", got.LastSeenAt, err, seen)
	}
	listed(t, s, "admin", at, a, b)
	wantCode(t, s.TouchSession(ctx, sha256.Sum256([]byte("unknown")), seen), kassa.ENOTFOUND)

	must(t, s.DeleteSession(ctx, a.IDHash))
	_, err = s.Session(ctx, a.IDHash, at)
	wantCode(t, err, kassa.ENOTFOUND)
	wantCode(t, s.DeleteSession(ctx, a.IDHash), kassa.ENOTFOUND)
	listed(t, s, "admin", at, b)
}

func testSessionsExpire(t *testing.T, s kassa.Sessions) {
	short, long := session("short", "admin", at), session("long", "admin", at)
	short.ExpiresAt = at.Add(time.Hour)
	must(t, s.CreateSession(ctx, short))
	must(t, s.CreateSession(ctx, long))

	end := short.ExpiresAt
	if _, err := s.Session(ctx, short.IDHash, end.Add(-time.Millisecond)); err != nil {
		t.Fatalf("a session read just before it expires: %v", err)
	}
	_, err := s.Session(ctx, short.IDHash, end)
	wantCode(t, err, kassa.ENOTFOUND)
	listed(t, s, "admin", end, long)

	n, err := s.PurgeSessions(ctx, end)
	must(t, err)
	if n != 1 {
		t.Fatalf("PurgeSessions deleted %d, want 1", n)
	}
	// Gone, not just hidden: it is not found even before its expiry.
	_, err = s.Session(ctx, short.IDHash, at)
	wantCode(t, err, kassa.ENOTFOUND)
	listed(t, s, "admin", at, long)
}

func testDeleteSessions(t *testing.T, s kassa.Sessions) {
	var mine []kassa.Session
	for i, n := range []string{"a", "b", "c"} {
		mine = append(mine, session(n, "admin", at.Add(time.Duration(i)*time.Minute)))
		must(t, s.CreateSession(ctx, mine[i]))
	}
	other := session("other", "clerk", at)
	must(t, s.CreateSession(ctx, other))

	n, err := s.DeleteSessions(ctx, "admin", mine[1].IDHash)
	must(t, err)
	if n != 2 {
		t.Fatalf("DeleteSessions deleted %d, want 2", n)
	}
	listed(t, s, "admin", at, mine[1])
	listed(t, s, "clerk", at, other)

	if n, err = s.DeleteSessions(ctx, "admin", kassa.SessionHash{}); err != nil || n != 1 {
		t.Fatalf("DeleteSessions keeping none = %d, %v; want 1, nil", n, err)
	}
	listed(t, s, "admin", at)
	listed(t, s, "clerk", at, other)
}

func testSessionInvalid(t *testing.T, s kassa.Sessions) {
	for name, mutate := range map[string]func(*kassa.Session){
		"no id":         func(ses *kassa.Session) { ses.IDHash = kassa.SessionHash{} },
		"no user":       func(ses *kassa.Session) { ses.User = "" },
		"never valid":   func(ses *kassa.Session) { ses.ExpiresAt = ses.CreatedAt },
		"expires first": func(ses *kassa.Session) { ses.ExpiresAt = ses.CreatedAt.Add(-time.Second) },
	} {
		ses := session(name, "admin", at)
		mutate(&ses)
		if err := s.CreateSession(ctx, ses); kassa.ErrorCode(err) != kassa.EINVALID {
			t.Errorf("%s: error %v, want %s", name, err, kassa.EINVALID)
		}
	}
	listed(t, s, "admin", at)
}
