package mapisim

import (
	"encoding/json"
	"net/http"
	"sync"
	"time"

	"github.com/kassa-dev/kassa/mapi"
)

// payment is one payment and everything the bank knows about it. mu guards
// every field except seq, store, method and the fields set at creation.
type payment struct {
	mu     sync.Mutex
	seq    uint64
	pay    mapi.Payment
	store  *store
	method *method

	handleFrozen, handleInspection, autoCapture bool
	successURL, failURL                         string
	cbAuth, cbMgmt, cbCredit                    string
	baseURL                                     string

	decided   bool // the customer signed (approve, reject, abort) or the TTL ran out
	completed bool // tasks/status "completed"
	expiresAt time.Time
	verdictAt time.Time       // when a frozen or inspected payment's persona decides; zero for none
	txIDs     map[string]bool // "CAPTURE|tx-1": transactionIds used per action type
	cb        callbackState
}

// snapshot returns a deep copy of the wire payment. Caller holds p.mu.
func (p *payment) snapshot() mapi.Payment {
	b, err := json.Marshal(p.pay)
	if err != nil {
		panic("mapisim: payment does not marshal: " + err.Error())
	}
	var c mapi.Payment
	if err := json.Unmarshal(b, &c); err != nil {
		panic("mapisim: payment does not unmarshal: " + err.Error())
	}
	return c
}

// marshal returns the wire JSON of the payment. Caller holds p.mu.
func (p *payment) marshal() ([]byte, error) {
	w := wirePayment{Payment: &p.pay}
	if u := p.pay.TaskRedirectionURLs; u != nil {
		w.TaskRedirectionURLs = &wireTaskURLs{MerchantURL: u.MerchantURL, CustomerURL: u.CustomerURL}
		if u.CoApplicantURL != "" {
			w.TaskRedirectionURLs.CoApplicantURL = &u.CoApplicantURL
		}
	}
	return json.Marshal(w)
}

// wirePayment is a payment as MAPI writes it: every field of
// taskRedirectionUrls is present, coApplicantUrl null when there is no
// co-applicant (docs/mapi.md §Creating a payment).
type wirePayment struct {
	*mapi.Payment
	TaskRedirectionURLs *wireTaskURLs `json:"taskRedirectionUrls,omitempty"`
}

type wireTaskURLs struct {
	MerchantURL    string  `json:"merchantUrl"`
	CustomerURL    string  `json:"customerUrl"`
	CoApplicantURL *string `json:"coApplicantUrl"`
}

// recompute sets possibleActions from status and amounts (docs/mapi.md §Payments,
// inferred rules). Caller holds p.mu.
func (p *payment) recompute() {
	o := &p.pay.Order
	acts := []mapi.PossibleAction{}
	if p.pay.Status == mapi.StatusAccepted {
		if o.AuthorizedAmount > 0 {
			acts = append(acts, mapi.PossibleAction{Action: mapi.ActionCapture}, mapi.PossibleAction{Action: mapi.ActionPartialCapture},
				mapi.PossibleAction{Action: mapi.ActionCancel}, mapi.PossibleAction{Action: mapi.ActionPartialCancel})
		}
		if o.CapturedAmount-o.RefundedAmount > 0 {
			acts = append(acts, mapi.PossibleAction{Action: mapi.ActionRefund}, mapi.PossibleAction{Action: mapi.ActionPartialRefund})
		}
	}
	o.PossibleActions = acts
}

// paymentFor looks up the {id} of the request's path.
func (s *Sim) paymentFor(r *http.Request) (*payment, error) {
	id := r.PathValue("id")
	p := s.lookup(id)
	if p == nil {
		return nil, notFound("Payment", id)
	}
	return p, nil
}

