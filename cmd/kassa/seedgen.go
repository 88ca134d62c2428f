package main

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/kassa-dev/kassa"
	"github.com/kassa-dev/kassa/internal/sqlstore"
)

// generator makes the orders of kassa seed, the i-th of n spread evenly
// between start and end.
type generator struct {
	rng        *rand.Rand
	products   []kassa.Product
	n          int
	start, end time.Time
}

var (
	seedFirstNames = strings.Fields(`Anna Maria Eva Karin Sara Lena Emma Kerstin Ingrid Elin Johanna Linnea
		Erik Lars Karl Anders Johan Per Nils Mikael Jan Hans Peter Olof Lennart Gunnar Sven Fredrik Daniel Oskar
		Maja Alice Ella Wilma Saga Ebba Astrid Liam Noah Hugo William Lucas Elias Adam Ali Mohammed Ahmed`)
	seedLastNames = strings.Fields(`Andersson Johansson Karlsson Nilsson Eriksson Larsson Olsson Persson
		Svensson Gustafsson Pettersson Jonsson Jansson Hansson Bengtsson Jönsson Lindberg Jakobsson Magnusson
		Olofsson Lindström Lindqvist Lindgren Berg Axelsson Bergström Lundberg Lind Lundgren Lundqvist Mattsson
		Berglund Fredriksson Sandberg Henriksson Forsberg Sjöberg Wallin Engström Eklund Danielsson Lundin
		Håkansson Björk Bergman Gunnarsson Holm Wikström Samuelsson Isaksson`)
	seedDomains = strings.Fields(`gmail.com hotmail.com outlook.com telia.com yahoo.se live.se icloud.com
		bredband.net spray.se comhem.se`)
	seedCompanies = strings.Fields(`Snickeri Bygg Konsult Café Frisör Blomster Elektriska Måleri`)
)

// seedStatus is the share, in thousandths, of each final status of a
// closed order; the newest orders are open instead (pending, on-hold).
var seedStatus = []struct {
	status kassa.Status
	permil int
}{
	{kassa.StatusCompleted, 560}, {kassa.StatusProcessing, 120}, {kassa.StatusRefunded, 60},
	{kassa.StatusFailed, 110}, {kassa.StatusCancelled, 150},
}

// order appends the i-th order, with id id, and its rows to b.
func (g *generator) order(b *sqlstore.Batch, id int64, i int) {
	created := g.start.Add(time.Duration(float64(g.end.Sub(g.start)) * float64(i+1) / float64(g.n))).
		Add(-time.Duration(g.rng.IntN(1000)) * time.Millisecond).Truncate(time.Millisecond)
	o := &kassa.Order{ID: id, Key: g.hex(32), CallbackToken: g.hex(32), Currency: "SEK",
		PaymentMethodID: "c0de5e00-0000-4000-8000-000000000001", Customer: g.customer(i),
		CreatedAt: created, ExpiresAt: created.Add(2 * time.Hour)}
	g.lines(o)
	o.Status = g.status(i)
	number := fmt.Sprintf(sqlstore.OrderNumberFormat, id)
	if o.Status != kassa.StatusFailed || g.rng.IntN(5) > 0 {
		o.PaymentID = g.uuid()
	}
	path := statusPath(o.Status)
	at := created
	b.Events = append(b.Events, kassa.Event{OrderID: id, At: at, Source: kassa.SourceCheckout,
		To: kassa.StatusPending, Applied: true, Note: "order placed"})
	for k := 1; k < len(path); k++ {
		at = at.Add(time.Duration(30+g.rng.IntN(3600*24*(k-1)+600)) * time.Second)
		b.Events = append(b.Events, kassa.Event{OrderID: id, At: at, Source: eventSource(path[k]),
			From: path[k-1], To: path[k], Applied: true, PaymentStatus: paymentStatus(path[k])})
	}
	o.UpdatedAt, o.Version = at, int64(len(path))
	o.PaymentStatus, o.StockReleased = paymentStatus(o.Status), o.Status.ReleasesStock()
	g.amounts(o)
	if o.PaymentID != "" {
		g.callbacks(b, o, path)
	}
	g.actions(b, o, number)
	g.mails(b, o, number)
	b.Orders = append(b.Orders, o)
}

