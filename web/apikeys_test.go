package web_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/kassa-dev/kassa"
)

// bearerGet reads u with an API key through c.
func bearerGet(t *testing.T, c *http.Client, u, key string) (*http.Response, string) {
	t.Helper()
	return do(t, c, http.MethodGet, u, nil, map[string]string{"Authorization": "Bearer " + key})
}

// createKey creates an API key named name in the store and returns it.
func createKey(t testing.TB, st *stack, name string) (string, *kassa.APIKey) {
	t.Helper()
	key, k, err := kassa.NewAPIKey(name, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if err := st.DB.CreateAPIKey(context.Background(), k); err != nil {
		t.Fatal(err)
	}
	return key, k
}

var createdKeyRe = regexp.MustCompile(`id="created-key">(kassa_[A-Za-z0-9_-]+)<`)

func TestAPIKeyFromAdminOpensAdminAPI(t *testing.T) {
	t.Parallel()
	st := newStack(t)
	admin := client(t)
	csrf := login(t, admin, st.URL)
	resp, page := postForm(t, admin, st.URL+"/admin/keys", url.Values{"csrf": {csrf}, "name": {"My web shop"}})
	m := createdKeyRe.FindStringSubmatch(page)
	if resp.StatusCode != http.StatusOK || m == nil {
		t.Fatalf("create a key: status %d, key shown: %v", resp.StatusCode, m != nil)
	}
	key := m[1]
	if got := resp.Header.Get("Cache-Control"); got != "no-store" {
		t.Errorf("the page showing the key: Cache-Control %q, want no-store", got)
	}
	_, list := do(t, admin, http.MethodGet, st.URL+"/admin/keys", nil, nil)
	if strings.Contains(list, key) || !strings.Contains(list, key[:14]) || !strings.Contains(list, "never") {
		t.Fatalf("the list must show the key's prefix and no use, never the key itself")
	}

	c := client(t)
	if resp, body := bearerGet(t, c, st.URL+"/api/admin/orders", key); resp.StatusCode != http.StatusOK {
		t.Fatalf("admin API with the key: %d %s", resp.StatusCode, body)
	}
	_, list = do(t, admin, http.MethodGet, st.URL+"/admin/keys", nil, nil)
	if strings.Contains(list, ">never<") {
		t.Errorf("the key's last use is not shown after a request")
	}

	ks, err := st.DB.APIKeys(context.Background())
	if err != nil || len(ks) != 1 {
		t.Fatalf("keys %v, %v", ks, err)
	}
	resp, _ = postForm(t, admin, st.URL+"/admin/keys/"+itoa(ks[0].ID)+"/revoke", url.Values{"csrf": {csrf}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("revoke: status %d", resp.StatusCode)
	}
	if resp, _ := bearerGet(t, c, st.URL+"/api/admin/orders", key); resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("revoked key: status %d, want 401 at once", resp.StatusCode)
	}
}

// A key revoked by another process (kassa keys revoke, straight in the
// store) is refused from the next request: nothing caches keys.
func TestRevokedKeyRefusedAtOnce(t *testing.T) {
	t.Parallel()
	st := newStack(t)
	key, k := createKey(t, st, "shop")
	c := client(t)
	if resp, _ := bearerGet(t, c, st.URL+"/api/admin/callbacks", key); resp.StatusCode != http.StatusOK {
		t.Fatalf("valid key: %d", resp.StatusCode)
	}
	if err := st.DB.RevokeAPIKey(context.Background(), k.ID, time.Now()); err != nil {
		t.Fatal(err)
	}
	resp, _ := bearerGet(t, c, st.URL+"/api/admin/callbacks", key)
	if resp.StatusCode != http.StatusUnauthorized || !strings.Contains(strings.Join(resp.Header.Values("WWW-Authenticate"), ","), "Bearer") {
		t.Fatalf("revoked key: %d (WWW-Authenticate %q), want 401 with a Bearer challenge", resp.StatusCode,
			resp.Header.Values("WWW-Authenticate"))
	}
}

// Wrong keys drain the same per-client bucket as wrong passwords.
func TestBearerLimited(t *testing.T) {
	t.Parallel()
	st := newStack(t)
	key, _ := createKey(t, st, "shop")
	c := client(t)
	u := st.URL + "/api/admin/orders"
	for i := range 12 {
		want := http.StatusUnauthorized
		if i >= 10 {
			want = http.StatusTooManyRequests
		}
		if resp, _ := bearerGet(t, c, u, "kassa_guess"+itoa(int64(i))); resp.StatusCode != want {
			t.Fatalf("wrong key %d: status %d, want %d", i+1, resp.StatusCode, want)
		}
	}
	if resp, _ := bearerGet(t, c, u, key); resp.StatusCode != http.StatusTooManyRequests {
		t.Errorf("right key from the limited client: %d, want 429", resp.StatusCode)
	}
	if resp, _ := bearerGet(t, clientFrom(t, "127.0.0.2"), u, key); resp.StatusCode != http.StatusOK {
		t.Errorf("right key from another client: %d, want 200", resp.StatusCode)
	}
}
