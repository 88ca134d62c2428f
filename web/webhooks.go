package web

import (
	"crypto/rand"
	"encoding/base64"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/kassa-dev/kassa"
	"github.com/kassa-dev/kassa/locale"
)

// Webhook endpoints (README.md §Use kassa from your own shop): registered
// in the admin and through /api/admin/webhooks; their deliveries are
// listed with their outcome, and a delivery can be sent again.

// newWebhookSecret returns a signing secret as Standard Webhooks spells it:
// "whsec_" and 24 random bytes in base64.
func newWebhookSecret() (string, error) {
	b := make([]byte, 24)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return "whsec_" + base64.StdEncoding.EncodeToString(b), nil
}

// apiEndpoint is an endpoint as the API shows it; Secret only where asked.
type apiEndpoint struct {
	ID             int64               `json:"id"`
	URL            string              `json:"url"`
	Events         []kassa.WebhookType `json:"events"`
	Enabled        bool                `json:"enabled"`
	DisabledReason string              `json:"disabledReason,omitempty"`
	FailingSince   *time.Time          `json:"failingSince,omitempty"`
	Secret         string              `json:"secret,omitempty"`
	CreatedAt      time.Time           `json:"createdAt"`
}

func toAPIEndpoint(ep *kassa.WebhookEndpoint, secret bool) apiEndpoint {
	v := apiEndpoint{ID: ep.ID, URL: ep.URL, Events: ep.Events, Enabled: ep.DisabledAt.IsZero(),
		DisabledReason: ep.DisabledReason, CreatedAt: ep.CreatedAt}
	if v.Events == nil {
		v.Events = []kassa.WebhookType{}
	}
	if !ep.FailingSince.IsZero() {
		v.FailingSince = &ep.FailingSince
	}
	if secret {
		v.Secret = ep.Secret
	}
	return v
}

// endpointBody is the JSON of POST and PATCH /api/admin/webhooks.
type endpointBody struct {
	URL     *string             `json:"url"`
	Events  []kassa.WebhookType `json:"events"`
	Enabled *bool               `json:"enabled"`
}

// apply sets what b gives on ep; now stamps a disable.
func (b endpointBody) apply(ep *kassa.WebhookEndpoint, now time.Time) {
	if b.URL != nil {
		ep.URL = strings.TrimSpace(*b.URL)
	}
	if b.Events != nil {
		ep.Events = b.Events
	}
	switch {
	case b.Enabled == nil:
	case *b.Enabled:
		ep.DisabledAt, ep.DisabledReason, ep.FailingSince = time.Time{}, "", time.Time{}
	case ep.DisabledAt.IsZero():
		ep.DisabledAt, ep.DisabledReason = now, "disabled by the owner"
	}
}

func (s *Server) apiCreateWebhook(w http.ResponseWriter, r *http.Request) error {
	b, err := s.endpointBody(r)
	if err != nil {
		return err
	}
	ep, err := s.createEndpoint(r, b)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, toAPIEndpoint(ep, true))
	return nil
}

// createEndpoint stores a new endpoint with a fresh secret.
func (s *Server) createEndpoint(r *http.Request, b endpointBody) (*kassa.WebhookEndpoint, error) {
	secret, err := newWebhookSecret()
	if err != nil {
		return nil, err
	}
	ep := &kassa.WebhookEndpoint{Secret: secret}
	b.apply(ep, s.now())
	if err := s.cfg.Store.CreateWebhookEndpoint(r.Context(), ep); err != nil {
		return nil, err
	}
	s.log.Info("webhook endpoint created", "endpoint", ep.ID, "url", ep.URL)
	return ep, nil
}

func (s *Server) endpointBody(r *http.Request) (endpointBody, error) {
	if err := requireJSON(r); err != nil {
		return endpointBody{}, err
	}
	body, err := readBody(r)
	if err != nil {
		return endpointBody{}, err
	}
	return decodeTyped[endpointBody](body)
}

