package web_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// BenchmarkCatalogPage renders the storefront over loopback HTTP (the
// part-payment prices come from the cache, not from MAPI).
func BenchmarkCatalogPage(b *testing.B) {
	st := newStack(b)
	c := &http.Client{}
	for b.Loop() {
		resp, err := c.Get(st.URL + "/")
		if err != nil || resp.StatusCode != http.StatusOK {
			b.Fatalf("%v %v", resp, err)
		}
		resp.Body.Close()
	}
}

// BenchmarkCallbackAck measures the answer to a Resurs callback (stored in
// the inbox, handed to a worker, 202) over loopback HTTP. Every body is new, so
// none is a duplicate.
func BenchmarkCallbackAck(b *testing.B) {
	st := newStack(b)
	_, o := placeAPIOrder(b, st, personaAccepted)
	u := st.URL + "/callbacks/resurs/management?t=" + url.QueryEscape(fmt.Sprintf("%d.%s", o.ID, o.CallbackToken))
	c := &http.Client{}
	i := 0
	for b.Loop() {
		i++
		body := fmt.Sprintf(`{"paymentId":%q,"action":"CAPTURE","actionId":"00000000-0000-4000-8000-%012d","created":"2026-01-02T10:00:00Z"}`, o.PaymentID, i)
		resp, err := c.Post(u, "application/json", strings.NewReader(body))
		if err != nil || resp.StatusCode != http.StatusAccepted {
			b.Fatalf("%v %v", resp, err)
		}
		resp.Body.Close()
	}
}
