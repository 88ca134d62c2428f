package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// kassaClient calls kassa's JSON API with an API key.
type kassaClient struct {
	base, key string
	hc        *http.Client
}

func newKassaClient(base, key string) *kassaClient {
	return &kassaClient{base: strings.TrimRight(base, "/"), key: key, hc: &http.Client{Timeout: 30 * time.Second}}
}

// checkoutRequest is the body of POST /api/checkouts.
type checkoutRequest struct {
	Reference  string            `json:"reference"`
	Lines      []checkoutLine    `json:"lines"`
	Total      string            `json:"total"`
	SuccessURL string            `json:"successUrl"`
	FailURL    string            `json:"failUrl"`
	Metadata   map[string]string `json:"metadata,omitempty"`
}

type checkoutLine struct {
	Type        string `json:"type"`
	SKU         string `json:"sku,omitempty"`
	Description string `json:"description"`
	Quantity    int64  `json:"quantity"`
	UnitPrice   string `json:"unitPrice"`
	VATRate     int64  `json:"vatRate"`
}

// checkoutAnswer is what kassa answers about a checkout.
type checkoutAnswer struct {
	ID     int64  `json:"id"`
	Number string `json:"number"`
	Status string `json:"status"`
	URL    string `json:"url"`
}

// apiError is an answer of kassa other than 2xx.
type apiError struct {
	Status  int    `json:"-"`
	Message string `json:"message"`
	Fields  []struct {
		Field   string `json:"field"`
		Message string `json:"message"`
	} `json:"errors"`
}

func (e *apiError) Error() string {
	s := fmt.Sprintf("kassa answered %d: %s", e.Status, e.Message)
	for _, f := range e.Fields {
		s += fmt.Sprintf("; %s: %s", f.Field, f.Message)
	}
	return s
}

// createCheckout creates a checkout under idempotency key idem. A request
// that got no answer is sent once more with the same key: kassa creates
// the checkout once and answers the retry with the first answer.
func (k *kassaClient) createCheckout(ctx context.Context, req checkoutRequest, idem string) (checkoutAnswer, error) {
	var a checkoutAnswer
	err := k.do(ctx, http.MethodPost, "/api/checkouts", idem, req, &a)
	var apiErr *apiError
	if err != nil && !errors.As(err, &apiErr) && ctx.Err() == nil {
		err = k.do(ctx, http.MethodPost, "/api/checkouts", idem, req, &a)
	}
	return a, err
}

// endpoint is a webhook endpoint at kassa.
type endpoint struct {
	ID     int64  `json:"id"`
	URL    string `json:"url"`
	Secret string `json:"secret"`
}

// registerWebhook returns the signing secret of kassa's webhook endpoint
// for url, registering it first when kassa has none.
func (k *kassaClient) registerWebhook(ctx context.Context, url string) (string, error) {
	var eps []endpoint
	if err := k.do(ctx, http.MethodGet, "/api/admin/webhooks", "", nil, &eps); err != nil {
		return "", err
	}
	var ep endpoint
	for _, e := range eps {
		if e.URL == url {
			err := k.do(ctx, http.MethodGet, "/api/admin/webhooks/"+strconv.FormatInt(e.ID, 10), "", nil, &ep)
			return ep.Secret, err
		}
	}
	body := map[string]any{"url": url, "events": []string{"order.created", "order.status_changed", "order.action"}}
	if err := k.do(ctx, http.MethodPost, "/api/admin/webhooks", "", body, &ep); err != nil {
		return "", err
	}
	return ep.Secret, nil
}

// do sends in as JSON (when not nil) and decodes a 2xx answer into out.
func (k *kassaClient) do(ctx context.Context, method, path, idem string, in, out any) error {
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return err
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, k.base+path, body)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+k.key)
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if idem != "" {
		req.Header.Set("Idempotency-Key", idem)
	}
	resp, err := k.hc.Do(req)
	if err != nil {
		return fmt.Errorf("%s %s: %w", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return fmt.Errorf("%s %s: %w", method, path, err)
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		e := &apiError{Status: resp.StatusCode}
		if json.Unmarshal(b, e) != nil || e.Message == "" {
			e.Message = strings.TrimSpace(string(b))
		}
		return e
	}
	if err := json.Unmarshal(b, out); err != nil {
		return fmt.Errorf("%s %s: answer: %w", method, path, err)
	}
	return nil
}
