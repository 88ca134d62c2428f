package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
)

// webhookPath is where kassa delivers the shop's events.
const webhookPath = "/webhooks/kassa"

// event is a webhook event of kassa: {"id","type","timestamp","data"}.
type event struct {
	ID   string `json:"id"`
	Type string `json:"type"`
	Data struct {
		Before string `json:"before"`
		After  string `json:"after"`
		Order  struct {
			ID        int64  `json:"id"`
			Number    string `json:"number"`
			Reference string `json:"reference"`
			Total     string `json:"total"`
		} `json:"order"`
		Action struct {
			Kind   string `json:"kind"`
			Amount string `json:"amount"`
		} `json:"action"`
	} `json:"data"`
}

// handleWebhook verifies a delivery's signature (Standard Webhooks) and
// applies its event once: a delivery kassa repeats has the same
// webhook-id and is acknowledged without being applied again. A bad
// signature is 401 and counted; kassa retries what is not 2xx.
func (s *Shop) handleWebhook(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, 1<<20))
	if err != nil {
		http.Error(w, "body too large", http.StatusRequestEntityTooLarge)
		return
	}
	if err := s.hook.Verify(body, r.Header); err != nil {
		s.refused.Add(1)
		s.log.Warn("webhook signature does not verify", "webhook-id", r.Header.Get("webhook-id"), "err", err)
		http.Error(w, "invalid signature", http.StatusUnauthorized)
		return
	}
	var ev event
	if err := json.Unmarshal(body, &ev); err != nil || ev.ID == "" {
		http.Error(w, "not a kassa event", http.StatusBadRequest)
		return
	}
	s.apply(ev)
	w.WriteHeader(http.StatusNoContent)
}

// apply records ev on the shop's order it names, once per event id.
// Events of orders the shop did not make (kassa's own storefront, another
// shop on the same kassa) are acknowledged and ignored.
func (s *Shop) apply(ev event) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.seen[ev.ID] {
		return
	}
	s.seen[ev.ID] = true
	o := s.orders[ev.Data.Order.Reference]
	if o == nil {
		return
	}
	switch ev.Type {
	case "order.created":
		o.KassaID, o.KassaNumber = ev.Data.Order.ID, ev.Data.Order.Number
		o.Events = append(o.Events, "order.created")
	case "order.status_changed":
		o.Events = append(o.Events, fmt.Sprintf("order.status_changed %s → %s", ev.Data.Before, ev.Data.After))
		if st, ok := states[ev.Data.After]; ok {
			o.State = st
		}
	case "order.action":
		o.Events = append(o.Events, fmt.Sprintf("order.action %s %s", ev.Data.Action.Kind, ev.Data.Action.Amount))
	}
	s.log.Info("webhook", "type", ev.Type, "order", o.Reference, "state", o.State)
}

// states maps kassa's order statuses to the shop's order states.
var states = map[string]string{
	"pending":    stateAwaiting,
	"processing": statePaid,
	"completed":  stateShipped,
	"on-hold":    stateOnHold,
	"failed":     stateNotPaid,
	"cancelled":  stateNotPaid,
	"refunded":   stateRefunded,
}