// status picks the order's status: open among the newest 2 %, else closed.
func (g *generator) status(i int) kassa.Status {
	if i >= g.n-max(g.n/50, 1) && g.rng.IntN(3) > 0 {
		if g.rng.IntN(4) == 0 {
			return kassa.StatusOnHold
		}
		return kassa.StatusPending
	}
	r := g.rng.IntN(1000)
	for _, s := range seedStatus {
		if r < s.permil {
			return s.status
		}
		r -= s.permil
	}
	return kassa.StatusCompleted
}

// statusPath is the statuses an order passed through to reach s.
func statusPath(s kassa.Status) []kassa.Status {
	switch s {
	case kassa.StatusCompleted:
		return []kassa.Status{kassa.StatusPending, kassa.StatusProcessing, kassa.StatusCompleted}
	case kassa.StatusRefunded:
		return []kassa.Status{kassa.StatusPending, kassa.StatusProcessing, kassa.StatusCompleted, kassa.StatusRefunded}
	case kassa.StatusPending:
		return []kassa.Status{kassa.StatusPending}
	}
	return []kassa.Status{kassa.StatusPending, s}
}

func eventSource(s kassa.Status) kassa.Source {
	switch s {
	case kassa.StatusCompleted, kassa.StatusRefunded:
		return kassa.SourceAdmin
	case kassa.StatusCancelled:
		return kassa.SourceSweeper
	}
	return kassa.SourceCallback
}

func paymentStatus(s kassa.Status) string {
	switch s {
	case kassa.StatusPending:
		return "TASK_REDIRECTION_REQUIRED"
	case kassa.StatusOnHold:
		return "FROZEN"
	case kassa.StatusFailed, kassa.StatusCancelled:
		return "REJECTED"
	}
	return "ACCEPTED"
}

func (g *generator) customer(i int) kassa.Customer {
	first := seedFirstNames[g.rng.IntN(len(seedFirstNames))]
	last := seedLastNames[g.rng.IntN(len(seedLastNames))]
	c := kassa.Customer{Type: kassa.CustomerNatural, GovernmentID: "198305147715",
		Email: fmt.Sprintf("%s.%s%d@%s", strings.ToLower(first), strings.ToLower(last), g.rng.IntN(1000),
			seedDomains[g.rng.IntN(len(seedDomains))]),
		Phone: fmt.Sprintf("070%07d", g.rng.IntN(10_000_000)),
		Address: kassa.Address{FirstName: first, LastName: last, AddressRow1: fmt.Sprintf("Storgatan %d", 1+i%90),
			PostalCode: fmt.Sprintf("%05d", 10000+g.rng.IntN(89999)), PostalArea: "Stockholm", CountryCode: "SE"}}
	if g.rng.IntN(20) == 0 {
		c.Type, c.GovernmentID = kassa.CustomerLegal, "5560360793"
		c.Address.CompanyName = last + " " + seedCompanies[g.rng.IntN(len(seedCompanies))] + " AB"
	}
	return c
}

// lines gives o one to three product lines and shipping, and its totals.
func (g *generator) lines(o *kassa.Order) {
	for k := range 1 + g.rng.IntN(3) {
		p := g.products[g.rng.IntN(len(g.products))]
		q := int64(1 + g.rng.IntN(2))
		total := p.Price * kassa.Money(q)
		o.Lines = append(o.Lines, kassa.Line{Position: k + 1, Type: kassa.LineProduct, SKU: p.SKU,
			Description: p.Name, Quantity: q, UnitPrice: p.Price, VATRate: p.VATRate, Total: total,
			VATAmount: kassa.VATPart(total, p.VATRate)})
	}
	o.Lines = append(o.Lines, kassa.Line{Position: 99, Type: kassa.LineShipping, Description: "Postnord",
		Quantity: 1, UnitPrice: 4900, VATRate: 2500, Total: 4900, VATAmount: kassa.VATPart(4900, 2500)})
	for _, l := range o.Lines {
		o.Total += l.Total
		o.VATTotal += l.VATAmount
	}
}

// amounts sets what Resurs holds of o's payment in its status.
func (g *generator) amounts(o *kassa.Order) {
	switch o.Status {
	case kassa.StatusProcessing:
		o.Authorized = o.Total
	case kassa.StatusCompleted:
		o.Captured = o.Total
	case kassa.StatusRefunded:
		o.Captured, o.Refunded = o.Total, o.Total
	case kassa.StatusFailed, kassa.StatusCancelled:
		o.StatusReason = "ABORTED_BY_CUSTOMER"
		if o.Status == kassa.StatusFailed {
			o.StatusReason = "CREDIT_DENIED"
		}
	}
}

