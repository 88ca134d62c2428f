package mapisim

import (
	"fmt"
	"html/template"
	"net/http"
	"regexp"
	"strconv"

	"github.com/kassa-dev/kassa/mapi"
)

func (s *Sim) handleStores(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	page, size := 0, 2000
	if v := q.Get("page"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return validation(map[string]string{"page": "must be a non-negative integer"})
		}
		page = n
	}
	if v := q.Get("size"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			return validation(map[string]string{"size": "must be a positive integer"})
		}
		size = n
	}
	total := len(s.stores)
	content := []mapi.Store{}
	for i := page * size; i < total && i < (page+1)*size && i >= 0; i++ {
		content = append(content, s.stores[i].Store)
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"content": content,
		"page":    mapi.Page{Number: page, Size: size, TotalElements: total, TotalPages: (total + size - 1) / size},
	})
	return nil
}

// storeFor looks up the {storeId} of the path.
func (s *Sim) storeFor(r *http.Request) (*store, error) {
	id := r.PathValue("storeId")
	st := s.store(id)
	if st == nil {
		return nil, notFound("Store", id)
	}
	return st, nil
}

// methodFor looks up {storeId} and {methodId} of the path.
func (s *Sim) methodFor(r *http.Request) (*store, *method, error) {
	st, err := s.storeFor(r)
	if err != nil {
		return nil, nil, err
	}
	id := r.PathValue("methodId")
	m := st.method(id)
	if m == nil {
		return nil, nil, notFound("Payment method", id)
	}
	return st, m, nil
}

// amountParam reads ?amount= exactly; ok is false when absent.
func amountParam(r *http.Request) (d mapi.Decimal, ok bool, err error) {
	v := r.URL.Query().Get("amount")
	if v == "" {
		return 0, false, nil
	}
	d, perr := mapi.ParseDecimal(v)
	if perr != nil || d < 0 {
		return 0, false, validation(map[string]string{"amount": "must be a non-negative number with at most 2 decimals"})
	}
	return d, true, nil
}

func (s *Sim) handleMethods(w http.ResponseWriter, r *http.Request) error {
	st, err := s.storeFor(r)
	if err != nil {
		return err
	}
	amt, filter, err := amountParam(r)
	if err != nil {
		return err
	}
	base := s.baseURL(r)
	content := []mapi.PaymentMethod{}
	for _, m := range st.methods {
		if filter && (amt < m.MinPurchaseLimit || amt > m.MaxPurchaseLimit) {
			continue
		}
		content = append(content, m.wire(base))
	}
	writeJSON(w, http.StatusOK, map[string]any{"content": content})
	return nil
}

// wire returns the method with absolute legal links under base.
func (m *method) wire(base string) mapi.PaymentMethod {
	pm := m.PaymentMethod
	pm.LegalLinks = make([]mapi.LegalLink, len(m.LegalLinks))
	for i, l := range m.LegalLinks {
		l.URL = base + "/legal/" + m.ID + "/" + string(l.Type)
		if l.AppendAmount {
			l.URL += "?amount="
		}
		pm.LegalLinks[i] = l
	}
	return pm
}

