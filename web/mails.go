package web

import (
	"net/http"

	"github.com/kassa-dev/kassa"
	"github.com/kassa-dev/kassa/locale"
)

// The admin's E-mails page: the outbox of order e-mails, sent, queued,
// failed or (without SMTP) kept, and each mail as the customer gets it.

// mailsPage is the list of mails.
type mailsPage struct {
	listing
	Filter kassa.MailFilter
	Mails  []*kassa.Mail
	States []kassa.MailState
}

func (*mailsPage) title(l *locale.Lang) string { return l.T("admin.nav.emails") }

// baseURL is the list's URL with its filter, without paging.
func (p *mailsPage) baseURL() string {
	return filteredURL("/admin/emails", string(p.Filter.State), p.Filter.OrderID)
}

// mailPage is one mail.
type mailPage struct{ Mail *kassa.Mail }

func (p *mailPage) title(l *locale.Lang) string { return l.T("admin.mail.title", "ID", p.Mail.ID) }

// mailFilter reads the list's filter: state, order and page.
func mailFilter(r *http.Request) (kassa.MailFilter, error) {
	q := r.URL.Query()
	f := kassa.MailFilter{State: kassa.MailState(q.Get("state")), Limit: 25}
	if f.State != "" && !f.State.Valid() {
		return f, invalidSaid("state", "admin.unknown_state")
	}
	var c cursors
	var err error
	f.OrderID, c, err = orderAndPage(q, f.Limit)
	f.After, f.Before, f.Offset = c.After, c.Before, c.Offset
	return f, err
}

func (s *Server) handleAdminMails(w http.ResponseWriter, r *http.Request) error {
	f, err := mailFilter(r)
	if err != nil {
		return err
	}
	ms, total, next, prev, err := s.listMails(r.Context(), f)
	if err != nil {
		return err
	}
	p := &mailsPage{Filter: f, Mails: ms, States: kassa.MailStates}
	p.listing = newListing("admin.count.emails", p.baseURL(), total, next, prev)
	s.render(w, r, http.StatusOK, "mails", p)
	return nil
}

func (s *Server) handleAdminMail(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	m, err := s.cfg.Store.Mail(r.Context(), id)
	if err != nil {
		return err
	}
	if m, err = s.cfg.Engine.MailContent(r.Context(), m); err != nil {
		return err
	}
	s.render(w, r, http.StatusOK, "mail", &mailPage{Mail: m})
	return nil
}
