package web_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"

	"github.com/kassa-dev/kassa"
)

// receiver is a merchant's webhook endpoint on loopback: it records every
// delivery with its headers, and answers status (200 unless set).
type receiver struct {
	mu     sync.Mutex
	got    []delivered
	status int
	srv    *httptest.Server
}

type delivered struct {
	header http.Header
	body   []byte
	event  struct {
		ID, Type, Timestamp string
		Data                struct {
			Before, After, Reason string
			Order                 struct {
				ID                   int64
				Status, Reference    string
				Authorized, Captured string
			}
			Action struct {
				Kind, TransactionID, Amount, ResursActionID string
			}
		}
	}
}

func newReceiver(t *testing.T) *receiver {
	rc := &receiver{status: http.StatusOK}
	doc := apiDoc(t)
	rc.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		d := delivered{header: r.Header.Clone(), body: b}
		if err := json.Unmarshal(b, &d.event); err != nil {
			t.Errorf("webhook body is not the event JSON: %v\n%s", err, b)
		}
		if err := doc.checkWebhook(b); err != nil {
			t.Errorf("OpenAPI: %v\n%s", err, b)
		}
		rc.mu.Lock()
		defer rc.mu.Unlock()
		rc.got = append(rc.got, d)
		w.WriteHeader(rc.status)
	}))
	t.Cleanup(rc.srv.Close)
	return rc
}

func (rc *receiver) deliveries() []delivered {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return append([]delivered(nil), rc.got...)
}

// waitFor waits until the receiver got an event of type typ (with after,
// when not empty) and returns it.
func (rc *receiver) waitFor(t *testing.T, typ, after string) delivered {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		for _, d := range rc.deliveries() {
			if d.event.Type == typ && (after == "" || d.event.Data.After == after) {
				return d
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("no %s event (after %q) arrived; got %d deliveries", typ, after, len(rc.deliveries()))
	return delivered{}
}

// TestWebhooksDelivered: an endpoint registered through the API gets
// order.created, order.status_changed → processing and, after a capture
// through the API, order.action, each signed per Standard Webhooks with
// its secret; a wrong secret fails verification.
func TestWebhooksDelivered(t *testing.T) {
	t.Parallel()
	st := newStack(t)
	key, _ := createKey(t, st, "shop")
	rc := newReceiver(t)
	auth := map[string]string{"Authorization": "Bearer " + key}
	resp, body := postJSON(t, client(t), st.URL+"/api/admin/webhooks", mustJSON(t, map[string]any{"url": rc.srv.URL + "/hooks"}), auth)
	var ep struct {
		ID     int64
		Secret string
	}
	decode(t, body, &ep)
	if resp.StatusCode != http.StatusCreated || !strings.HasPrefix(ep.Secret, "whsec_") {
		t.Fatalf("POST /api/admin/webhooks: %d %s", resp.StatusCode, body)
	}
	resp, body = postCheckout(t, st, key, mustJSON(t, merchantCheckout("Shop-9")), nil)
	var a checkoutAnswer
	decode(t, body, &a)
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("POST /api/checkouts: %d %s", resp.StatusCode, body)
	}
	c := client(t)
	resp, _ = postForm(t, c, a.URL, checkoutForm(personaAccepted))
	postForm(t, c, resp.Header.Get("Location"), url.Values{"decision": {"approve"}})
	waitStatus(t, st.DB, a.ID, kassa.StatusProcessing)

	created := rc.waitFor(t, "order.created", "")
	changed := rc.waitFor(t, "order.status_changed", "processing")
	if changed.event.Data.Before != "pending" || changed.event.Data.Order.Reference != "Shop-9" ||
		changed.event.Data.Order.Authorized != "317.20" {
		t.Fatalf("status change event: %s", changed.body)
	}
	resp, body = postJSON(t, client(t), st.URL+"/api/admin/orders/"+itoa(a.ID)+"/capture", `{"all":true}`, auth)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("capture: %d %s", resp.StatusCode, body)
	}
	action := rc.waitFor(t, "order.action", "")
	if action.event.Data.Action.Kind != "capture" || action.event.Data.Action.Amount != "317.20" ||
		action.event.Data.Action.ResursActionID == "" {
		t.Fatalf("action event: %s", action.body)
	}
	completed := rc.waitFor(t, "order.status_changed", "completed")

	wh, err := standardwebhooks.NewWebhook(ep.Secret)
	if err != nil {
		t.Fatal(err)
	}
	other, _ := standardwebhooks.NewWebhook("whsec_" + strings.Repeat("QUJD", 8))
	var ids []string
	for _, d := range []delivered{created, changed, action, completed} {
		if err := wh.Verify(d.body, d.header); err != nil {
			t.Errorf("%s: signature does not verify: %v", d.event.Type, err)
		}
		if err := other.Verify(d.body, d.header); err == nil {
			t.Errorf("%s: verifies with a wrong secret", d.event.Type)
		}
		if d.header.Get("webhook-id") != d.event.ID {
			t.Errorf("webhook-id %q, body id %q", d.header.Get("webhook-id"), d.event.ID)
		}
		ids = append(ids, d.event.ID)
	}
	// In order per order: created, processing, the action, completed.
	var order []string
	for _, d := range rc.deliveries() {
		order = append(order, d.event.ID)
	}
	if strings.Join(order, " ") != strings.Join(ids, " ") {
		t.Errorf("delivered in the order %v, want %v", order, ids)
	}

	resp, body = do(t, client(t), http.MethodGet, st.URL+"/api/admin/webhooks/"+itoa(ep.ID)+"/deliveries", nil, auth)
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, `"state": "delivered"`) || !strings.Contains(body, `"lastStatus": 200`) {
		t.Fatalf("delivery log: %d %s", resp.StatusCode, body)
	}
}

