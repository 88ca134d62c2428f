package chaos

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/kassa-dev/kassa"
	"github.com/kassa-dev/kassa/mapisim"
)

// Persona is a test person of the simulator (docs/mapi.md §Test personas).
type Persona struct {
	Name   string
	GovID  string
	weight int
}

// Personas are the customers of a run, with their share.
var Personas = []Persona{
	{"accepted", "198305147715", 34},
	{"rejected", "197211072793", 10},
	{"frozen→accepted", "198001010001", 10},
	{"frozen→annulled", "197801069241", 8},
	{"inspection→accepted", "199105149612", 10},
	{"inspection→rejected", "199111282399", 8},
	{"frozen", "198209123705", 6},
	{"no government id", "", 14},
}

// personaOf names the persona of a government id.
func personaOf(govID string) string {
	for _, p := range Personas {
		if p.GovID == govID {
			return p.Name
		}
	}
	return "other"
}

// What the customer does on the signing page.
const (
	signApprove = "approve"
	signReject  = "reject"
	signAbort   = "abort"
	signAbandon = "abandon" // never signs: the payment expires
)

// How the customer comes back.
const (
	backRedirect = "redirect" // follows the bank's redirect once
	backReload   = "reload"   // follows it and reloads twice
	backFail     = "fail"     // opens the fail page whatever happened
	backBoth     = "both"     // opens the thank-you and the fail page
	backNever    = "never"    // closes the browser
	backLate     = "late"     // follows the redirect a few seconds later
)

// plan is one customer's journey, drawn from the run's seed and its index.
type plan struct {
	index   int
	persona Persona
	method  string
	lines   []kassa.LineRequest
	sign    string
	back    string
	late    time.Duration
	capture bool // after-sale: capture the paid order
	refund  bool // after-sale: then refund part of it
}

func weighted[T any](r *rand.Rand, items []T, weight func(T) int) T {
	total := 0
	for _, it := range items {
		total += weight(it)
	}
	n := r.IntN(total)
	for _, it := range items {
		if n -= weight(it); n < 0 {
			return it
		}
	}
	return items[len(items)-1]
}

type choice struct {
	v string
	w int
}

func pick(r *rand.Rand, cs ...choice) string {
	return weighted(r, cs, func(c choice) int { return c.w }).v
}

// newPlan draws journey i of a run with seed. Scarce products (few units
// for many customers) are picked by one line in twenty-five.
func newPlan(seed int64, i int, plenty, scarce []kassa.Product) plan {
	r := rand.New(rand.NewPCG(uint64(seed), uint64(i)+1))
	p := plan{index: i, persona: weighted(r, Personas, func(p Persona) int { return p.weight })}
	p.method = pick(r, choice{mapisim.MethodInvoice, 80}, choice{mapisim.MethodCard, 12}, choice{mapisim.MethodSwish, 8})
	n := 1 + r.IntN(3)
	seen := map[string]bool{}
	for range n {
		prod := plenty[r.IntN(len(plenty))]
		if len(scarce) > 0 && r.IntN(25) == 0 {
			prod = scarce[r.IntN(len(scarce))]
		}
		if seen[prod.SKU] {
			continue
		}
		seen[prod.SKU] = true
		p.lines = append(p.lines, kassa.LineRequest{SKU: prod.SKU, Quantity: 1 + r.Int64N(3)})
	}
	p.sign = pick(r, choice{signApprove, 86}, choice{signAbort, 6}, choice{signReject, 3}, choice{signAbandon, 5})
	p.back = pick(r, choice{backRedirect, 38}, choice{backReload, 10}, choice{backFail, 10}, choice{backBoth, 10},
		choice{backNever, 22}, choice{backLate, 10})
	p.late = time.Duration(r.IntN(4000)) * time.Millisecond
	p.capture = r.IntN(100) < 30
	p.refund = p.capture && r.IntN(100) < 50
	return p
}

