package web_test

import (
	"context"
	"fmt"
	"html"
	"net/http"
	"regexp"
	"slices"
	"testing"

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
