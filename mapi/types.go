package mapi

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// The wire types of MAPI v2 (docs/mapi.md). Enumerations are plain string
// types: values not listed here are kept as they came, never an error.

// PaymentStatus is Payment.Status (docs/mapi.md §Payment status).
type PaymentStatus string

const (
	StatusTaskRedirectionRequired PaymentStatus = "TASK_REDIRECTION_REQUIRED"
	StatusInspection              PaymentStatus = "INSPECTION"
	StatusSupplementingRequired   PaymentStatus = "SUPPLEMENTING_REQUIRED"
	StatusFrozen                  PaymentStatus = "FROZEN"
	StatusAccepted                PaymentStatus = "ACCEPTED"
	StatusRejected                PaymentStatus = "REJECTED"
)

// RejectedCategory is RejectedReason.Category (docs/mapi.md §Payment status).
type RejectedCategory string

const (
	RejectedUnknown           RejectedCategory = "UNKNOWN"
	RejectedTechnicalError    RejectedCategory = "TECHNICAL_ERROR"
	RejectedCreditDenied      RejectedCategory = "CREDIT_DENIED"
	RejectedPaymentFrozen     RejectedCategory = "PAYMENT_FROZEN"
	RejectedTimeout           RejectedCategory = "TIMEOUT"
	RejectedAbortedByCustomer RejectedCategory = "ABORTED_BY_CUSTOMER"
	RejectedInsufficientFunds RejectedCategory = "INSUFFICIENT_FUNDS"
	RejectedCanceled          RejectedCategory = "CANCELED"
)

// RejectedReason explains a REJECTED payment.
type RejectedReason struct {
	Category RejectedCategory `json:"category"`
}

// ActionType is the type of a possible action (docs/mapi.md §Order amounts).
type ActionType string

const (
	ActionCapture        ActionType = "CAPTURE"
	ActionPartialCapture ActionType = "PARTIAL_CAPTURE"
	ActionRefund         ActionType = "REFUND"
	ActionPartialRefund  ActionType = "PARTIAL_REFUND"
	ActionCancel         ActionType = "CANCEL"
	ActionPartialCancel  ActionType = "PARTIAL_CANCEL"
)

// PossibleAction is one entry of Order.PossibleActions.
type PossibleAction struct {
	Action ActionType `json:"action"`
}

// ActionLogType is the type of an actionLog entry.
type ActionLogType string

const (
	LogCreate      ActionLogType = "CREATE"
	LogModifyOrder ActionLogType = "MODIFY_ORDER"
	LogCapture     ActionLogType = "CAPTURE"
	LogRefund      ActionLogType = "REFUND"
	LogCancel      ActionLogType = "CANCEL"
)

// ActionLog is one entry of Order.ActionLog, also returned by GET .../actions/{id}.
type ActionLog struct {
	ActionID      string        `json:"actionId"`
	Type          ActionLogType `json:"type"`
	Created       Time          `json:"created"`
	OrderLines    []OrderLine   `json:"orderLines"`
	TransactionID *string       `json:"transactionId"`
	Creator       *string       `json:"creator"`
}

// OrderLineType is OrderLine.Type (docs/mapi.md §Creating a payment).
type OrderLineType string

const (
	LineNormal        OrderLineType = "NORMAL"
	LinePhysicalGoods OrderLineType = "PHYSICAL_GOODS"
	LineDigitalGoods  OrderLineType = "DIGITAL_GOODS"
	LineDiscount      OrderLineType = "DISCOUNT"
	LineShipping      OrderLineType = "SHIPPING"
	LineFee           OrderLineType = "FEE"
	LineGiftCard      OrderLineType = "GIFT_CARD"
	LineOtherPayment  OrderLineType = "OTHER_PAYMENT"
)

// OrderLine is one line of an order, a capture, a cancel or a refund.
type OrderLine struct {
	Description             string        `json:"description,omitempty"`
	Reference               string        `json:"reference,omitempty"`
	Quantity                Decimal       `json:"quantity"`
	QuantityUnit            string        `json:"quantityUnit"`
	VATRate                 Decimal       `json:"vatRate"`
	UnitAmountIncludingVAT  *Decimal      `json:"unitAmountIncludingVat,omitempty"`
	TotalAmountIncludingVAT Decimal       `json:"totalAmountIncludingVat"`
	TotalVATAmount          *Decimal      `json:"totalVatAmount,omitempty"`
	Type                    OrderLineType `json:"type,omitempty"`
}

