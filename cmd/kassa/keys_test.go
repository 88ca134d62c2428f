package main

import (
	"bytes"
	"context"
	"net/http"
	"regexp"
	"strings"
	"testing"
)

// TestKeysCLI creates, lists and revokes a key with `kassa keys` while
// `kassa serve` runs on the same data directory: the key opens the admin
// API at once, and is refused from the request after its revoke.
func TestKeysCLI(t *testing.T) {
	dir := t.TempDir()
	base, _, stop := startServe(t, "--data", dir, "--admin-password", "secret-pw")
	defer stop()
	keys := func(args ...string) (string, error) {
		var out, errw bytes.Buffer
		err := run(context.Background(), append([]string{"keys", "--data", dir}, args...), &out, &errw)
		return out.String() + errw.String(), err
	}
	out, err := keys("create", "--name", "web shop")
	if err != nil || !regexp.MustCompile(`^kassa_[A-Za-z0-9_-]{43}\n$`).MatchString(out) {
		t.Fatalf("keys create: %v; want the key alone on one line, got %q", err, out)
	}
	key := strings.TrimSpace(out)
	get := func() int {
		req, _ := http.NewRequest(http.MethodGet, base+"/api/admin/orders", nil)
		req.Header.Set("Authorization", "Bearer "+key)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if got := get(); got != http.StatusOK {
		t.Fatalf("the new key on the running shop: %d, want 200", got)
	}
	out, err = keys("list")
	if err != nil || !strings.Contains(out, "web shop") || !strings.Contains(out, key[:14]+"…") || strings.Contains(out, key) {
		t.Fatalf("keys list: %v\n%s", err, out)
	}
	for _, bad := range [][]string{{"create"}, {"revoke"}, {"revoke", "x"}, {"revoke", "99"}, {"rotate"}} {
		if out, err := keys(bad...); err == nil {
			t.Errorf("keys %q: no error\n%s", bad, out)
		}
	}
	if out, err := keys("revoke", "1"); err != nil {
		t.Fatalf("keys revoke: %v\n%s", err, out)
	}
	if got := get(); got != http.StatusUnauthorized {
		t.Fatalf("the revoked key: %d, want 401", got)
	}
}
