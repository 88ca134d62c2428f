package main

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"sort"
	"strconv"
	"sync"
	"sync/atomic"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"
)

// money is an amount in hundredths (öre); never a float.
type money int64

// String writes m as kassa's API does: "149.00", "-29.80".
func (m money) String() string {
	sign := ""
	if m < 0 {
		sign, m = "-", -m
	}
	return fmt.Sprintf("%s%d.%02d", sign, m/100, m%100)
}

// product is one of the shop's own products (kassa's catalog knows
// nothing of them).
type product struct {
	SKU, Name string
	Price     money // VAT included
	VATRate   int64 // percent
}

// The shop's catalog, shipping and this week's campaign.
var (
	products = []product{
		{SKU: "MUG-RED", Name: "Red mug", Price: 14900, VATRate: 25},
		{SKU: "TOWEL-LINEN", Name: "Linen tea towel", Price: 8900, VATRate: 25},
	}
	shipping = product{Name: "Postnord", Price: 4900, VATRate: 25}
)

// campaignPercent is this week's discount on every product.
const campaignPercent = 10

// maxQuantity is the most units of a product one order takes.
const maxQuantity = 99

// Order states as the shop sees them.
const (
	stateAwaiting = "awaiting payment"
	statePaid     = "paid"
	stateShipped  = "paid and captured"
	stateOnHold   = "awaiting the bank's decision"
	stateNotPaid  = "not paid"
	stateRefunded = "refunded"
)

// order is one of the shop's orders.
type order struct {
	Reference   string // the shop's own number, kassa's reference
	Lines       []checkoutLine
	Total       money
	KassaID     int64
	KassaNumber string
	State       string
	Events      []string // the webhook events received, in order
}

// Config configures a shop.
type Config struct {
	Kassa     *kassaClient
	Secret    string // the webhook endpoint's signing secret, whsec_…
	PublicURL string // the shop's URL, for kassa's successUrl and failUrl
	Logger    *slog.Logger
}

// Shop is the example shop: its orders, in memory.
type Shop struct {
	cfg  Config
	hook *standardwebhooks.Webhook
	log  *slog.Logger

	mu     sync.Mutex
	next   int
	orders map[string]*order
	seen   map[string]bool // webhook-ids handled

	refused atomic.Int64 // webhook deliveries whose signature did not verify
}

func newShop(cfg Config) (*Shop, error) {
	hook, err := standardwebhooks.NewWebhook(cfg.Secret)
	if err != nil {
		return nil, fmt.Errorf("webhook secret: %w", err)
	}
	if cfg.Secret == "" {
		return nil, errors.New("webhook secret: empty")
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	return &Shop{cfg: cfg, hook: hook, log: cfg.Logger, next: 1001, orders: map[string]*order{}, seen: map[string]bool{}}, nil
}

// Handler is the shop's routes.
func (s *Shop) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", s.handleProducts)
	mux.HandleFunc("POST /buy", s.handleBuy)
	mux.HandleFunc("GET /thanks", s.handleOutcome(false))
	mux.HandleFunc("GET /cart", s.handleOutcome(true))
	mux.HandleFunc("GET /orders", s.handleOrders)
	mux.HandleFunc("POST "+webhookPath, s.handleWebhook)
	return mux
}

// newOrder makes an order of qty units of each product (by index), with
// shipping and the campaign's discount, and keeps it.
func (s *Shop) newOrder(qty []int64) (*order, error) {
	o := &order{State: stateAwaiting}
	var sum money // the products, before the discount
	for i, p := range products {
		if i >= len(qty) || qty[i] == 0 {
			continue
		}
		if qty[i] < 0 || qty[i] > maxQuantity {
			return nil, fmt.Errorf("a quantity from 0 to %d, please", maxQuantity)
		}
		o.Lines = append(o.Lines, checkoutLine{Type: "product", SKU: p.SKU, Description: p.Name, Quantity: qty[i],
			UnitPrice: p.Price.String(), VATRate: p.VATRate})
		sum += p.Price * money(qty[i])
	}
	if sum == 0 {
		return nil, errors.New("choose at least one product")
	}
	// Every product is at 25 %, so the discount is one line at 25 %
	// (kassa takes one discount line per VAT rate).
	discount := -sum * campaignPercent / 100
	o.Lines = append(o.Lines,
		checkoutLine{Type: "shipping", Description: shipping.Name, Quantity: 1, UnitPrice: shipping.Price.String(), VATRate: shipping.VATRate},
		checkoutLine{Type: "discount", SKU: "WEEK10", Description: fmt.Sprintf("Campaign: %d %% off", campaignPercent),
			Quantity: 1, UnitPrice: discount.String(), VATRate: 25})
	o.Total = sum + shipping.Price + discount
	s.mu.Lock()
	defer s.mu.Unlock()
	o.Reference = "Shop-" + strconv.Itoa(s.next)
	s.next++
	s.orders[o.Reference] = o
	return o, nil
}

// order returns a copy of the order with reference ref.
func (s *Shop) order(ref string) (order, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	o, ok := s.orders[ref]
	if !ok {
		return order{}, false
	}
	c := *o
	c.Events = append([]string(nil), o.Events...)
	return c, true
}

// list returns copies of every order, newest first.
func (s *Shop) list() []order {
	s.mu.Lock()
	refs := make([]string, 0, len(s.orders))
	for ref := range s.orders {
		refs = append(refs, ref)
	}
	s.mu.Unlock()
	out := make([]order, 0, len(refs))
	for _, ref := range refs {
		o, _ := s.order(ref)
		out = append(out, o)
	}
	sort.Slice(out, func(i, j int) bool {
		return len(out[i].Reference) > len(out[j].Reference) ||
			len(out[i].Reference) == len(out[j].Reference) && out[i].Reference > out[j].Reference
	})
	return out
}

// setKassa records the checkout kassa created for order ref.
func (s *Shop) setKassa(ref string, a checkoutAnswer) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if o := s.orders[ref]; o != nil {
		o.KassaID, o.KassaNumber = a.ID, a.Number
	}
}