// outcome is what happened to one journey.
type outcome struct {
	plan      plan
	orderID   int64
	created   string // "created", or why not: "stock", "interrupted", "bank", "invalid", "http-<code>", "error"
	afterSale string // "", "captured", "refunded", "refused", "error"
	err       error
}

// customer is the browser and API client of the customers.
type customer struct {
	shop  string // base URL
	hc    *http.Client
	sim   *mapisim.Sim
	admin string // admin password
}

type created struct {
	ID          int64  `json:"id"`
	Number      string `json:"number"`
	Status      string `json:"status"`
	Key         string `json:"key"`
	RedirectURL string `json:"redirectUrl"`
	Code        string `json:"code"`
}

// run performs the journey.
func (c *customer) run(ctx context.Context, p plan) outcome {
	out := outcome{plan: p}
	body, _ := json.Marshal(c.request(p))
	status, resp, err := c.do(ctx, http.MethodPost, c.shop+"/api/orders", body,
		map[string]string{"Idempotency-Key": fmt.Sprintf("chaos-%d", p.index), "Content-Type": "application/json"})
	if err != nil {
		out.created, out.err = "error", err
		return out
	}
	var cr created
	_ = json.Unmarshal(resp, &cr)
	switch {
	case status == http.StatusCreated:
		out.created, out.orderID = "created", cr.ID
	case cr.Code == kassa.ECONFLICT && bytes.Contains(resp, []byte("was interrupted")):
		// A retry after a crash that interrupted the first request: the
		// shop does not run it again (its outcome is unknown).
		out.created = "interrupted"
		return out
	case cr.Code == kassa.ECONFLICT:
		out.created = "stock"
		return out
	case cr.Code == kassa.EUNAVAILABLE || cr.Code == kassa.EDECLINED:
		out.created, out.orderID = "bank", cr.ID
		return out
	case cr.Code == kassa.EINVALID:
		out.created, out.err = "invalid", fmt.Errorf("order refused as invalid: %s", resp)
		return out
	default:
		out.created = fmt.Sprintf("http-%d", status)
		return out
	}
	success := fmt.Sprintf("%s/checkout/orders/%d/return?key=%s", c.shop, cr.ID, url.QueryEscape(cr.Key))
	fail := fmt.Sprintf("%s/checkout/orders/%d/fail?key=%s", c.shop, cr.ID, url.QueryEscape(cr.Key))
	redirect := cr.RedirectURL
	if pid, ok := paymentOf(cr.RedirectURL); ok {
		if p.sign == signAbandon {
			return out
		}
		redirect, err = c.sim.Sign(pid, mapisim.Decision(p.sign))
		if err != nil {
			out.err = fmt.Errorf("sign %s: %w", pid, err)
			return out
		}
	}
	c.comeBack(ctx, p, redirect, success, fail)
	if p.capture && p.sign == signApprove {
		out.afterSale = c.afterSaleActions(ctx, p, cr.ID)
	}
	return out
}

func (c *customer) request(p plan) kassa.OrderRequest {
	return kassa.OrderRequest{Lines: p.lines, PaymentMethodID: p.method, Customer: kassa.Customer{
		Type: kassa.CustomerNatural, GovernmentID: p.persona.GovID,
		Email: fmt.Sprintf("customer%d@example.com", p.index), Phone: "+46701234567",
		Address: kassa.Address{FirstName: "Kund", LastName: fmt.Sprintf("Nummer %d", p.index),
			AddressRow1: "Storgatan 1", PostalCode: "123 45", PostalArea: "Stockholm", CountryCode: "SE"},
	}}
}

// paymentOf returns the payment id of a signing page URL.
func paymentOf(u string) (string, bool) {
	pu, err := url.Parse(u)
	if err != nil {
		return "", false
	}
	id, ok := strings.CutPrefix(pu.Path, "/sign/")
	return id, ok && id != ""
}