// TestWebhookRetriedAndResent: a failing receiver gets the event again
// after the backoff, the log shows the answers, and "Send again" in the
// admin delivers a delivered event once more with the same webhook-id.
func TestWebhookRetriedAndResent(t *testing.T) {
	t.Parallel()
	st := newStack(t)
	key, _ := createKey(t, st, "shop")
	rc := newReceiver(t)
	rc.status = http.StatusServiceUnavailable
	auth := map[string]string{"Authorization": "Bearer " + key}
	_, body := postJSON(t, client(t), st.URL+"/api/admin/webhooks", mustJSON(t, map[string]any{
		"url": rc.srv.URL, "events": []string{"order.created"}}), auth)
	var ep struct{ ID int64 }
	decode(t, body, &ep)
	postCheckout(t, st, key, mustJSON(t, merchantCheckout("R-1")), nil)
	rc.waitFor(t, "order.created", "")
	rc.mu.Lock()
	rc.status = http.StatusOK
	rc.mu.Unlock()
	deadline := time.Now().Add(10 * time.Second)
	for len(rc.deliveries()) < 2 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	ds := rc.deliveries()
	if len(ds) != 2 || ds[0].event.ID != ds[1].event.ID {
		t.Fatalf("%d deliveries; want the failed one and its retry with the same id", len(ds))
	}
	list, _, err := st.DB.WebhookDeliveries(t.Context(), kassa.WebhookDeliveryFilter{EndpointID: ep.ID})
	if err != nil || len(list) != 1 || list[0].State != kassa.WebhookDelivered || list[0].Attempts != 2 {
		t.Fatalf("log: %+v %v", list, err)
	}

	admin := client(t)
	csrf := login(t, admin, st.URL)
	_, page := do(t, admin, http.MethodGet, st.URL+"/admin/webhooks/"+itoa(ep.ID), nil, nil)
	if !strings.Contains(page, "order.created") || !strings.Contains(page, "HTTP 200") || !strings.Contains(page, "Send again") {
		t.Fatalf("the endpoint's page does not show the delivery log")
	}
	resp, _ := postForm(t, admin, st.URL+"/admin/webhook-deliveries/"+itoa(list[0].ID)+"/resend", url.Values{"csrf": {csrf}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("send again: %d", resp.StatusCode)
	}
	deadline = time.Now().Add(10 * time.Second)
	for len(rc.deliveries()) < 3 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if ds := rc.deliveries(); len(ds) != 3 || ds[2].event.ID != ds[0].event.ID {
		t.Fatalf("after Send again: %d deliveries", len(ds))
	}
}