func (s *Sim) handleGet(w http.ResponseWriter, r *http.Request) error {
	p, err := s.paymentFor(r)
	if err != nil {
		return err
	}
	s.expireIfDue(p)
	p.mu.Lock()
	b, err := p.marshal()
	p.mu.Unlock()
	if err != nil {
		return err
	}
	writeRaw(w, http.StatusOK, b)
	return nil
}

type searchPage struct {
	Content []json.RawMessage `json:"content"`
	Page    mapi.Page         `json:"page"`
}

func (s *Sim) handleSearch(w http.ResponseWriter, r *http.Request) error {
	var req struct {
		StoreID        *string `json:"storeId"`
		OrderReference *string `json:"orderReference"`
		GovernmentID   *string `json:"governmentId"`
	}
	if err := decodeBody(r, &req, false); err != nil {
		return err
	}
	if req.StoreID == nil || *req.StoreID == "" {
		return validation(map[string]string{"storeId": "must not be null"})
	}
	if s.store(*req.StoreID) == nil {
		return notFound("Store", *req.StoreID)
	}
	out := searchPage{Content: []json.RawMessage{}}
	for _, p := range s.all() {
		if b, ok := p.matches(*req.StoreID, deref(req.OrderReference), deref(req.GovernmentID)); ok {
			out.Content = append(out.Content, b)
		}
	}
	n := len(out.Content)
	out.Page = mapi.Page{Number: 0, Size: n, TotalElements: n, TotalPages: min(n, 1)}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// matches returns the payment's JSON when it matches a search.
func (p *payment) matches(storeID, ref, govID string) ([]byte, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.pay.StoreID != storeID || ref != "" && p.pay.Order.OrderReference != ref {
		return nil, false
	}
	if govID != "" && (p.pay.Customer == nil || p.pay.Customer.GovernmentID != govID) {
		return nil, false
	}
	b, err := p.marshal()
	return b, err == nil
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

type taskParty struct {
	CustomerURL   string `json:"customerUrl,omitempty"`
	HasActiveTask bool   `json:"hasActiveTask"`
}

type taskStatus struct {
	Completed bool          `json:"completed"`
	Customer  *taskParty    `json:"customer"`
	Merchant  *merchantTask `json:"merchant,omitempty"`
}

type merchantTask struct {
	MerchantURL string `json:"merchantUrl"`
}

func (s *Sim) handleTaskStatus(w http.ResponseWriter, r *http.Request) error {
	p, err := s.paymentFor(r)
	if err != nil {
		return err
	}
	s.expireIfDue(p)
	p.mu.Lock()
	ts := taskStatus{Completed: p.completed, Customer: &taskParty{
		CustomerURL:   p.pay.TaskRedirectionURLs.CustomerURL,
		HasActiveTask: p.pay.Status == mapi.StatusTaskRedirectionRequired,
	}, Merchant: &merchantTask{MerchantURL: p.pay.TaskRedirectionURLs.MerchantURL}}
	p.mu.Unlock()
	writeJSON(w, http.StatusOK, ts)
	return nil
}

func (s *Sim) handleAction(w http.ResponseWriter, r *http.Request) error {
	p, err := s.paymentFor(r)
	if err != nil {
		return err
	}
	id := r.PathValue("actionId")
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, a := range p.pay.Order.ActionLog {
		if a.ActionID == id {
			writeJSON(w, http.StatusOK, a)
			return nil
		}
	}
	return notFound("Action", id)
}

func (s *Sim) handleMetadata(w http.ResponseWriter, r *http.Request) error {
	p, err := s.paymentFor(r)
	if err != nil {
		return err
	}
	var md mapi.Metadata
	if err := decodeBody(r, &md, false); err != nil {
		return err
	}
	errs := map[string]string{}
	checkMetadata("", &md, errs)
	if len(errs) > 0 {
		return validation(errs)
	}
	p.mu.Lock()
	p.pay.Metadata = &md
	s.changed(p)
	p.mu.Unlock()
	writeJSON(w, http.StatusOK, md)
	return nil
}