// Order is Payment.Order (docs/mapi.md §Order amounts).
type Order struct {
	OrderReference   string           `json:"orderReference,omitempty"`
	TotalOrderAmount Decimal          `json:"totalOrderAmount"`
	AuthorizedAmount Decimal          `json:"authorizedAmount"`
	CapturedAmount   Decimal          `json:"capturedAmount"`
	RefundedAmount   Decimal          `json:"refundedAmount"`
	CanceledAmount   Decimal          `json:"canceledAmount"`
	PossibleActions  []PossibleAction `json:"possibleActions"`
	ActionLog        []ActionLog      `json:"actionLog"`
}

// Can reports whether a is among the possible actions.
func (o *Order) Can(a ActionType) bool {
	for _, p := range o.PossibleActions {
		if p.Action == a {
			return true
		}
	}
	return false
}

// FindAction returns the actionLog entry carrying transactionID, or nil.
// It is how a caller learns whether a capture or refund whose answer was lost
// was executed (query before retry).
func (o *Order) FindAction(transactionID string) *ActionLog {
	for i := range o.ActionLog {
		if t := o.ActionLog[i].TransactionID; t != nil && *t == transactionID {
			return &o.ActionLog[i]
		}
	}
	return nil
}

// CustomerType is NATURAL (a person) or LEGAL (a company).
type CustomerType string

const (
	CustomerNatural CustomerType = "NATURAL"
	CustomerLegal   CustomerType = "LEGAL"
)

// Address is a delivery address (docs/mapi.md §Creating a payment) or a
// getAddress answer (docs/mapi.md §Part payment and getAddress).
type Address struct {
	FullName    string `json:"fullName,omitempty"`
	FirstName   string `json:"firstName,omitempty"`
	LastName    string `json:"lastName,omitempty"`
	AddressRow1 string `json:"addressRow1"`
	AddressRow2 string `json:"addressRow2,omitempty"`
	PostalArea  string `json:"postalArea"`
	PostalCode  string `json:"postalCode"`
	CountryCode string `json:"countryCode"`
}

// DeviceInfo describes the customer's device.
type DeviceInfo struct {
	IP        string `json:"ip,omitempty"`
	UserAgent string `json:"userAgent,omitempty"`
}

// Customer is Payment.Customer. An empty GovernmentID is left out of the
// JSON entirely, as MAPI requires (docs/mapi.md §Creating a payment).
type Customer struct {
	CustomerType    CustomerType `json:"customerType"`
	GovernmentID    string       `json:"governmentId,omitempty"`
	Email           string       `json:"email,omitempty"`
	MobilePhone     string       `json:"mobilePhone,omitempty"`
	ContactPerson   string       `json:"contactPerson,omitempty"`
	DeliveryAddress *Address     `json:"deliveryAddress,omitempty"`
	DeviceInfo      *DeviceInfo  `json:"deviceInfo,omitempty"`
}

// MetadataEntry is one custom key/value pair.
type MetadataEntry struct {
	Key   string `json:"key"`
	Value string `json:"value"`
}

// Metadata is Payment.Metadata. Custom is read from either a JSON array of
// {key,value} or a JSON object (docs/mapi.md §Payments).
type Metadata struct {
	Creator string          `json:"creator,omitempty"`
	Custom  []MetadataEntry `json:"custom,omitempty"`
}

// UnmarshalJSON accepts custom as an array or as an object.
func (m *Metadata) UnmarshalJSON(b []byte) error {
	var raw struct {
		Creator string          `json:"creator"`
		Custom  json.RawMessage `json:"custom"`
	}
	if err := json.Unmarshal(b, &raw); err != nil {
		return err
	}
	m.Creator, m.Custom = raw.Creator, nil
	c := strings.TrimSpace(string(raw.Custom))
	switch {
	case c == "" || c == "null":
	case strings.HasPrefix(c, "{"):
		var obj map[string]string
		if err := json.Unmarshal(raw.Custom, &obj); err != nil {
			return fmt.Errorf("metadata.custom: %w", err)
		}
		for k, v := range obj {
			m.Custom = append(m.Custom, MetadataEntry{Key: k, Value: v})
		}
	default:
		if err := json.Unmarshal(raw.Custom, &m.Custom); err != nil {
			return fmt.Errorf("metadata.custom: %w", err)
		}
	}
	return nil
}

