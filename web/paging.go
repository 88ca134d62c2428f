package web

import (
	"context"
	"net/url"
	"strconv"

	"github.com/kassa-dev/kassa"
)

// Paging of the admin lists and the admin API's listings
// (docs/architecture.md §Listings at scale). A page is found by keyset:
// "after" (the id of the last row of the page before) or "before" (the
// id of the first row of the page after), so a deep page costs what the
// first does. "offset" and "page" still work up to maxOffset rows in. The
// store is asked for one row more than the page holds, which tells
// whether a further page exists.

// maxOffset bounds offset paging: deeper pages are read by keyset.
const maxOffset = 10000

// cursors is a listing's position: a keyset or an offset.
type cursors struct {
	After, Before int64
	Offset        int
}

// readCursors reads after, before, offset and page (from 1, limit rows
// each) from q.
func readCursors(q url.Values, limit int) (cursors, error) {
	var c cursors
	for _, p := range []struct {
		name string
		dst  *int64
	}{{"after", &c.After}, {"before", &c.Before}} {
		if v := q.Get(p.name); v != "" {
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil || n < 1 {
				return c, invalid(p.name, "Use an id from a listing's cursor.")
			}
			*p.dst = n
		}
	}
	if v := q.Get("offset"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return c, invalid("offset", "Use a number from 0.")
		}
		c.Offset = n
	}
	if v := q.Get("page"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > maxOffset {
			return c, invalid("page", "Use a page number from 1.")
		}
		c.Offset = (n - 1) * limit
	}
	if c.Offset > maxOffset {
		return c, invalid("offset", "Offsets go up to "+strconv.Itoa(maxOffset)+"; page deeper with after.")
	}
	return c, nil
}

// reversed reports whether the page was read from Before towards the
// newest rows.
func (c cursors) reversed() bool { return c.Before != 0 && c.After == 0 }

// cutPage trims rows, read with the store's limit set to limit+1, to the
// page, and returns the cursors of its neighbours: next (the after of the
// following page) and prev (the before of the preceding one), 0 where there
// is none.
func cutPage[T any](rows []T, id func(T) int64, limit int, c cursors) (page []T, next, prev int64) {
	more := len(rows) > limit
	if c.reversed() {
		if more {
			rows = rows[1:]
		}
		if len(rows) > 0 {
			next = id(rows[len(rows)-1])
			if more {
				prev = id(rows[0])
			}
		}
		return rows, next, prev
	}
	if more {
		rows = rows[:limit]
	}
	if len(rows) > 0 {
		if more {
			next = id(rows[len(rows)-1])
		}
		if c.After != 0 || c.Offset > 0 {
			prev = id(rows[0])
		}
	}
	return rows, next, prev
}

// listing is the paging of an admin list, shown by the "pager" template.
type listing struct {
	Total    int    // items matching the filter, at most kassa.CountCap+1
	Noun     string // the plural message that counts the items, e.g. "admin.count.orders"
	NewerURL string // the page before, "" if none
	OlderURL string // the page after, "" if none
}

// newListing is the paging of a list whose filter's URL is base (with a
// query) and whose neighbour pages have the cursors next and prev.
func newListing(noun, base string, total int, next, prev int64) listing {
	l := listing{Total: total, Noun: noun}
	if next != 0 {
		l.OlderURL = base + "&after=" + strconv.FormatInt(next, 10)
	}
	if prev != 0 {
		l.NewerURL = base + "&before=" + strconv.FormatInt(prev, 10)
	}
	return l
}

// Count is Total for the plural message Noun.
func (l listing) Count() int64 { return int64(l.Total) }

// Capped reports whether there are more items than were counted.
func (l listing) Capped() bool { return l.Total > kassa.CountCap }

// CountCap is kassa.CountCap, for the pager's "more than".
func (listing) CountCap() int64 { return kassa.CountCap }

// readPage reads the page of limit rows from the cursors c, with read
// asked for one row more (so that the page knows whether another follows),
// and returns it with its total and its neighbours' cursors.
func readPage[T any](limit int, c cursors, id func(T) int64, read func(limit int) ([]T, int, error)) (_ []T, total int, next, prev int64, err error) {
	list, total, err := read(limit + 1)
	if err != nil {
		return nil, 0, 0, 0, err
	}
	list, next, prev = cutPage(list, id, limit, c)
	return list, total, next, prev, nil
}