func (s *Sim) handleAnnuityFactors(w http.ResponseWriter, r *http.Request) error {
	_, m, err := s.methodFor(r)
	if err != nil {
		return err
	}
	content := []map[string]any{}
	if m.PriceSignagePossible {
		for _, pl := range partPaymentPlans {
			content = append(content, map[string]any{
				"paymentPlanName": fmt.Sprintf("%d månader", pl.months), "annuityFactor": factorJSON(pl.factor),
				"durationMonths": pl.months, "administrationFee": pl.adminFee, "setupFee": pl.setupFee, "interest": pl.interest,
			})
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{"content": content})
	return nil
}

// factorJSON writes an annuity factor (millionths) as an exact JSON number.
type factorJSON int64

func (f factorJSON) MarshalJSON() ([]byte, error) {
	return []byte(fmt.Sprintf("%d.%06d", f/1e6, f%1e6)), nil
}

func (s *Sim) handlePriceSignage(w http.ResponseWriter, r *http.Request) error {
	_, m, err := s.methodFor(r)
	if err != nil {
		return err
	}
	amt, ok, err := amountParam(r)
	if err != nil {
		return err
	}
	if !ok {
		return validation(map[string]string{"amount": "must not be null"})
	}
	if !m.PriceSignagePossible {
		return errorf(http.StatusBadRequest, "Price signage is not possible for payment method %s", m.ID)
	}
	base := s.baseURL(r) + "/legal/" + m.ID + "/"
	ps := mapi.PriceSignage{
		SECCILinks:        []mapi.LanguageLink{{URI: base + "SECCI?amount=" + amt.String(), Language: "sv"}},
		GeneralTermsLinks: []mapi.LanguageLink{{URI: base + "GENERAL_TERMS", Language: "sv"}},
		CostList:          []mapi.Cost{},
	}
	for _, pl := range partPaymentPlans {
		ps.CostList = append(ps.CostList, cost(pl, amt))
	}
	writeJSON(w, http.StatusOK, ps)
	return nil
}

// cost is the monthly and total cost of a plan for amount, in exact
// hundredths: monthly = amount × factor (half away from zero) + fee.
func cost(pl plan, amt mapi.Decimal) mapi.Cost {
	monthly := mapi.Decimal((int64(amt)*pl.factor+500_000)/1_000_000) + pl.adminFee
	total := monthly*mapi.Decimal(pl.months) + pl.setupFee
	eff := mapi.Decimal(0)
	if amt > 0 {
		// Simple (not compounded) yearly cost rate in percent; an
		// approximation of the effective interest, UNCONFIRMED formula.
		eff = mapi.Decimal((int64(total-amt)*100*100*12/int64(pl.months) + int64(amt)/2) / int64(amt))
	}
	return mapi.Cost{Interest: pl.interest, DurationMonths: pl.months, TotalCost: total, MonthlyCost: monthly,
		AdministrationFee: pl.adminFee, EffectiveInterest: eff}
}

var govIDPattern = regexp.MustCompile(`^\d{10}(\d{2})?$`)

func (s *Sim) handleGetAddress(w http.ResponseWriter, r *http.Request) error {
	var req struct {
		StoreID      *string `json:"storeId"`
		CustomerIP   *string `json:"customerIp"`
		GovernmentID *string `json:"governmentId"`
		CustomerType *string `json:"customerType"`
	}
	if err := decodeBody(r, &req, false); err != nil {
		return err
	}
	gov, typ := deref(req.GovernmentID), mapi.CustomerType(deref(req.CustomerType))
	errs := map[string]string{}
	if req.StoreID == nil || s.store(*req.StoreID) == nil {
		errs["storeId"] = "must be a known store id"
	}
	if typ != mapi.CustomerNatural && typ != mapi.CustomerLegal {
		errs["customerType"] = "must be NATURAL or LEGAL"
	}
	if !govIDPattern.MatchString(gov) {
		errs["governmentId"] = "Invalid government id."
	}
	if len(errs) > 0 {
		return validation(errs)
	}
	entry, ok := addressBook[gov]
	switch {
	case !ok:
		return notFound("Address for government id", gov)
	case entry.typ != typ:
		return validation(map[string]string{"customerType": fmt.Sprintf("Government id %s is not a %s customer", gov, typ)})
	}
	writeJSON(w, http.StatusOK, map[string]any{"address": entry.addr})
	return nil
}

var legalPage = template.Must(template.New("legal").Parse(`<!doctype html><meta charset="utf-8">
<title>{{.Type}} – {{.Name}}</title><body style="font-family:sans-serif;max-width:40em;margin:2em auto">
<h1>{{.Type}}</h1><p>Simulated legal document for the payment method <b>{{.Name}}</b>{{if .Amount}} and the amount {{.Amount}}{{end}}.</p>
<p>This is the MAPI simulator; the real text is published by Resurs Bank.</p></body>`))

func (s *Sim) handleLegal(w http.ResponseWriter, r *http.Request) {
	for _, st := range s.stores {
		if m := st.method(r.PathValue("methodId")); m != nil {
			setPageHeaders(w.Header())
			_ = legalPage.Execute(w, map[string]string{"Type": r.PathValue("type"), "Name": m.Name, "Amount": r.URL.Query().Get("amount")})
			return
		}
	}
	http.NotFound(w, r)
}