// Application is the credit application part of a payment.
type Application struct {
	RequestedCreditLimit *Decimal          `json:"requestedCreditLimit,omitempty"`
	ApprovedCreditLimit  *Decimal          `json:"approvedCreditLimit,omitempty"`
	Reference            *int64            `json:"reference,omitempty"`
	ApplicationData      map[string]string `json:"applicationData,omitempty"`
}

// RedirectionURLs is one {failUrl, successUrl} pair.
type RedirectionURLs struct {
	FailURL    string `json:"failUrl"`
	SuccessURL string `json:"successUrl"`
}

// Redirection holds the redirection URLs per party.
type Redirection struct {
	Customer    *RedirectionURLs `json:"customer,omitempty"`
	CoApplicant *RedirectionURLs `json:"coApplicant,omitempty"`
	Merchant    *RedirectionURLs `json:"merchant,omitempty"`
}

// CallbackURL is one callback registration.
type CallbackURL struct {
	URL string `json:"url"`
}

// Callbacks are the per-payment callback URLs.
type Callbacks struct {
	Authorization     *CallbackURL `json:"authorization,omitempty"`
	Management        *CallbackURL `json:"management,omitempty"`
	CreditApplication *CallbackURL `json:"creditApplication,omitempty"`
}

// Options are the create-payment options (docs/mapi.md §Creating a payment).
type Options struct {
	InitiatedOnCustomersDevice *bool        `json:"initiatedOnCustomersDevice,omitempty"`
	HandleManualInspection     *bool        `json:"handleManualInspection,omitempty"`
	HandleFrozenPayments       *bool        `json:"handleFrozenPayments,omitempty"`
	AutomaticCapture           *bool        `json:"automaticCapture,omitempty"`
	DeliverLinks               *bool        `json:"deliverLinks,omitempty"`
	RedirectionURLs            *Redirection `json:"redirectionUrls,omitempty"`
	Callbacks                  *Callbacks   `json:"callbacks,omitempty"`
	TimeToLiveInMinutes        int          `json:"timeToLiveInMinutes,omitempty"`
}

// CreatePaymentOrder is the order part of a create-payment request.
type CreatePaymentOrder struct {
	OrderReference string      `json:"orderReference,omitempty"`
	OrderLines     []OrderLine `json:"orderLines"`
}

// CreatePaymentRequest is the body of POST /v2/payments.
type CreatePaymentRequest struct {
	StoreID         string             `json:"storeId"`
	PaymentMethodID string             `json:"paymentMethodId"`
	Order           CreatePaymentOrder `json:"order"`
	Application     *Application       `json:"application,omitempty"`
	Customer        *Customer          `json:"customer,omitempty"`
	Metadata        *Metadata          `json:"metadata,omitempty"`
	Options         *Options           `json:"options,omitempty"`
}

// TaskRedirectionURLs is flat (docs/mapi.md §Creating a payment).
type TaskRedirectionURLs struct {
	MerchantURL    string `json:"merchantUrl,omitempty"`
	CustomerURL    string `json:"customerUrl,omitempty"`
	CoApplicantURL string `json:"coApplicantUrl,omitempty"`
}

// PaymentMethodRef is Payment.PaymentMethod.
type PaymentMethodRef struct {
	ID   string `json:"id,omitempty"`
	Name string `json:"name"`
	Type string `json:"type,omitempty"`
}