// listOrders reads the page of orders f selects and its neighbours'
// cursors.
func (s *Server) listOrders(ctx context.Context, f kassa.OrderFilter) ([]*kassa.Order, int, int64, int64, error) {
	return readPage(f.Limit, cursors{After: f.After, Before: f.Before, Offset: f.Offset},
		func(o *kassa.Order) int64 { return o.ID },
		func(n int) ([]*kassa.Order, int, error) { f.Limit = n; return s.cfg.Store.Orders(ctx, f) })
}

// listCallbacks reads the page of inbox entries f selects and its
// neighbours' cursors.
func (s *Server) listCallbacks(ctx context.Context, f kassa.CallbackFilter) ([]*kassa.Callback, int, int64, int64, error) {
	return readPage(f.Limit, cursors{After: f.After, Before: f.Before, Offset: f.Offset},
		func(cb *kassa.Callback) int64 { return cb.ID },
		func(n int) ([]*kassa.Callback, int, error) { f.Limit = n; return s.cfg.Store.Callbacks(ctx, f) })
}

// listActions reads the page of actions f selects and its neighbours'
// cursors.
func (s *Server) listActions(ctx context.Context, f kassa.ActionFilter) ([]*kassa.Action, int, int64, int64, error) {
	return readPage(f.Limit, cursors{After: f.After, Before: f.Before, Offset: f.Offset},
		func(a *kassa.Action) int64 { return a.ID },
		func(n int) ([]*kassa.Action, int, error) { f.Limit = n; return s.cfg.Engine.Actions(ctx, f) })
}

// listMails reads the page of mails f selects and its neighbours'
// cursors.
func (s *Server) listMails(ctx context.Context, f kassa.MailFilter) ([]*kassa.Mail, int, int64, int64, error) {
	return readPage(f.Limit, cursors{After: f.After, Before: f.Before, Offset: f.Offset},
		func(m *kassa.Mail) int64 { return m.ID },
		func(n int) ([]*kassa.Mail, int, error) { f.Limit = n; return s.cfg.Store.Mails(ctx, f) })
}

// listDeliveries reads the page of webhook deliveries f selects and its
// neighbours' cursors.
func (s *Server) listDeliveries(ctx context.Context, f kassa.WebhookDeliveryFilter) ([]*kassa.WebhookDelivery, int, int64, int64, error) {
	return readPage(f.Limit, cursors{After: f.After, Before: f.Before, Offset: f.Offset},
		func(d *kassa.WebhookDelivery) int64 { return d.ID },
		func(n int) ([]*kassa.WebhookDelivery, int, error) {
			f.Limit = n
			return s.cfg.Store.WebhookDeliveries(ctx, f)
		})
}

// filterBar is the filter form of an admin list by state (and, when it
// is narrowed to one order, that order): the "stateFilter" template.
type filterBar struct {
	Path    string // the list's URL
	State   string // the state chosen, "" for all
	OrderID int64  // the order the list is narrowed to, 0 for none
	States  []string
}

// newFilterBar is the filter form of the list at path.
func newFilterBar[S ~string](path string, state S, orderID int64, states []S) filterBar {
	b := filterBar{Path: path, State: string(state), OrderID: orderID, States: make([]string, len(states))}
	for i, st := range states {
		b.States[i] = string(st)
	}
	return b
}

// FilterBar is the callbacks list's filter form.
func (p *callbacksPage) FilterBar() filterBar {
	return newFilterBar("/admin/callbacks", p.Filter.State, p.Filter.OrderID, p.States)
}

// FilterBar is the actions list's filter form.
func (p *actionsPage) FilterBar() filterBar {
	return newFilterBar("/admin/actions", p.Filter.State, p.Filter.OrderID, p.States)
}

// FilterBar is the e-mails list's filter form.
func (p *mailsPage) FilterBar() filterBar {
	return newFilterBar("/admin/emails", p.Filter.State, p.Filter.OrderID, p.States)
}