// callbacks records the authorization callback of o's payment (now and
// then twice), and a management callback for each after-sale step.
func (g *generator) callbacks(b *sqlstore.Batch, o *kassa.Order, path []kassa.Status) {
	add := func(kind kassa.CallbackKind, event string, at time.Time) {
		body := fmt.Sprintf(`{"paymentId":%q,"status":%q,"created":%q}`, o.PaymentID, event, at.Format(time.RFC3339))
		cb := &kassa.Callback{Kind: kind, OrderID: o.ID, PaymentID: o.PaymentID, DedupKey: o.PaymentID + "/" + event,
			Body: []byte(body), State: kassa.CallbackProcessed, Attempts: 1, ReceivedAt: at, ProcessedAt: at.Add(40 * time.Millisecond)}
		b.Callbacks = append(b.Callbacks, cb)
		if g.rng.IntN(30) == 0 {
			dup := *cb
			dup.State, dup.ReceivedAt = kassa.CallbackDuplicate, at.Add(time.Minute)
			b.Callbacks = append(b.Callbacks, &dup)
		}
	}
	if len(path) > 1 {
		add(kassa.CallbackAuthorization, paymentStatus(path[1]), o.CreatedAt.Add(90*time.Second))
	}
	for _, s := range path[min(2, len(path)):] {
		add(kassa.CallbackManagement, strings.ToUpper(string(s)), o.UpdatedAt)
	}
}

// actions records the captures and refunds of o, now and then a failed
// or refused one first.
func (g *generator) actions(b *sqlstore.Batch, o *kassa.Order, number string) {
	var kinds []kassa.ActionKind
	switch o.Status {
	case kassa.StatusCompleted:
		kinds = []kassa.ActionKind{kassa.ActionCapture}
	case kassa.StatusRefunded:
		kinds = []kassa.ActionKind{kassa.ActionCapture, kassa.ActionRefund}
	}
	for k, kind := range kinds {
		a := &kassa.Action{OrderID: o.ID, Kind: kind, TransactionID: kassa.TransactionID(number, kind, k+1),
			Lines: o.Lines, Amount: o.Total, State: kassa.ActionSucceeded, Attempts: 1, Source: kassa.SourceAdmin,
			Creator: "admin", MAPIActionID: g.uuid(), CreatedAt: o.UpdatedAt, UpdatedAt: o.UpdatedAt}
		if g.rng.IntN(200) == 0 {
			a.State, a.MAPIActionID = kassa.ActionFailed, ""
			a.Error = kassa.ActionError{Code: "UNAVAILABLE", Message: "Resurs Bank did not answer."}
		}
		b.Actions = append(b.Actions, a)
	}
}

// mails records the confirmation of a paid order and the refund's mail,
// kept (no SMTP server).
func (g *generator) mails(b *sqlstore.Batch, o *kassa.Order, number string) {
	add := func(kind kassa.MailKind, subject string, amount kassa.Money) {
		b.Mails = append(b.Mails, &kassa.Mail{OrderID: o.ID, Key: fmt.Sprintf("%d/%s", o.ID, kind), Kind: kind,
			Lang: "sv", To: o.Customer.Email, Subject: subject + " " + number,
			Text: "Tack för din beställning " + number + ".", HTML: "<p>Tack för din beställning " + number + ".</p>",
			Amount: amount, State: kassa.MailKept, CreatedAt: o.UpdatedAt})
	}
	switch o.Status {
	case kassa.StatusProcessing, kassa.StatusCompleted, kassa.StatusRefunded:
		add(kassa.MailConfirmation, "Orderbekräftelse", 0)
	}
	if o.Status == kassa.StatusRefunded {
		add(kassa.MailRefunded, "Återbetalning", o.Refunded)
	}
}

// hex returns n random hexadecimal digits.
func (g *generator) hex(n int) string {
	const digits = "0123456789abcdef"
	b := make([]byte, n)
	for i := range b {
		b[i] = digits[g.rng.IntN(16)]
	}
	return string(b)
}

// uuid returns a random version 4 UUID.
func (g *generator) uuid() string {
	h := g.hex(32)
	return h[:8] + "-" + h[8:12] + "-4" + h[13:16] + "-a" + h[17:20] + "-" + h[20:]
}