// Payment is the full payment object (docs/mapi.md §Payments).
type Payment struct {
	ID                  string               `json:"id"`
	Created             Time                 `json:"created"`
	StoreID             string               `json:"storeId"`
	CountryCode         string               `json:"countryCode,omitempty"`
	Status              PaymentStatus        `json:"status"`
	PaymentMethod       *PaymentMethodRef    `json:"paymentMethod,omitempty"`
	Customer            *Customer            `json:"customer,omitempty"`
	Order               Order                `json:"order"`
	Application         *Application         `json:"application,omitempty"`
	Metadata            *Metadata            `json:"metadata,omitempty"`
	RejectedReason      *RejectedReason      `json:"rejectedReason,omitempty"`
	TaskRedirectionURLs *TaskRedirectionURLs `json:"taskRedirectionUrls,omitempty"`
}

// TaskStatus is the answer of GET /v2/payments/{id}/tasks/status (docs/mapi.md §Task status).
type TaskStatus struct {
	Completed bool `json:"completed"`
	Customer  *struct {
		CustomerURL   string `json:"customerUrl,omitempty"`
		HasActiveTask bool   `json:"hasActiveTask"`
	} `json:"customer,omitempty"`
	Merchant *struct {
		MerchantURL string `json:"merchantUrl,omitempty"`
	} `json:"merchant,omitempty"`
	CoApplication *struct {
		CustomerURL   string `json:"customerUrl,omitempty"`
		HasActiveTask bool   `json:"hasActiveTask"`
	} `json:"coApplication,omitempty"`
}

// SearchPaymentsRequest is the body of POST /v2/payments/search.
type SearchPaymentsRequest struct {
	StoreID        string `json:"storeId"`
	OrderReference string `json:"orderReference,omitempty"`
	GovernmentID   string `json:"governmentId,omitempty"`
}

// InvoiceOptions carry the merchant's invoice number on a capture.
type InvoiceOptions struct {
	InvoiceID string `json:"invoiceId,omitempty"`
}

// RefundNoteOptions carry the merchant's refund note number on a refund.
type RefundNoteOptions struct {
	RefundNoteID string `json:"refundNoteId,omitempty"`
}

// CaptureRequest is the body of POST .../capture. No lines = capture all.
type CaptureRequest struct {
	OrderLines     []OrderLine     `json:"orderLines,omitempty"`
	Creator        string          `json:"creator,omitempty"`
	TransactionID  string          `json:"transactionId,omitempty"`
	InvoiceOptions *InvoiceOptions `json:"invoiceOptions,omitempty"`
}

// CancelRequest is the body of POST .../cancel. No lines = cancel all.
type CancelRequest struct {
	OrderLines    []OrderLine `json:"orderLines,omitempty"`
	Creator       string      `json:"creator,omitempty"`
	TransactionID string      `json:"transactionId,omitempty"`
}

// RefundRequest is the body of POST .../refund. No lines = refund all captured.
type RefundRequest struct {
	OrderLines        []OrderLine        `json:"orderLines,omitempty"`
	Creator           string             `json:"creator,omitempty"`
	TransactionID     string             `json:"transactionId,omitempty"`
	RefundNoteOptions *RefundNoteOptions `json:"refundNoteOptions,omitempty"`
}

// AddOrderLinesRequest is the body of POST .../order (MODIFY_ORDER).
type AddOrderLinesRequest struct {
	OrderLines []OrderLine `json:"orderLines"`
	Creator    string      `json:"creator,omitempty"`
}

// Store is one entry of GET /v2/stores (docs/mapi.md §Stores and payment methods).
type Store struct {
	ID                 string `json:"id"`
	NationalStoreID    int64  `json:"nationalStoreId"`
	CountryCode        string `json:"countryCode"`
	Name               string `json:"name"`
	OrganizationNumber string `json:"organizationNumber,omitempty"`
	TradeName          string `json:"tradeName,omitempty"`
	PopularName        string `json:"popularName,omitempty"`
	RepresentativeID   string `json:"representativeId,omitempty"`
}

// Page is the pagination object of list answers.
type Page struct {
	Number        int `json:"number"`
	Size          int `json:"size"`
	TotalElements int `json:"totalElements"`
	TotalPages    int `json:"totalPages"`
}

// PaymentMethodType is PaymentMethod.Type (docs/mapi.md §Stores and payment methods).
type PaymentMethodType string

