package web

import (
	"net/http"
	"strconv"

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

func (*mailsPage) title(*locale.Lang) string { return "E-mails" }

// PageURL is the list URL for page n with the same filter.
func (p *mailsPage) PageURL(n int) string {
	return filteredURL("/admin/emails", string(p.Filter.State), p.Filter.OrderID, n)
}

// mailPage is one mail.
type mailPage struct{ Mail *kassa.Mail }

func (p *mailPage) title(*locale.Lang) string { return "E-mail " + strconv.FormatInt(p.Mail.ID, 10) }

// mailFilter reads the list's filter: state, order and page.
func mailFilter(r *http.Request) (kassa.MailFilter, error) {
	q := r.URL.Query()
	f := kassa.MailFilter{State: kassa.MailState(q.Get("state")), Limit: 25}
	if f.State != "" && !f.State.Valid() {
		return f, invalid("state", "Unknown state.")
	}
	var err error
	f.OrderID, f.Offset, err = orderAndPage(q, f.Limit)
	return f, err
}

func (s *Server) handleAdminMails(w http.ResponseWriter, r *http.Request) error {
	f, err := mailFilter(r)
	if err != nil {
		return err
	}
	ms, total, err := s.cfg.Store.Mails(r.Context(), f)
	if err != nil {
		return err
	}
	s.render(w, r, http.StatusOK, "mails", &mailsPage{listing: newListing("e-mails", f.Offset, f.Limit, total),
		Filter: f, Mails: ms, States: kassa.MailStates})
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
	s.render(w, r, http.StatusOK, "mail", &mailPage{Mail: m})
	return nil
}
