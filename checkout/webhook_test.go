package checkout_test

import (
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kassa-dev/kassa"
	"github.com/kassa-dev/kassa/checkout"
)

// An endpoint that keeps failing is retried with backoff until
// WebhookDisableAfter, then disabled, and the owner gets a mail in the
// same write; its deliveries stop.
func TestWebhookEndpointDisabled(t *testing.T) {
	var calls atomic.Int64
	down := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		w.WriteHeader(http.StatusInternalServerError)
	}))
	defer down.Close()
	e := newEnv(t, envOptions{config: func(c *checkout.Config) {
		c.WebhookPoll, c.ShopEmail = 10*time.Millisecond, "owner@shop.example"
	}})
	ep := &kassa.WebhookEndpoint{URL: down.URL, Secret: "whsec_c2VjcmV0c2VjcmV0"}
	if err := e.db.CreateWebhookEndpoint(e.ctx, ep); err != nil {
		t.Fatal(err)
	}
	o, err := e.eng.CreateCheckout(e.ctx, hostedRequest(), kassa.SourceAPI)
	if err != nil {
		t.Fatal(err)
	}
	e.waitFor("a first attempt", func() bool { return calls.Load() >= 1 })
	e.waitFor("the endpoint marked failing", func() bool {
		got, err := e.db.WebhookEndpoint(e.ctx, ep.ID)
		return err == nil && !got.FailingSince.IsZero()
	})
	for range 40 { // past 72 hours, in steps the backoff (at most 5 min) keeps up with
		e.clock.Advance(2 * time.Hour)
		time.Sleep(15 * time.Millisecond)
		if got, _ := e.db.WebhookEndpoint(e.ctx, ep.ID); got != nil && !got.DisabledAt.IsZero() {
			break
		}
	}
	e.waitFor("the endpoint disabled", func() bool {
		got, err := e.db.WebhookEndpoint(e.ctx, ep.ID)
		return err == nil && !got.DisabledAt.IsZero()
	})
	ms, _, err := e.db.Mails(e.ctx, kassa.MailFilter{OrderID: o.ID})
	if err != nil || len(ms) != 1 || ms[0].Kind != kassa.MailWebhookDisabled || ms[0].To != "owner@shop.example" {
		t.Fatalf("owner mail: %+v %v", ms, err)
	}
	n := calls.Load()
	e.clock.Advance(time.Hour)
	time.Sleep(100 * time.Millisecond)
	if calls.Load() != n {
		t.Fatalf("a disabled endpoint was called again")
	}
}