const (
	MethodResursCard               PaymentMethodType = "RESURS_CARD"
	MethodResursNewCard            PaymentMethodType = "RESURS_NEW_CARD"
	MethodResursRevolvingCredit    PaymentMethodType = "RESURS_REVOLVING_CREDIT"
	MethodResursNewRevolvingCredit PaymentMethodType = "RESURS_NEW_REVOLVING_CREDIT"
	MethodResursInvoice            PaymentMethodType = "RESURS_INVOICE"
	MethodResursPartPayment        PaymentMethodType = "RESURS_PART_PAYMENT"
	MethodResursZero               PaymentMethodType = "RESURS_ZERO"
	MethodResursInvoiceAccount     PaymentMethodType = "RESURS_INVOICE_ACCOUNT"
	MethodCard                     PaymentMethodType = "CARD"
	MethodDebitCard                PaymentMethodType = "DEBIT_CARD"
	MethodCreditCard               PaymentMethodType = "CREDIT_CARD"
	MethodSwish                    PaymentMethodType = "SWISH"
	MethodInternet                 PaymentMethodType = "INTERNET"
	MethodPayPal                   PaymentMethodType = "PAYPAL"
	MethodMasterpass               PaymentMethodType = "MASTERPASS"
	MethodOther                    PaymentMethodType = "OTHER"
)

// LegalLinkType is LegalLink.Type.
type LegalLinkType string

const (
	LegalGeneralTerms LegalLinkType = "GENERAL_TERMS"
	LegalSECCI        LegalLinkType = "SECCI"
	LegalPriceInfo    LegalLinkType = "PRICE_INFO"
)

// LegalLink is a link the shop must show with the method.
type LegalLink struct {
	URL          string        `json:"url"`
	Type         LegalLinkType `json:"type"`
	AppendAmount bool          `json:"appendAmount"`
}

// PaymentMethod is one entry of GET /v2/stores/{id}/payment_methods.
type PaymentMethod struct {
	ID                        string            `json:"id"`
	Name                      string            `json:"name"`
	Type                      PaymentMethodType `json:"type"`
	MinPurchaseLimit          Decimal           `json:"minPurchaseLimit"`
	MaxPurchaseLimit          Decimal           `json:"maxPurchaseLimit"`
	MinApplicationLimit       Decimal           `json:"minApplicationLimit"`
	MaxApplicationLimit       Decimal           `json:"maxApplicationLimit"`
	LegalLinks                []LegalLink       `json:"legalLinks"`
	EnabledForLegalCustomer   bool              `json:"enabledForLegalCustomer"`
	EnabledForNaturalCustomer bool              `json:"enabledForNaturalCustomer"`
	PriceSignagePossible      bool              `json:"priceSignagePossible"`
}

// AnnuityFactor is one entry of GET .../annuity_factors (docs/mapi.md §Part payment and getAddress).
// AnnuityFactor itself has more than two decimals (0.0915), so it is kept
// as the JSON text and parsed by the caller's choice.
type AnnuityFactor struct {
	PaymentPlanName   string      `json:"paymentPlanName"`
	AnnuityFactor     json.Number `json:"annuityFactor"`
	DurationMonths    int         `json:"durationMonths"`
	AdministrationFee Decimal     `json:"administrationFee"`
	SetupFee          Decimal     `json:"setupFee"`
	Interest          Decimal     `json:"interest"`
}

// LanguageLink is a link with a language (price signage).
type LanguageLink struct {
	URI      string `json:"uri"`
	Language string `json:"language"`
}

// Cost is one entry of PriceSignage.CostList.
type Cost struct {
	Interest          Decimal `json:"interest"`
	DurationMonths    int     `json:"durationMonths"`
	TotalCost         Decimal `json:"totalCost"`
	MonthlyCost       Decimal `json:"monthlyCost"`
	AdministrationFee Decimal `json:"administrationFee"`
	EffectiveInterest Decimal `json:"effectiveInterest"`
}

// PriceSignage is the answer of GET .../price_signage (docs/mapi.md §Part payment and getAddress).
type PriceSignage struct {
	SECCILinks        []LanguageLink `json:"secciLinks"`
	GeneralTermsLinks []LanguageLink `json:"generalTermsLinks"`
	CostList          []Cost         `json:"costList"`
}