// comeBack opens the return and fail pages as the plan says.
func (c *customer) comeBack(ctx context.Context, p plan, redirect, success, fail string) {
	get := func(u string) { _, _, _ = c.do(ctx, http.MethodGet, u, nil, nil) }
	switch p.back {
	case backRedirect:
		get(redirect)
	case backReload:
		get(redirect)
		get(redirect)
		get(redirect)
	case backFail:
		get(fail)
	case backBoth:
		if p.index%2 == 0 {
			get(success)
			get(fail)
		} else {
			get(fail)
			get(success)
		}
	case backLate:
		select {
		case <-ctx.Done():
		case <-time.After(p.late):
		}
		get(redirect)
	}
}

// afterSaleActions captures a paid order in full and maybe refunds part
// of it through the admin JSON API.
func (c *customer) afterSaleActions(ctx context.Context, p plan, id int64) string {
	o, err := c.adminOrder(ctx, id)
	if err != nil || o.Status != string(kassa.StatusProcessing) {
		return ""
	}
	hdr := map[string]string{"Content-Type": "application/json", "Idempotency-Key": fmt.Sprintf("chaos-capture-%d", id)}
	st, _, err := c.do(ctx, http.MethodPost, fmt.Sprintf("%s/api/admin/orders/%d/capture", c.shop, id), []byte(`{"all":true}`), hdr)
	switch {
	case err != nil:
		return "error"
	case st >= 300:
		return fmt.Sprintf("capture refused (HTTP %d)", st)
	case !p.refund:
		return "captured"
	}
	hdr["Idempotency-Key"] = fmt.Sprintf("chaos-refund-%d", id)
	st, _, err = c.do(ctx, http.MethodPost, fmt.Sprintf("%s/api/admin/orders/%d/refund", c.shop, id), []byte(`{"amount":"10.00"}`), hdr)
	switch {
	case err != nil:
		return "error"
	case st >= 300:
		return fmt.Sprintf("refund refused (HTTP %d)", st)
	}
	return "refunded"
}

type adminOrder struct {
	ID     int64  `json:"id"`
	Status string `json:"status"`
}

func (c *customer) adminOrder(ctx context.Context, id int64) (adminOrder, error) {
	var o adminOrder
	st, body, err := c.do(ctx, http.MethodGet, fmt.Sprintf("%s/api/admin/orders/%d", c.shop, id), nil, nil)
	if err != nil {
		return o, err
	}
	if st != http.StatusOK {
		return o, fmt.Errorf("admin order %d: HTTP %d", id, st)
	}
	return o, json.Unmarshal(body, &o)
}

// do sends a request, retrying (bounded) while the shop cannot be reached
// — it may be restarting after a kill. Requests to the shop carry admin
// Basic auth when the path is under /api/admin.
func (c *customer) do(ctx context.Context, method, u string, body []byte, hdr map[string]string) (int, []byte, error) {
	var lastErr error
	for attempt := range 60 {
		if attempt > 0 {
			select {
			case <-ctx.Done():
				return 0, nil, ctx.Err()
			case <-time.After(time.Duration(min(attempt, 10)) * 100 * time.Millisecond):
			}
		}
		req, err := http.NewRequestWithContext(ctx, method, u, bytes.NewReader(body))
		if err != nil {
			return 0, nil, fmt.Errorf("chaos: request: %w", err)
		}
		for k, v := range hdr {
			req.Header.Set(k, v)
		}
		if strings.Contains(u, "/api/admin/") {
			req.SetBasicAuth("admin", c.admin)
		}
		resp, err := c.hc.Do(req)
		if err != nil {
			lastErr = err
			if ctx.Err() != nil || isTimeout(err) {
				return 0, nil, err
			}
			continue // refused or reset: the shop is down; try again like a customer reloading
		}
		b, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
		resp.Body.Close()
		if err != nil {
			lastErr = err
			continue
		}
		return resp.StatusCode, b, nil
	}
	return 0, nil, fmt.Errorf("chaos: %s %s: gave up: %w", method, u, lastErr)
}

func isTimeout(err error) bool {
	var t interface{ Timeout() bool }
	return errors.As(err, &t) && t.Timeout()
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}
