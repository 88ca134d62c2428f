package web_test

import (
	"context"
	"fmt"
	"html"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kassa-dev/kassa"
)

// seedOrders stores n pending orders without lines and returns their ids,
// newest first.
func seedOrders(t *testing.T, st *stack, n int) []int64 {
	t.Helper()
	var ids []int64
	for i := range n {
		o := &kassa.Order{Key: fmt.Sprint("k", i), CallbackToken: fmt.Sprint("t", i), Currency: "SEK",
			Customer: kassa.Customer{Email: fmt.Sprintf("kund%d@example.se", i)}}
		if err := st.DB.CreateOrder(context.Background(), o, kassa.Event{Source: kassa.SourceCheckout}, nil); err != nil {
			t.Fatal(err)
		}
		ids = append([]int64{o.ID}, ids...)
	}
	return ids
}

// TestAPIOrdersKeyset: GET /api/admin/orders pages by the cursors it
// answers, forwards to the end and back to the start, and refuses a deep
// offset.
func TestAPIOrdersKeyset(t *testing.T) {
	t.Parallel()
	st := newStack(t)
	c := client(t)
	want := seedOrders(t, st, 5)
	creds := map[string]string{"Authorization": basicAuth()}
	type list struct {
		Orders []struct {
			ID int64 `json:"id"`
		} `json:"orders"`
		Total      int   `json:"total"`
		NextAfter  int64 `json:"nextAfter"`
		PrevBefore int64 `json:"prevBefore"`
	}
	get := func(query string) list {
		t.Helper()
		resp, body := do(t, c, http.MethodGet, st.URL+"/api/admin/orders?limit=2"+query, nil, creds)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("%s: %d %s", query, resp.StatusCode, body)
		}
		var l list
		decode(t, body, &l)
		if l.Total != 5 {
			t.Fatalf("%s: total %d, want 5", query, l.Total)
		}
		return l
	}
	var got []int64
	var last list
	for query := ""; ; {
		last = get(query)
		for _, o := range last.Orders {
			got = append(got, o.ID)
		}
		if last.NextAfter == 0 {
			break
		}
		query = fmt.Sprint("&after=", last.NextAfter)
	}
	if !slices.Equal(got, want) {
		t.Fatalf("forwards: %v, want %v", got, want)
	}
	got = nil
	for l := last; ; {
		var page []int64
		for _, o := range l.Orders {
			page = append(page, o.ID)
		}
		got = append(page, got...)
		if l.PrevBefore == 0 {
			break
		}
		l = get(fmt.Sprint("&before=", l.PrevBefore))
	}
	if !slices.Equal(got, want) {
		t.Fatalf("backwards: %v, want %v", got, want)
	}
	if resp, body := do(t, c, http.MethodGet, st.URL+"/api/admin/orders?offset=20000", nil, creds); resp.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("deep offset: %d %s, want 422", resp.StatusCode, body)
	}
}

// TestAdminOrdersPager: the admin's order list links to the older page by
// its cursor, keeping the filter.
func TestAdminOrdersPager(t *testing.T) {
	t.Parallel()
	st := newStack(t)
	c := client(t)
	ids := seedOrders(t, st, 30)
	login(t, c, st.URL)
	_, page := do(t, c, http.MethodGet, st.URL+"/admin/orders?status=pending", nil, nil)
	m := regexp.MustCompile(`href="([^"]*)">Older`).FindStringSubmatch(page)
	if m == nil {
		t.Fatal("no link to older orders on a full first page")
	}
	if want := fmt.Sprintf("/admin/orders?status=pending&q=&after=%d", ids[24]); html.UnescapeString(m[1]) != want {
		t.Fatalf("older link %q, want %q", html.UnescapeString(m[1]), want)
	}
	_, page = do(t, c, http.MethodGet, st.URL+html.UnescapeString(m[1]), nil, nil)
	if !regexp.MustCompile(`Newer</a>`).MatchString(page) || regexp.MustCompile(`Older`).MatchString(page) {
		t.Fatal("the last page should link to newer orders only")
	}
}

// basicAuth is the Authorization header of the admin API.
func basicAuth() string {
	req, _ := http.NewRequest(http.MethodGet, "/", nil)
	req.SetBasicAuth("admin", adminPassword)
	return req.Header.Get("Authorization")
}