// GetAddressRequest is the body of POST /v2/customers/address/by_government_id.
type GetAddressRequest struct {
	StoreID      string       `json:"storeId"`
	CustomerIP   string       `json:"customerIp,omitempty"`
	GovernmentID string       `json:"governmentId"`
	CustomerType CustomerType `json:"customerType"`
}

// CallbackTestStatus is the status of a callback test (docs/mapi.md §Callbacks).
type CallbackTestStatus string

const (
	CallbackTestOK          CallbackTestStatus = "OK"
	CallbackTestFailed      CallbackTestStatus = "FAILED"
	CallbackTestInvalidURL  CallbackTestStatus = "INVALID_URL"
	CallbackTestError       CallbackTestStatus = "ERROR"
	CallbackTestTimeout     CallbackTestStatus = "TIMEOUT"
	CallbackTestRateLimited CallbackTestStatus = "RATE_LIMITED"
)

// CallbackTestResult is the answer of POST /v2/callbacks/test.
type CallbackTestResult struct {
	Status CallbackTestStatus `json:"status"`
	Code   int                `json:"code"`
}

// AuthorizationStatus is the status in an authorization callback (docs/mapi.md §Callbacks).
type AuthorizationStatus string

const (
	CallbackAuthorized     AuthorizationStatus = "AUTHORIZED"
	CallbackCaptured       AuthorizationStatus = "CAPTURED"
	CallbackFrozen         AuthorizationStatus = "FROZEN"
	CallbackRejected       AuthorizationStatus = "REJECTED"
	CallbackInspection     AuthorizationStatus = "INSPECTION"
	CallbackCreditApproved AuthorizationStatus = "CREDIT_APPROVED"
)

// AuthorizationCallback is the body Resurs POSTs to the authorization URL.
type AuthorizationCallback struct {
	PaymentID  string              `json:"paymentId"`
	Status     AuthorizationStatus `json:"status"`
	Created    Time                `json:"created"`
	CheckoutID string              `json:"checkoutId,omitempty"`
}

// ManagementAction is the action in a management callback.
type ManagementAction string

const (
	ManagementCapture     ManagementAction = "CAPTURE"
	ManagementRefund      ManagementAction = "REFUND"
	ManagementCancel      ManagementAction = "CANCEL"
	ManagementModifyOrder ManagementAction = "MODIFY_ORDER"
)

// ManagementCallback is the body Resurs POSTs to the management URL.
type ManagementCallback struct {
	PaymentID  string           `json:"paymentId"`
	Action     ManagementAction `json:"action"`
	ActionID   string           `json:"actionId"`
	Created    Time             `json:"created"`
	CheckoutID string           `json:"checkoutId,omitempty"`
}

// Time is a timestamp read leniently: RFC 3339 with or without a zone and
// with up to 9 fractional digits (zone-less times are taken as UTC). It is
// written as RFC 3339 with milliseconds in UTC.
type Time struct{ time.Time }

var timeLayouts = []string{
	time.RFC3339Nano,
	"2006-01-02T15:04:05.999999999",
	"2006-01-02T15:04:05.999999999Z0700",
	"2006-01-02 15:04:05.999999999Z07:00",
	"2006-01-02 15:04:05.999999999",
	"2006-01-02",
}

// ParseTime parses s with the lenient layouts of Time.
func ParseTime(s string) (time.Time, error) {
	for _, l := range timeLayouts {
		if t, err := time.Parse(l, s); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("mapi: bad time %q", s)
}

// MarshalJSON writes t as RFC 3339 with milliseconds in UTC, or null when zero.
func (t Time) MarshalJSON() ([]byte, error) {
	if t.IsZero() {
		return []byte("null"), nil
	}
	return []byte(`"` + t.UTC().Format("2006-01-02T15:04:05.000Z07:00") + `"`), nil
}

// UnmarshalJSON reads a time leniently; null leaves t zero.
func (t *Time) UnmarshalJSON(b []byte) error {
	s := string(b)
	if s == "null" {
		return nil
	}
	if len(s) < 2 || s[0] != '"' || s[len(s)-1] != '"' {
		return fmt.Errorf("mapi: time must be a string, got %s", s)
	}
	v, err := ParseTime(s[1 : len(s)-1])
	if err != nil {
		return err
	}
	t.Time = v
	return nil
}
