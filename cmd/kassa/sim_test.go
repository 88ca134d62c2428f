package main

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/kassa-dev/kassa/mapisim"
)

// TestServeSimPrivate: with the built-in simulator, the shop publishes
// its signing pages and legal documents, but neither its token endpoint
// nor any of its API, and prints no credentials.
func TestServeSimPrivate(t *testing.T) {
	base, banner, stop := startServe(t, "--data", t.TempDir(), "--admin-password", "secret-pw")
	defer stop()
	if strings.Contains(banner, mapisim.DefaultClientSecret) {
		t.Errorf("the banner prints the simulator's secret:\n%s", banner)
	}
	c := noRedirectClient()
	resp := mustDo(t, c, http.MethodPost, base+"/api/orders", "application/json", bookOrderJSON)
	var created struct{ RedirectURL string }
	if resp.code != http.StatusCreated || json.Unmarshal([]byte(resp.body), &created) != nil {
		t.Fatalf("place order: %d %s", resp.code, resp.body)
	}
	paymentID := created.RedirectURL[strings.LastIndex(created.RedirectURL, "/")+1:]
	for _, r := range []struct {
		method, path, contentType, body string
		want                            int
	}{
		{"GET", "/sim/sign/" + paymentID, "", "", http.StatusOK},
		{"GET", "/sim/legal/" + mapisim.MethodInvoice + "/GENERAL_TERMS", "", "", http.StatusOK},
		{"POST", "/sim/oauth2/token", "application/x-www-form-urlencoded",
			"grant_type=client_credentials&client_id=kassa&client_secret=kassa-secret&scope=merchant-api", http.StatusNotFound},
		{"GET", "/sim/v2/stores", "", "", http.StatusNotFound},
		{"GET", "/sim/v2/payments/" + paymentID, "", "", http.StatusNotFound},
		{"POST", "/sim/v2/payments/search", "application/json", `{"storeId":"` + mapisim.DefaultStoreID + `"}`, http.StatusNotFound},
		{"POST", "/sim/v2/payments/" + paymentID + "/cancel", "application/json", "{}", http.StatusNotFound},
	} {
		if got := mustDo(t, c, r.method, base+r.path, r.contentType, r.body); got.code != r.want {
			t.Errorf("%s %s: %d, want %d", r.method, r.path, got.code, r.want)
		}
	}
}

// TestServeRestartKeepsSimPayments: an order paid before a restart of the
// shop can be captured after it: the built-in simulator kept its payment.
func TestServeRestartKeepsSimPayments(t *testing.T) {
	dir := t.TempDir()
	base, _, stop := startServe(t, "--data", dir, "--admin-password", "secret-pw")
	id, _ := paidServeOrder(t, base)
	stop()

	base, _, stop = startServe(t, "--data", dir, "--admin-password", "secret-pw")
	defer stop()
	req, err := http.NewRequest(http.MethodPost, base+"/api/admin/orders/"+strconv.FormatInt(id, 10)+"/capture",
		strings.NewReader(`{"all":true}`))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.SetBasicAuth("admin", "secret-pw")
	resp, err := noRedirectClient().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	var got struct{ Order struct{ Status string } }
	if resp.StatusCode != http.StatusOK || json.Unmarshal(body, &got) != nil || got.Order.Status != "completed" {
		t.Fatalf("capture after the restart: %d %s", resp.StatusCode, body)
	}
}

// TestSimWarnsOffLoopback: `kassa sim` warns when it listens on an
// address other machines can reach, and not on loopback.
func TestSimWarnsOffLoopback(t *testing.T) {
	t.Setenv("KASSA_SIM_DATA", "")
	for _, c := range []struct {
		addr string
		warn bool
	}{{"127.0.0.1:0", false}, {"0.0.0.0:0", true}} {
		ctx, cancel := context.WithCancel(context.Background())
		var stdout, stderr syncBuffer
		done := make(chan error, 1)
		go func() { done <- run(ctx, []string{"sim", "--addr", c.addr}, &stdout, &stderr) }()
		deadline := time.Now().Add(10 * time.Second)
		for !strings.Contains(stdout.String(), "listening on") && time.Now().Before(deadline) {
			time.Sleep(10 * time.Millisecond)
		}
		cancel()
		if err := <-done; err != nil {
			t.Fatalf("sim --addr %s: %v", c.addr, err)
		}
		if got := strings.Contains(stderr.String(), "warning"); got != c.warn {
			t.Errorf("sim --addr %s: warning %v, want %v\n%s", c.addr, got, c.warn, stderr.String())
		}
	}
}