// seedDeliveries stores an endpoint and n deliveries to it of one order,
// and returns the endpoint's id and the deliveries' ids, newest first.
func seedDeliveries(t *testing.T, st *stack, n int) (int64, []int64) {
	t.Helper()
	ctx := context.Background()
	order := seedOrders(t, st, 1)[0]
	ep := &kassa.WebhookEndpoint{URL: "http://127.0.0.1:1/hook", Secret: "whsec_c2VjcmV0"}
	if err := st.DB.CreateWebhookEndpoint(ctx, ep); err != nil {
		t.Fatal(err)
	}
	for i := range n {
		ev := &kassa.WebhookEvent{OrderID: order, Key: fmt.Sprint("v", i), Type: kassa.WebhookOrderStatusChanged,
			Body: []byte(fmt.Sprintf(`{"id":"evt_%d"}`, i)), At: time.Now()}
		if err := st.DB.AddWebhookEvent(ctx, ev); err != nil {
			t.Fatal(err)
		}
	}
	ds, _, err := st.DB.WebhookDeliveries(ctx, kassa.WebhookDeliveryFilter{EndpointID: ep.ID, Limit: n})
	if err != nil || len(ds) != n {
		t.Fatalf("%d deliveries stored (%v), want %d", len(ds), err, n)
	}
	var ids []int64
	for _, d := range ds {
		ids = append(ids, d.ID)
	}
	return ep.ID, ids
}

// TestAPIWebhookDeliveriesKeyset: an endpoint's delivery log pages by the
// cursors it answers, 50 a page, forwards to the end and back to the
// start, each page with the total.
func TestAPIWebhookDeliveriesKeyset(t *testing.T) {
	t.Parallel()
	st := newStack(t)
	c := client(t)
	ep, want := seedDeliveries(t, st, 60)
	creds := map[string]string{"Authorization": basicAuth()}
	type list struct {
		Deliveries []struct {
			ID int64 `json:"id"`
		} `json:"deliveries"`
		Total      int   `json:"total"`
		NextAfter  int64 `json:"nextAfter"`
		PrevBefore int64 `json:"prevBefore"`
	}
	get := func(query string) (list, []int64) {
		t.Helper()
		resp, body := do(t, c, http.MethodGet, fmt.Sprintf("%s/api/admin/webhooks/%d/deliveries?%s", st.URL, ep, query), nil, creds)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("%s: %d %s", query, resp.StatusCode, body)
		}
		var l list
		decode(t, body, &l)
		if l.Total != 60 {
			t.Fatalf("%s: total %d, want 60", query, l.Total)
		}
		var ids []int64
		for _, d := range l.Deliveries {
			ids = append(ids, d.ID)
		}
		return l, ids
	}
	first, page1 := get("")
	last, page2 := get(fmt.Sprint("after=", first.NextAfter))
	if len(page1) != 50 || first.PrevBefore != 0 || last.NextAfter != 0 || !slices.Equal(append(page1, page2...), want) {
		t.Fatalf("forwards: %v then %v (next %d, prev %d), want %v", page1, page2, last.NextAfter, first.PrevBefore, want)
	}
	back, again := get(fmt.Sprint("before=", last.PrevBefore))
	if back.PrevBefore != 0 || back.NextAfter != first.NextAfter || !slices.Equal(again, page1) {
		t.Fatalf("back: %v (prev %d, next %d), want %v", again, back.PrevBefore, back.NextAfter, page1)
	}
	resp, body := do(t, c, http.MethodGet, fmt.Sprintf("%s/api/admin/webhooks/%d/deliveries?after=x", st.URL, ep), nil, creds)
	if resp.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("after=x: %d %s, want 422", resp.StatusCode, body)
	}
}

// TestAdminWebhookDeliveriesPager: an endpoint's admin page shows a page
// of its deliveries, counts them all and links to the older page by its
// cursor, keeping the filter; that page links back.
func TestAdminWebhookDeliveriesPager(t *testing.T) {
	t.Parallel()
	st := newStack(t)
	c := client(t)
	ep, ids := seedDeliveries(t, st, 60)
	login(t, c, st.URL)
	_, page := do(t, c, http.MethodGet, fmt.Sprintf("%s/admin/webhooks/%d", st.URL, ep), nil, nil)
	m := regexp.MustCompile(`href="([^"]*)">Older`).FindStringSubmatch(page)
	if m == nil || !strings.Contains(page, "60 deliveries") {
		t.Fatalf("no count or no link to older deliveries on a full first page:\n%s", page)
	}
	if want := fmt.Sprintf("/admin/webhooks/%d?state=&after=%d", ep, ids[49]); html.UnescapeString(m[1]) != want {
		t.Fatalf("older link %q, want %q", html.UnescapeString(m[1]), want)
	}
	_, page = do(t, c, http.MethodGet, st.URL+html.UnescapeString(m[1]), nil, nil)
	if !regexp.MustCompile(`Newer</a>`).MatchString(page) || regexp.MustCompile(`Older`).MatchString(page) ||
		!strings.Contains(page, fmt.Sprintf("/admin/webhook-deliveries/%d/resend", ids[50])) ||
		strings.Contains(page, fmt.Sprintf("/admin/webhook-deliveries/%d/resend", ids[49])) {
		t.Fatal("the last page should hold the 10 oldest deliveries and link to newer ones only")
	}
}