func (s *Server) apiWebhooks(w http.ResponseWriter, r *http.Request) error {
	eps, err := s.cfg.Store.WebhookEndpoints(r.Context())
	if err != nil {
		return err
	}
	out := []apiEndpoint{}
	for _, ep := range eps {
		out = append(out, toAPIEndpoint(ep, false))
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

func (s *Server) apiWebhook(w http.ResponseWriter, r *http.Request) error {
	ep, err := s.pathEndpoint(r)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, toAPIEndpoint(ep, true))
	return nil
}

func (s *Server) pathEndpoint(r *http.Request) (*kassa.WebhookEndpoint, error) {
	id, err := pathID(r)
	if err != nil {
		return nil, err
	}
	return s.cfg.Store.WebhookEndpoint(r.Context(), id)
}

func (s *Server) apiPatchWebhook(w http.ResponseWriter, r *http.Request) error {
	b, err := s.endpointBody(r)
	if err != nil {
		return err
	}
	ep, err := s.pathEndpoint(r)
	if err != nil {
		return err
	}
	b.apply(ep, s.now())
	if err := s.cfg.Store.UpdateWebhookEndpoint(r.Context(), ep, nil); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, toAPIEndpoint(ep, false))
	return nil
}

func (s *Server) apiDeleteWebhook(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	if err := s.cfg.Store.DeleteWebhookEndpoint(r.Context(), id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// apiDelivery is a delivery as the API and the admin show it.
type apiDelivery struct {
	*kassa.WebhookDelivery
	Body string `json:"body"`
}

func (s *Server) apiWebhookDeliveries(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	f, err := deliveryFilter(r, id)
	if err != nil {
		return err
	}
	ds, total, next, prev, err := s.listDeliveries(r.Context(), f)
	if err != nil {
		return err
	}
	out := apiDeliveryList{Deliveries: []apiDelivery{}, Total: total, Limit: f.Limit, Offset: f.Offset,
		NextAfter: next, PrevBefore: prev}
	for _, d := range ds {
		out.Deliveries = append(out.Deliveries, apiDelivery{WebhookDelivery: d, Body: string(d.Body)})
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

type apiDeliveryList struct {
	Deliveries []apiDelivery `json:"deliveries"`
	Total      int           `json:"total"` // at most kassa.CountCap+1: "more than CountCap"
	Limit      int           `json:"limit"`
	Offset     int           `json:"offset"`
	NextAfter  int64         `json:"nextAfter,omitempty"`  // after= of the next page; absent on the last
	PrevBefore int64         `json:"prevBefore,omitempty"` // before= of the previous page; absent on the first
}

// deliveryFilter reads ?state=&order= and the page (after, before,
// offset, page) for endpoint id.
func deliveryFilter(r *http.Request, id int64) (kassa.WebhookDeliveryFilter, error) {
	q := r.URL.Query()
	f := kassa.WebhookDeliveryFilter{EndpointID: id, State: kassa.WebhookDeliveryState(q.Get("state")), Limit: 50}
	if f.State != "" && !f.State.Valid() {
		return f, invalidSaid("state", "admin.unknown_state")
	}
	var c cursors
	var err error
	f.OrderID, c, err = orderAndPage(q, f.Limit)
	f.After, f.Before, f.Offset = c.After, c.Before, c.Offset
	return f, err
}

func (s *Server) apiResendDelivery(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	d, err := s.cfg.Engine.ResendWebhook(r.Context(), id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, apiDelivery{WebhookDelivery: d, Body: string(d.Body)})
	return nil
}

// The admin pages.

type webhooksPage struct {
	Endpoints []*kassa.WebhookEndpoint
	Created   *kassa.WebhookEndpoint // just created: its secret is shown
	Problem   string
}

func (*webhooksPage) title(l *locale.Lang) string { return l.T("admin.nav.webhooks") }

func (s *Server) handleWebhooks(w http.ResponseWriter, r *http.Request) error {
	return s.renderWebhooks(w, r, http.StatusOK, &webhooksPage{})
}

func (s *Server) renderWebhooks(w http.ResponseWriter, r *http.Request, status int, p *webhooksPage) error {
	eps, err := s.cfg.Store.WebhookEndpoints(r.Context())
	if err != nil {
		return err
	}
	p.Endpoints = eps
	s.render(w, r, status, "webhooks", p)
	return nil
}

// handleWebhookCreate adds an endpoint and shows its page, with the
// secret the receiver verifies signatures with.
func (s *Server) handleWebhookCreate(w http.ResponseWriter, r *http.Request) error {
	u := r.PostFormValue("url")
	var events []kassa.WebhookType
	for _, t := range r.PostForm["events"] {
		events = append(events, kassa.WebhookType(t))
	}
	ep, err := s.createEndpoint(r, endpointBody{URL: &u, Events: events})
	if kassa.ErrorCode(err) == kassa.EINVALID {
		return s.renderWebhooks(w, r, http.StatusUnprocessableEntity,
			&webhooksPage{Problem: s.lang(r).T("admin.webhooks.bad_url")})
	}
	if err != nil {
		return err
	}
	http.Redirect(w, r, "/admin/webhooks/"+strconv.FormatInt(ep.ID, 10), http.StatusSeeOther)
	return nil
}

// webhookPage is one endpoint and a page of its deliveries.
type webhookPage struct {
	listing
	Endpoint   *kassa.WebhookEndpoint
	Filter     kassa.WebhookDeliveryFilter
	Deliveries []*kassa.WebhookDelivery
	States     []kassa.WebhookDeliveryState
	Notice     string
}

// path is the endpoint's page.
func (p *webhookPage) path() string { return "/admin/webhooks/" + strconv.FormatInt(p.Endpoint.ID, 10) }

// FilterBar is the deliveries' filter form.
func (p *webhookPage) FilterBar() filterBar {
	return newFilterBar(p.path(), p.Filter.State, p.Filter.OrderID, p.States)
}

func (p *webhookPage) title(l *locale.Lang) string {
	return l.T("admin.webhook.title_url", "URL", p.Endpoint.URL)
}

func (s *Server) handleWebhook(w http.ResponseWriter, r *http.Request) error {
	ep, err := s.pathEndpoint(r)
	if err != nil {
		return err
	}
	f, err := deliveryFilter(r, ep.ID)
	if err != nil {
		return err
	}
	ds, total, next, prev, err := s.listDeliveries(r.Context(), f)
	if err != nil {
		return err
	}
	p := &webhookPage{Endpoint: ep, Filter: f, Deliveries: ds, States: kassa.WebhookDeliveryStates}
	p.listing = newListing("admin.count.deliveries", filteredURL(p.path(), string(f.State), f.OrderID), total, next, prev)
	if r.URL.Query().Get("resent") != "" {
		p.Notice = s.lang(r).T("admin.webhook.resent")
	}
	s.render(w, r, http.StatusOK, "webhook", p)
	return nil
}

// handleWebhookChange enables, disables or deletes an endpoint.
func (s *Server) handleWebhookChange(w http.ResponseWriter, r *http.Request) error {
	ep, err := s.pathEndpoint(r)
	if err != nil {
		return err
	}
	switch r.PostFormValue("action") {
	case "delete":
		if err := s.cfg.Store.DeleteWebhookEndpoint(r.Context(), ep.ID); err != nil {
			return err
		}
		http.Redirect(w, r, "/admin/webhooks", http.StatusSeeOther)
		return nil
	case "enable", "disable":
		on := r.PostFormValue("action") == "enable"
		endpointBody{Enabled: &on}.apply(ep, s.now())
		if err := s.cfg.Store.UpdateWebhookEndpoint(r.Context(), ep, nil); err != nil {
			return err
		}
	default:
		return invalid("action", "Unknown action.")
	}
	http.Redirect(w, r, "/admin/webhooks/"+strconv.FormatInt(ep.ID, 10), http.StatusSeeOther)
	return nil
}

// handleResendDelivery is "Send again".
func (s *Server) handleResendDelivery(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	d, err := s.cfg.Engine.ResendWebhook(r.Context(), id)
	if err != nil {
		return err
	}
	http.Redirect(w, r, "/admin/webhooks/"+strconv.FormatInt(d.EndpointID, 10)+"?resent="+strconv.FormatInt(d.ID, 10),
		http.StatusSeeOther)
	return nil
}

// readBody reads a request body (bounded by withBodyLimit: 413 beyond).
func readBody(r *http.Request) ([]byte, error) { return io.ReadAll(r.Body) }
