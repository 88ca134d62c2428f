package main

import (
	"bytes"
	"html/template"
	"net/http"
	"strconv"
)

// The shop's pages. Its words are English: it is an example for the
// developer who integrates kassa, not a page of kassa's storefront.

var pages = template.Must(template.New("layout").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<title>{{.Title}} · Example shop</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:44rem;margin:2rem auto;padding:0 1rem}
table{border-collapse:collapse;width:100%}td,th{text-align:left;padding:.3rem .5rem;border-bottom:1px solid #ddd}
.num{text-align:right}.alert{padding:.5rem 1rem;background:#fee}</style></head>
<body><header><a href="/">Example shop</a> · <a href="/orders">Orders</a></header><main>
<h1>{{.Title}}</h1>{{with .Problem}}<p class="alert" id="problem">{{.}}</p>{{end}}
{{template "body" .}}</main></body></html>`))

var productsPage = template.Must(template.Must(pages.Clone()).Parse(`{{define "body"}}
<form method="post" action="/buy" id="buy"><table>
<tr><th>Product</th><th class="num">Price</th><th>Quantity</th></tr>
{{range $i, $p := .Products}}<tr><td>{{$p.Name}}</td><td class="num">{{$p.Price}} kr</td>
<td><input type="number" name="qty" min="0" max="99" value="{{if eq $i 0}}2{{else}}0{{end}}" id="qty-{{$p.SKU}}"></td></tr>
{{end}}</table>
<p>Shipping {{.Shipping.Price}} kr. This week {{.Percent}} % off every product.</p>
<p><button type="submit" id="buy-button">Buy</button></p></form>{{end}}`))

var outcomePage = template.Must(template.Must(pages.Clone()).Parse(`{{define "body"}}
{{with .Order}}<p id="outcome" data-state="{{.State}}">Order {{.Reference}} ({{.Total}} kr): {{.State}}.</p>
{{if eq .State "awaiting payment"}}<p>kassa tells us the outcome in a moment; see <a href="/orders">your orders</a>.</p>{{end}}
{{else}}<p>We do not know that order.</p>{{end}}
<p><a href="/">Back to the shop</a></p>{{end}}`))

var ordersPage = template.Must(template.Must(pages.Clone()).Parse(`{{define "body"}}
<table id="orders"><tr><th>Order</th><th>kassa</th><th class="num">Total</th><th>State</th><th>Webhook events</th></tr>
{{range .Orders}}<tr id="order-{{.Reference}}"><td>{{.Reference}}</td><td>{{.KassaNumber}}</td><td class="num">{{.Total}}</td>
<td class="state">{{.State}}</td><td>{{range .Events}}{{.}}<br>{{end}}</td></tr>
{{else}}<tr><td colspan="5">No orders yet.</td></tr>{{end}}</table>
<p id="refused">Webhook deliveries refused for a bad signature: {{.Refused}}</p>{{end}}`))

type pageData struct {
	Title, Problem string
	Products       []product
	Shipping       product
	Percent        int
	Order          *order
	Orders         []order
	Refused        int64
}

// render writes page t whole, or a 500 when it fails.
func (s *Shop) render(w http.ResponseWriter, status int, t *template.Template, p pageData) {
	var b bytes.Buffer
	if err := t.Execute(&b, p); err != nil {
		s.log.Error("render", "page", p.Title, "err", err)
		http.Error(w, "The page could not be shown.", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, _ = b.WriteTo(w)
}

func (s *Shop) handleProducts(w http.ResponseWriter, r *http.Request) {
	s.render(w, http.StatusOK, productsPage, pageData{Title: "Products", Products: products, Shipping: shipping,
		Percent: campaignPercent})
}

// handleBuy creates the order, creates its checkout at kassa and sends
// the shopper there.
func (s *Shop) handleBuy(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		s.productsProblem(w, http.StatusBadRequest, "The form could not be read.")
		return
	}
	var qty []int64
	for _, v := range r.PostForm["qty"] {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			s.productsProblem(w, http.StatusUnprocessableEntity, "A quantity is a whole number.")
			return
		}
		qty = append(qty, n)
	}
	o, err := s.newOrder(qty)
	if err != nil {
		s.productsProblem(w, http.StatusUnprocessableEntity, "Please "+err.Error()+".")
		return
	}
	req := checkoutRequest{Reference: o.Reference, Lines: o.Lines, Total: o.Total.String(),
		SuccessURL: s.cfg.PublicURL + "/thanks", FailURL: s.cfg.PublicURL + "/cart",
		Metadata: map[string]string{"shop": "example"}}
	// The order's reference is the idempotency key: a retry of this
	// request never makes a second checkout.
	a, err := s.cfg.Kassa.createCheckout(r.Context(), req, "checkout-"+o.Reference)
	if err != nil {
		s.log.Error("create checkout", "order", o.Reference, "err", err)
		s.productsProblem(w, http.StatusBadGateway, "The payment could not be started. Please try again.")
		return
	}
	s.setKassa(o.Reference, a)
	http.Redirect(w, r, a.URL, http.StatusSeeOther)
}

func (s *Shop) productsProblem(w http.ResponseWriter, status int, msg string) {
	s.render(w, status, productsPage, pageData{Title: "Products", Problem: msg,
		Products: products, Shipping: shipping, Percent: campaignPercent})
}

// handleOutcome is the successUrl (/thanks) and the failUrl (/cart) kassa
// sends the shopper to, with ?orderId=&reference=. The page shows what
// the shop knows from kassa's webhooks: the browser's word is no proof of
// payment.
func (s *Shop) handleOutcome(fail bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		title := "Thank you"
		if fail {
			title = "The payment was not completed"
		}
		p := pageData{Title: title}
		if o, ok := s.order(r.URL.Query().Get("reference")); ok {
			p.Order = &o
		}
		s.render(w, http.StatusOK, outcomePage, p)
	}
}

func (s *Shop) handleOrders(w http.ResponseWriter, r *http.Request) {
	s.render(w, http.StatusOK, ordersPage, pageData{Title: "Orders", Orders: s.list(), Refused: s.refused.Load()})
}
