package kassa

import (
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Status is the shop's order status.
type Status string

const (
	StatusPending    Status = "pending"    // created, stock reserved, payment not decided
	StatusOnHold     Status = "on-hold"    // FROZEN, INSPECTION or SUPPLEMENTING_REQUIRED at Resurs
	StatusProcessing Status = "processing" // ACCEPTED: authorized, ready to ship
	StatusCompleted  Status = "completed"  // captured in full
	StatusRefunded   Status = "refunded"   // refunded in full
	StatusFailed     Status = "failed"     // rejected by Resurs, or the payment could not be created
	StatusCancelled  Status = "cancelled"  // aborted, expired or cancelled in full
)

// Statuses lists every status, in the order of the graph.
var Statuses = []Status{StatusPending, StatusOnHold, StatusProcessing, StatusCompleted,
	StatusRefunded, StatusFailed, StatusCancelled}

// Valid reports whether s is a known status.
func (s Status) Valid() bool { return slices.Contains(Statuses, s) }

// Open reports whether the payment of an order in s is still undecided, so
// the sweeper must keep reading it.
func (s Status) Open() bool { return s == StatusPending || s == StatusOnHold }

// ReleasesStock reports whether entering s gives the reserved stock back.
func (s Status) ReleasesStock() bool { return s == StatusFailed || s == StatusCancelled }

// CustomerType is NATURAL (a person) or LEGAL (a company), as in MAPI.
type CustomerType string

const (
	CustomerNatural CustomerType = "NATURAL"
	CustomerLegal   CustomerType = "LEGAL"
)

// Address is a delivery address.
type Address struct {
	FirstName   string `json:"firstName"`
	LastName    string `json:"lastName"`
	CompanyName string `json:"companyName,omitempty"`
	AddressRow1 string `json:"addressRow1"`
	AddressRow2 string `json:"addressRow2,omitempty"`
	PostalCode  string `json:"postalCode"`
	PostalArea  string `json:"postalArea"`
	CountryCode string `json:"countryCode"`
}

// Customer is the buyer of an order.
type Customer struct {
	Type         CustomerType `json:"type"`
	GovernmentID string       `json:"governmentId,omitempty"`
	Email        string       `json:"email"`
	Phone        string       `json:"phone"`
	Address      Address      `json:"address"`
}

// LineType says what an order line is; the values are MAPI's.
type LineType string

const (
	LineProduct  LineType = "PHYSICAL_GOODS"
	LineDigital  LineType = "DIGITAL_GOODS"
	LineDiscount LineType = "DISCOUNT"
	LineShipping LineType = "SHIPPING"
	LineFee      LineType = "FEE"
)

// Line is one order line. Amounts include VAT. VATRate is in hundredths of
// a percent (2500 = 25 %). Quantity is in whole units.
type Line struct {
	Position    int      `json:"position"`
	Type        LineType `json:"type"`
	SKU         string   `json:"sku"`
	Description string   `json:"description"`
	Quantity    int64    `json:"quantity"`
	UnitPrice   Money    `json:"unitPrice"`
	VATRate     int64    `json:"vatRate"`
	Total       Money    `json:"total"`
	VATAmount   Money    `json:"vatAmount"`
}

// OrderRef is the part of an order that authenticates its callbacks.
type OrderRef struct {
	ID            int64
	CallbackToken string
	PaymentID     string
}

// Order is a shop order. Version increases on every change (compare-and-set).
// Captured/Refunded/Canceled mirror the amounts Resurs reported last.
type Order struct {
	ID              int64     `json:"id"`
	Number          string    `json:"number"`
	Key             string    `json:"-"` // unguessable, for return/fail URLs
	CallbackToken   string    `json:"-"` // unguessable, for callback URLs
	Status          Status    `json:"status"`
	Currency        string    `json:"currency"`
	Lines           []Line    `json:"lines"`
	Total           Money     `json:"total"`
	VATTotal        Money     `json:"vatTotal"`
	Customer        Customer  `json:"customer"`
	PaymentMethodID string    `json:"paymentMethodId"`
	PaymentID       string    `json:"paymentId,omitempty"`
	PaymentStatus   string    `json:"paymentStatus,omitempty"` // MAPI status seen last
	StatusReason    string    `json:"statusReason,omitempty"`  // plain words for the customer: why failed/cancelled/on-hold
	Authorized      Money     `json:"authorized"`
	Captured        Money     `json:"captured"`
	Refunded        Money     `json:"refunded"`
	Canceled        Money     `json:"canceled"`
	StockReleased   bool      `json:"-"`
	Version         int64     `json:"version"`
	CreatedAt       time.Time `json:"createdAt"`
	UpdatedAt       time.Time `json:"updatedAt"`
	ExpiresAt       time.Time `json:"expiresAt"` // end of the stock hold = payment TTL
	NextSyncAt      time.Time `json:"-"`         // when the sweeper reads the payment next; zero = never
	SyncAttempts    int       `json:"-"`
	// Reference is the merchant's own reference of an order created
	// through POST /api/checkouts; searchable. Hosted holds the rest of
	// such an order's checkout; nil for the shop's own orders.
	Reference string          `json:"reference,omitempty"`
	Hosted    *HostedCheckout `json:"-"`
	// ClientKeys name the client who placed the order (keyed hashes of its
	// address and browser, never the raw address), for Orders.ClientHolds.
	// CreateOrder stores them; reads of an order leave them empty.
	ClientKeys []string `json:"-"`
	// Lang is the customer's language (one of locale.Codes), the language
	// of the customer's e-mails; "" for an order placed before orders
	// recorded it.
	Lang string `json:"lang"`
	// Charges are the discount, shipping and fee terms the order was
	// priced with (charges.go); nil when it has none of its own. When
	// they hold a discount code, CreateOrder takes one use of it.
	Charges *Charges `json:"-"`
}

// HostedCheckout is what a merchant's system gave for an order it created
// through POST /api/checkouts, beyond the lines: where kassa's thank-you
// and fail pages send the shopper on, and the merchant's own metadata.
type HostedCheckout struct {
	SuccessURL string            `json:"successUrl"`
	FailURL    string            `json:"failUrl"`
	Metadata   map[string]string `json:"metadata,omitempty"`
}

// AwaitingShopper reports whether o is a hosted checkout whose shopper has
// not yet filled in the checkout: no payment method, no payment.
func (o *Order) AwaitingShopper() bool {
	return o.Hosted != nil && o.PaymentMethodID == "" && o.PaymentID == "" && o.Status == StatusPending
}

// Product is a catalog item. Price includes VAT. An order keeps its own
// copy of what it sold (Line), so changing a product never changes an
// order placed before.
type Product struct {
	SKU         string `json:"sku"`
	Name        string `json:"name"`
	Description string `json:"description,omitempty"`
	Price       Money  `json:"price"`
	VATRate     int64  `json:"vatRate"` // hundredths of a percent
	Stock       int64  `json:"stock"`
	// Inactive takes the product off sale: it stays in the catalog (and on
	// the orders that sold it) but is neither listed nor sold. The zero
	// value is a product on sale.
	Inactive bool   `json:"inactive,omitempty"`
	ImageURL string `json:"imageUrl,omitempty"` // "" = none; https://… or a path on the shop
}

// ProductEdit changes the fields it sets of one product (Catalog.
// UpdateProducts); a nil field keeps what is stored. Stock sets the stock;
// StockChange, when Stock is nil, adds to it (a negative change removes).
type ProductEdit struct {
	SKU         string
	Name        *string
	Description *string
	Price       *Money
	VATRate     *int64
	Inactive    *bool
	ImageURL    *string
	Stock       *int64
	StockChange int64
	// MustExist refuses to create the product: an unknown SKU is
	// ENOTFOUND rather than a new product.
	MustExist bool
}

// Replace returns the edit that makes the stored product p, field for
// field (a create or a full replacement).
func (p Product) Replace() ProductEdit {
	return ProductEdit{SKU: p.SKU, Name: &p.Name, Description: &p.Description, Price: &p.Price,
		VATRate: &p.VATRate, Inactive: &p.Inactive, ImageURL: &p.ImageURL, Stock: &p.Stock}
}

// Apply returns p with the fields e sets. Stock follows e.Stock, else
// moves by e.StockChange.
func (e ProductEdit) Apply(p Product) Product {
	p.SKU = e.SKU
	set(&p.Name, e.Name)
	set(&p.Description, e.Description)
	set(&p.Price, e.Price)
	set(&p.VATRate, e.VATRate)
	set(&p.Inactive, e.Inactive)
	set(&p.ImageURL, e.ImageURL)
	if e.Stock != nil {
		p.Stock = *e.Stock
	} else {
		p.Stock += e.StockChange
	}
	return p
}

// Creates reports whether e names everything a new product needs: a
// name, a price and a VAT rate.
func (e ProductEdit) Creates() bool { return e.Name != nil && e.Price != nil && e.VATRate != nil }

func set[T any](dst *T, v *T) {
	if v != nil {
		*dst = *v
	}
}

// StockMove is one change of a product's stock made by a person or a file
// (an admin, the API, an import): how much, the stock after it, who and
// why. The stock orders reserve and release is recorded on the orders.
type StockMove struct {
	ID     int64     `json:"id"`
	SKU    string    `json:"sku"`
	At     time.Time `json:"at"`
	Change int64     `json:"change"`
	Stock  int64     `json:"stock"` // after the move
	By     string    `json:"by"`
	Reason string    `json:"reason,omitempty"`
}

// CheckProduct returns what is wrong with p as field errors under prefix
// (e.g. "products[2]."), none when it may be stored. Each names its
// message in the admin's catalogs (catalog.check.*, package locale) so a
// page can say it in the admin's language; Message is its English text.
func CheckProduct(p Product, prefix string) []FieldError {
	var fields []FieldError
	check := func(bad bool, field, id, msg string) {
		if bad {
			fields = append(fields, FieldError{Field: prefix + field, Message: msg, Said: Said{ID: "catalog.check." + id}})
		}
	}
	check(!validSKU(p.SKU), "sku", "sku", "A SKU is 1 to 64 characters, with no space at either end.")
	check(strings.TrimSpace(p.Name) == "" || len(p.Name) > 200, "name", "name", "A name of 1 to 200 characters is required.")
	check(len(p.Description) > 4000, "description", "description", "The description must be at most 4000 characters.")
	check(p.Price < 0, "price", "price_negative", "The price must not be negative.")
	check(p.Price > maxPrice, "price", "price_max", "The price must be at most 99999999.99.")
	check(p.VATRate < 0 || p.VATRate > 10000, "vatRate", "vat_rate", "The VAT rate must be between 0 and 100 percent.")
	check(p.Stock < 0, "stock", "stock", "The stock must not be negative.")
	check(!validImageURL(p.ImageURL), "imageUrl", "image_url", "An image address starts with https:// or / and has no spaces.")
	return fields
}

// maxPrice bounds a product's price: ten digits, so that 99 units stay
// within MAPI's amounts.
const maxPrice = Money(9_999_999_999)

// validSKU reports whether s is 1 to 64 bytes of printable UTF-8 with no
// space at either end.
func validSKU(s string) bool {
	return s != "" && len(s) <= 64 && utf8.ValidString(s) && strings.TrimSpace(s) == s &&
		strings.IndexFunc(s, unicode.IsControl) < 0
}

// validImageURL accepts "", an https:// address or a path on the shop,
// without spaces or quotes.
func validImageURL(s string) bool {
	if s == "" {
		return true
	}
	if len(s) > 500 || strings.ContainsAny(s, " \t\r\n\"'<>") {
		return false
	}
	return strings.HasPrefix(s, "https://") || strings.HasPrefix(s, "/") && !strings.HasPrefix(s, "//")
}

// Source says who attempted a transition.
type Source string

const (
	SourceCheckout Source = "checkout" // order placement and payment creation
	SourceReturn   Source = "return"   // the customer's success URL
	SourceFail     Source = "fail"     // the customer's fail URL
	SourceCallback Source = "callback" // a Resurs callback, confirmed by a payment read
	SourceSweeper  Source = "sweeper"  // reconciliation
	SourceAdmin    Source = "admin"    // the admin pages
	SourceAPI      Source = "api"      // the JSON API
	SourceCLI      Source = "cli"      // the command line
)

// Event records one attempted transition, applied or not.
type Event struct {
	ID            int64     `json:"id"`
	OrderID       int64     `json:"orderId"`
	At            time.Time `json:"at"`
	Source        Source    `json:"source"`
	From          Status    `json:"from"`
	To            Status    `json:"to"`
	Applied       bool      `json:"applied"`
	PaymentStatus string    `json:"paymentStatus,omitempty"`
	Note          string    `json:"note,omitempty"`
}

// CallbackKind says which callback URL was called.
type CallbackKind string

const (
	CallbackAuthorization CallbackKind = "authorization"
	CallbackManagement    CallbackKind = "management"
)

// CallbackState is the processing state of an inbox entry.
type CallbackState string

const (
	CallbackReceived    CallbackState = "received"    // stored, to be processed (again) at NextAttemptAt
	CallbackProcessed   CallbackState = "processed"   // payment re-read, transition attempted
	CallbackDuplicate   CallbackState = "duplicate"   // same dedup key seen before; no job
	CallbackQuarantined CallbackState = "quarantined" // parsed but not matching any order/token
	CallbackFailed      CallbackState = "failed"      // processing gave up; can be processed again
)

// CallbackStates lists every state.
var CallbackStates = []CallbackState{CallbackReceived, CallbackProcessed, CallbackDuplicate,
	CallbackQuarantined, CallbackFailed}

// Valid reports whether s is a known state.
func (s CallbackState) Valid() bool { return slices.Contains(CallbackStates, s) }

// Callback is one received callback, stored raw before anything else.
type Callback struct {
	ID          int64         `json:"id"`
	Kind        CallbackKind  `json:"kind"`
	OrderID     int64         `json:"orderId,omitempty"` // 0 when quarantined
	PaymentID   string        `json:"paymentId"`
	DedupKey    string        `json:"dedupKey"`
	Body        []byte        `json:"body"`
	State       CallbackState `json:"state"`
	Attempts    int           `json:"attempts"`
	Error       string        `json:"error,omitempty"`
	ReceivedAt  time.Time     `json:"receivedAt"`
	ProcessedAt time.Time     `json:"processedAt,omitempty"`
	// NextAttemptAt is, for a received entry, when it is due for its next
	// processing attempt if nobody processes it before: the lease of the
	// process working on it, or the retry time after a failed attempt.
	// Zero in the other states.
	NextAttemptAt time.Time `json:"nextAttemptAt,omitempty"`
}

// LineRequest asks for quantity units of the product sku.
type LineRequest struct {
	SKU      string `json:"sku"`
	Quantity int64  `json:"quantity"`
}

// OrderRequest is what a customer submits at checkout (form or JSON API).
type OrderRequest struct {
	Lines           []LineRequest `json:"lines"`
	PaymentMethodID string        `json:"paymentMethodId"`
	Customer        Customer      `json:"customer"`
	// DiscountCode and ShippingOption are optional: a code of the shop's,
	// and the id of one of its shipping options (else the first).
	DiscountCode   string `json:"discountCode,omitempty"`
	ShippingOption string `json:"shippingOption,omitempty"`
	ClientIP       string `json:"-"`
	UserAgent      string `json:"-"`
	// ClientKeys identify the client for the limits on unpaid orders
	// (Order.ClientKeys); none means the request is not limited.
	ClientKeys []string `json:"-"`
	// Lang is the customer's language, one of locale.Codes; "" is the
	// language of the store's country.
	Lang string `json:"lang,omitempty"`
}
