package mapisim

import (
	_ "embed"
	"errors"
	"html/template"
	"net/http"

	"github.com/kassa-dev/kassa/mapi"
)

//go:embed sign.html
var signHTML string

var signPage = template.Must(template.New("sign").Parse(signHTML))

type signCustomer struct{ Name, GovernmentID, Email, Phone string }

type signData struct {
	ID, Store, Method, Currency string
	Customer                    *signCustomer
	Lines                       []mapi.OrderLine
	Total                       mapi.Decimal
	Open                        bool
	Message                     string
}

// handleSignPage shows the payment with approve/reject/abort buttons, or
// its outcome once decided (410 once expired).
func (s *Sim) handleSignPage(w http.ResponseWriter, r *http.Request) {
	p := s.lookup(r.PathValue("id"))
	if p == nil {
		s.renderSign(w, http.StatusNotFound, signData{Store: "Unknown payment", Message: "There is no such payment."})
		return
	}
	s.expireIfDue(p)
	p.mu.Lock()
	d := p.signData()
	p.mu.Unlock()
	status := http.StatusOK
	if rr := d.reason; rr == mapi.RejectedTimeout {
		status = http.StatusGone
	}
	s.renderSign(w, status, d.signData)
}

// handleSignPost takes the customer's decision and redirects (303).
func (s *Sim) handleSignPost(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	to, err := s.Sign(id, Decision(r.PostFormValue("decision")))
	if err == nil {
		http.Redirect(w, r, to, http.StatusSeeOther)
		return
	}
	status := http.StatusBadRequest
	switch {
	case errors.Is(err, ErrNotFound):
		status = http.StatusNotFound
	case errors.Is(err, ErrAlreadyDecided):
		status = http.StatusConflict
	case errors.Is(err, ErrExpired):
		status = http.StatusGone
	}
	d := signData{Store: "Payment " + id, Message: "Not signed: " + err.Error()}
	if p := s.lookup(id); p != nil {
		p.mu.Lock()
		d = p.signData().signData
		p.mu.Unlock()
		d.Message = "Not signed: " + err.Error() + ". " + d.Message
	}
	s.renderSign(w, status, d)
}

// pageCSP allows the simulator's pages nothing but their inline styles and
// same-origin images: no script, no plugin, no framing. form-action is
// left out: the signing form's answer redirects to the shop, and browsers
// apply form-action to that redirect.
const pageCSP = "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; " +
	"base-uri 'none'; frame-ancestors 'none'"

// setPageHeaders sets the headers of every HTML page of the simulator:
// the security headers a shop's pages send, with the simulator's own CSP.
func setPageHeaders(h http.Header) {
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Content-Security-Policy", pageCSP)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "same-origin")
	h.Set("X-Frame-Options", "DENY")
}

func (s *Sim) renderSign(w http.ResponseWriter, status int, d signData) {
	setPageHeaders(w.Header())
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	if err := signPage.Execute(w, d); err != nil {
		s.log.Error("sign page", "err", err)
	}
}

type signView struct {
	signData
	reason mapi.RejectedCategory
}

// signData is the page's view of the payment. Caller holds p.mu.
func (p *payment) signData() signView {
	d := signData{ID: p.pay.ID, Store: p.store.Name, Method: p.method.Name, Currency: p.store.currency,
		Total: p.pay.Order.TotalOrderAmount, Open: !p.decided}
	if len(p.pay.Order.ActionLog) > 0 {
		d.Lines = p.pay.Order.ActionLog[0].OrderLines
	}
	if c := p.pay.Customer; c != nil {
		sc := &signCustomer{GovernmentID: c.GovernmentID, Email: c.Email, Phone: c.MobilePhone}
		if a := c.DeliveryAddress; a != nil {
			sc.Name = a.FullName
		}
		d.Customer = sc
	}
	v := signView{signData: d}
	if rr := p.pay.RejectedReason; rr != nil {
		v.reason = rr.Category
	}
	switch {
	case !p.decided:
	case v.reason == mapi.RejectedTimeout:
		d.Message = "This payment has expired."
	default:
		d.Message = "This payment is " + string(p.pay.Status) + "."
		if v.reason != "" {
			d.Message = "This payment is REJECTED (" + string(v.reason) + ")."
		}
	}
	v.signData = d
	return v
}
