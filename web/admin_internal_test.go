package web

import (
	"testing"

	"github.com/kassa-dev/kassa"
)

// TestAdminListPagesKeepFilters: the page links of the inbox and the
// actions list keep the state and the order they are filtered by.
func TestAdminListPagesKeepFilters(t *testing.T) {
	cb := &callbacksPage{Filter: kassa.CallbackFilter{State: kassa.CallbackProcessed, OrderID: 7}}
	if got, want := cb.PageURL(2), "/admin/callbacks?state=processed&order=7&page=2"; got != want {
		t.Errorf("inbox page link = %q, want %q", got, want)
	}
	cb.Filter.OrderID = 0
	if got, want := cb.PageURL(3), "/admin/callbacks?state=processed&page=3"; got != want {
		t.Errorf("inbox page link = %q, want %q", got, want)
	}
	ap := &actionsPage{Filter: kassa.ActionFilter{State: kassa.ActionFailed, OrderID: 12}}
	if got, want := ap.PageURL(2), "/admin/actions?state=failed&order=12&page=2"; got != want {
		t.Errorf("actions page link = %q, want %q", got, want)
	}
}
