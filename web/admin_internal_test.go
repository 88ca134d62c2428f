package web

import (
	"net/url"
	"slices"
	"testing"

	"github.com/kassa-dev/kassa"
)

// TestAdminListPagesKeepFilters: the page links of the inbox and the
// actions list keep the state and the order they are filtered by.
func TestAdminListPagesKeepFilters(t *testing.T) {
	cb := &callbacksPage{Filter: kassa.CallbackFilter{State: kassa.CallbackProcessed, OrderID: 7}}
	l := newListing("callbacks", cb.baseURL(), 80, 40, 66)
	if got, want := l.OlderURL, "/admin/callbacks?state=processed&order=7&after=40"; got != want {
		t.Errorf("inbox older link = %q, want %q", got, want)
	}
	if got, want := l.NewerURL, "/admin/callbacks?state=processed&order=7&before=66"; got != want {
		t.Errorf("inbox newer link = %q, want %q", got, want)
	}
	cb.Filter.OrderID = 0
	if got, want := newListing("callbacks", cb.baseURL(), 80, 3, 0).OlderURL, "/admin/callbacks?state=processed&after=3"; got != want {
		t.Errorf("inbox page link = %q, want %q", got, want)
	}
	ap := &actionsPage{Filter: kassa.ActionFilter{State: kassa.ActionFailed, OrderID: 12}}
	if got, want := newListing("actions", ap.baseURL(), 80, 9, 0).OlderURL, "/admin/actions?state=failed&order=12&after=9"; got != want {
		t.Errorf("actions page link = %q, want %q", got, want)
	}
}

// TestCutPage: a page read one row long tells whether the pages on either
// side exist, whichever way it was read.
func TestCutPage(t *testing.T) {
	id := func(n int64) int64 { return n }
	for _, tt := range []struct {
		name       string
		rows       []int64 // as the store returned them, newest first
		c          cursors
		want       []int64
		next, prev int64
	}{
		{"first page, more", []int64{9, 8, 7, 6}, cursors{}, []int64{9, 8, 7}, 7, 0},
		{"first page, all", []int64{9, 8}, cursors{}, []int64{9, 8}, 0, 0},
		{"after, more", []int64{6, 5, 4, 3}, cursors{After: 7}, []int64{6, 5, 4}, 4, 6},
		{"after, last", []int64{3, 2}, cursors{After: 4}, []int64{3, 2}, 0, 3},
		{"after, empty", nil, cursors{After: 1}, nil, 0, 0},
		{"before, more", []int64{9, 8, 7, 6}, cursors{Before: 5}, []int64{8, 7, 6}, 6, 8},
		{"before, first", []int64{9, 8}, cursors{Before: 7}, []int64{9, 8}, 8, 0},
		{"offset", []int64{6, 5, 4, 3}, cursors{Offset: 3}, []int64{6, 5, 4}, 4, 6},
	} {
		got, next, prev := cutPage(slices.Clone(tt.rows), id, 3, tt.c)
		if !slices.Equal(got, tt.want) || next != tt.next || prev != tt.prev {
			t.Errorf("%s: %v next %d prev %d, want %v next %d prev %d", tt.name, got, next, prev, tt.want, tt.next, tt.prev)
		}
	}
}

// TestReadCursors: cursors are positive ids, offsets stop at maxOffset.
func TestReadCursors(t *testing.T) {
	for _, tt := range []struct {
		q    string
		want cursors
		bad  string
	}{
		{"after=5", cursors{After: 5}, ""},
		{"before=7", cursors{Before: 7}, ""},
		{"page=3", cursors{Offset: 50}, ""},
		{"offset=10000", cursors{Offset: 10000}, ""},
		{"offset=10001", cursors{}, "offset"},
		{"page=500", cursors{}, "offset"},
		{"after=0", cursors{}, "after"},
		{"before=x", cursors{}, "before"},
	} {
		q, _ := url.ParseQuery(tt.q)
		got, err := readCursors(q, 25)
		var field string
		if e, ok := err.(*kassa.Error); ok && len(e.Fields) > 0 {
			field = e.Fields[0].Field
		}
		if field != tt.bad || (tt.bad == "" && got != tt.want) {
			t.Errorf("%s: %+v, %v; want %+v, bad %q", tt.q, got, err, tt.want, tt.bad)
		}
	}
}
