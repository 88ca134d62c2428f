package checkout_test

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/kassa-dev/kassa"
	"github.com/kassa-dev/kassa/checkout"
	"github.com/kassa-dev/kassa/idnum"
	"github.com/kassa-dev/kassa/mapisim"
)

// TestPlaceOrderValidation has one row per field rule: a valid request, one
// change, and the one field that must be reported. Nothing is created.
func TestPlaceOrderValidation(t *testing.T) {
	t.Parallel()
	long := func(n int) string { return strings.Repeat("a", n) }
	tests := []struct {
		name   string
		change func(r *kassa.OrderRequest)
		field  string
	}{
		{"no lines", func(r *kassa.OrderRequest) { r.Lines = nil }, "lines"},
		{"too many lines", func(r *kassa.OrderRequest) {
			r.Lines = nil
			for i := range 51 {
				r.Lines = append(r.Lines, kassa.LineRequest{SKU: "S" + strings.Repeat("x", i), Quantity: 1})
			}
		}, "lines"},
		{"quantity 0", func(r *kassa.OrderRequest) { r.Lines[0].Quantity = 0 }, "lines[0].quantity"},
		{"quantity 100", func(r *kassa.OrderRequest) { r.Lines[0].Quantity = 100 }, "lines[0].quantity"},
		{"negative quantity", func(r *kassa.OrderRequest) { r.Lines[0].Quantity = -1 }, "lines[0].quantity"},
		{"duplicate sku", func(r *kassa.OrderRequest) {
			r.Lines = append(r.Lines, kassa.LineRequest{SKU: "TEE", Quantity: 1})
		}, "lines[1].sku"},
		{"unknown sku", func(r *kassa.OrderRequest) { r.Lines[0].SKU = "NOPE" }, "lines[0].sku"},
		{"empty sku", func(r *kassa.OrderRequest) { r.Lines[0].SKU = "" }, "lines[0].sku"},
		{"no payment method", func(r *kassa.OrderRequest) { r.PaymentMethodID = "" }, "paymentMethodId"},
		{"unknown payment method", func(r *kassa.OrderRequest) { r.PaymentMethodID = "c0de5e00-0000-4000-8000-00000000ffff" }, "paymentMethodId"},
		{"method below its minimum", func(r *kassa.OrderRequest) { r.PaymentMethodID = mapisim.MethodPartPayment }, "paymentMethodId"},
		{"method not for companies", func(r *kassa.OrderRequest) {
			r.Lines[0].Quantity = 5
			r.PaymentMethodID = mapisim.MethodPartPayment
			r.Customer.Type = kassa.CustomerLegal
			r.Customer.Address.CompanyName = "Firma AB"
		}, "paymentMethodId"},
		{"customer type", func(r *kassa.OrderRequest) { r.Customer.Type = "ROBOT" }, "customer.type"},
		{"email", func(r *kassa.OrderRequest) { r.Customer.Email = "anna@" }, "customer.email"},
		{"email without domain dot", func(r *kassa.OrderRequest) { r.Customer.Email = "anna@localhost" }, "customer.email"},
		{"email with name", func(r *kassa.OrderRequest) { r.Customer.Email = "Anna <anna@example.com>" }, "customer.email"},
		{"phone", func(r *kassa.OrderRequest) { r.Customer.Phone = "call me" }, "customer.phone"},
		{"government id format", func(r *kassa.OrderRequest) { r.Customer.GovernmentID = "12345" }, "customer.governmentId"},
		{"government id letters", func(r *kassa.OrderRequest) { r.Customer.GovernmentID = "19830514771X" }, "customer.governmentId"},
		{"government id check digit", func(r *kassa.OrderRequest) { r.Customer.GovernmentID = "198305147716" }, "customer.governmentId"},
		{"government id date", func(r *kassa.OrderRequest) { r.Customer.GovernmentID = "198302307715" }, "customer.governmentId"},
		{"organisation number for a person", func(r *kassa.OrderRequest) { r.Customer.GovernmentID = "556036-0793" }, "customer.governmentId"},
		{"company with a wrong organisation number", func(r *kassa.OrderRequest) {
			r.Customer.Type = kassa.CustomerLegal
			r.Customer.GovernmentID = "556036-0794"
			r.Customer.Address.CompanyName = "Firma AB"
		}, "customer.governmentId"},
		{"first name missing", func(r *kassa.OrderRequest) { r.Customer.Address.FirstName = " " }, "customer.address.firstName"},
		{"first name too long", func(r *kassa.OrderRequest) { r.Customer.Address.FirstName = long(51) }, "customer.address.firstName"},
		{"last name too long", func(r *kassa.OrderRequest) { r.Customer.Address.LastName = long(51) }, "customer.address.lastName"},
		{"company name for LEGAL", func(r *kassa.OrderRequest) { r.Customer.Type = kassa.CustomerLegal }, "customer.address.companyName"},
		{"company name too long", func(r *kassa.OrderRequest) { r.Customer.Address.CompanyName = long(51) }, "customer.address.companyName"},
		{"address row 1 missing", func(r *kassa.OrderRequest) { r.Customer.Address.AddressRow1 = "" }, "customer.address.addressRow1"},
		{"address row 1 too long", func(r *kassa.OrderRequest) { r.Customer.Address.AddressRow1 = long(101) }, "customer.address.addressRow1"},
		{"address row 2 too long", func(r *kassa.OrderRequest) { r.Customer.Address.AddressRow2 = long(101) }, "customer.address.addressRow2"},
		{"control character", func(r *kassa.OrderRequest) { r.Customer.Address.AddressRow2 = "a\x00b" }, "customer.address.addressRow2"},
		{"postal area missing", func(r *kassa.OrderRequest) { r.Customer.Address.PostalArea = "" }, "customer.address.postalArea"},
		{"postal area too long", func(r *kassa.OrderRequest) { r.Customer.Address.PostalArea = long(51) }, "customer.address.postalArea"},
		{"postal code letters", func(r *kassa.OrderRequest) { r.Customer.Address.PostalCode = "12A 45" }, "customer.address.postalCode"},
		{"postal code too long", func(r *kassa.OrderRequest) { r.Customer.Address.PostalCode = "12345678901" }, "customer.address.postalCode"},
		{"postal code empty", func(r *kassa.OrderRequest) { r.Customer.Address.PostalCode = "" }, "customer.address.postalCode"},
		{"country", func(r *kassa.OrderRequest) { r.Customer.Address.CountryCode = "NO" }, "customer.address.countryCode"},
		{"language the shop does not speak", func(r *kassa.OrderRequest) { r.Lang = "de" }, "lang"},
		{"language not a code", func(r *kassa.OrderRequest) { r.Lang = "Svenska" }, "lang"},
	}
	e := newEnv(t, envOptions{})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := orderRequest(govAccepted)
			tt.change(&req)
			o, redirect, err := e.eng.PlaceOrder(e.ctx, req, kassa.SourceCheckout)
			var ke *kassa.Error
			if !asError(err, &ke) || ke.Code != kassa.EINVALID || o != nil || redirect != "" {
				t.Fatalf("PlaceOrder = %v, %q, %v; want EINVALID and nothing", o, redirect, err)
			}
			var fields []string
			for _, f := range ke.Fields {
				fields = append(fields, f.Field)
				if f.Message == "" {
					t.Errorf("field %s without a message", f.Field)
				}
			}
			if diff := cmp.Diff([]string{tt.field}, fields); diff != "" {
				t.Errorf("fields (-want +got):\n%s", diff)
			}
		})
	}
	if n := e.orderCount(); n != 0 {
		t.Errorf("%d orders created by invalid requests", n)
	}
	if got := e.stock("TEE"); got != initialTeeStock {
		t.Errorf("stock = %d", got)
	}
}

// TestPlaceOrderAcceptsVariants: valid inputs the rules must let through.
func TestPlaceOrderAcceptsVariants(t *testing.T) {
	t.Parallel()
	company := func(id string) func(r *kassa.OrderRequest) {
		return func(r *kassa.OrderRequest) {
			r.Customer.Type = kassa.CustomerLegal
			r.Customer.GovernmentID = id
			r.Customer.Address.CompanyName = "Firma AB"
		}
	}
	tests := []struct {
		name   string
		change func(r *kassa.OrderRequest)
		sent   string // the government id Resurs receives
	}{
		{"no government id", func(r *kassa.OrderRequest) { r.Customer.GovernmentID = "" }, ""},
		{"10-digit id with dash", func(r *kassa.OrderRequest) { r.Customer.GovernmentID = "830514-7715" }, govAccepted},
		{"10-digit id", func(r *kassa.OrderRequest) { r.Customer.GovernmentID = "8305147715" }, govAccepted},
		{"12-digit id with dash", func(r *kassa.OrderRequest) { r.Customer.GovernmentID = "19830514-7715" }, govAccepted},
		{"id with spaces", func(r *kassa.OrderRequest) { r.Customer.GovernmentID = " 830514 7715 " }, govAccepted},
		{"company", company("166997368573"), "166997368573"},
		{"company without 16", company("699736-8573"), "166997368573"},
		{"sole trader", company("830514-7715"), govAccepted},
		{"100 years or older", func(r *kassa.OrderRequest) { r.Customer.GovernmentID = "830514+7715" }, "188305147715"},
		{"spaces around fields", func(r *kassa.OrderRequest) { r.Customer.Email = " anna@example.com " }, govAccepted},
		{"lower-case country", func(r *kassa.OrderRequest) { r.Customer.Address.CountryCode = "se" }, govAccepted},
		{"several products", func(r *kassa.OrderRequest) {
			r.Lines = append(r.Lines, kassa.LineRequest{SKU: "BOOK", Quantity: 2})
		}, govAccepted},
	}
	e := newEnv(t, envOptions{})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := orderRequest(govAccepted)
			tt.change(&req)
			o, _, err := e.eng.PlaceOrder(e.ctx, req, kassa.SourceCheckout)
			if err != nil || o.PaymentID == "" {
				t.Fatalf("PlaceOrder = %v", err)
			}
			pay, _ := e.sim.Payment(o.PaymentID)
			sent := ""
			if pay.Customer != nil {
				sent = pay.Customer.GovernmentID
			}
			if sent != tt.sent || o.Customer.GovernmentID != tt.sent {
				t.Errorf("government id sent %q, stored %q; want %q", sent, o.Customer.GovernmentID, tt.sent)
			}
		})
	}
}

// TestGovernmentIDMessages: a refused government id is reported with what
// is wrong with it, for the store's country and the customer type, before
// anything reaches Resurs.
func TestGovernmentIDMessages(t *testing.T) {
	t.Parallel()
	tests := []struct {
		country string
		legal   bool
		id      string
		want    idnum.Problem
	}{
		{"SE", false, "198305147716", idnum.ErrCheckDigit},
		{"SE", false, "198302307715", idnum.ErrDate},
		{"SE", false, "12345", idnum.ErrLength},
		{"SE", false, "830514/7715", idnum.ErrFormat},
		{"SE", false, "556036-0793", idnum.ErrNotPerson},
		{"SE", true, "556036-0794", idnum.ErrCheckDigit},
		{"NO", false, "18087248795", idnum.ErrCheckDigit},
		{"NO", true, "18087248794", idnum.ErrNotCompany},
		{"FI", false, "131052-308U", idnum.ErrCheckDigit},
		{"FI", true, "0112038-8", idnum.ErrCheckDigit},
		{"DK", false, "300285-3877", idnum.ErrDate},
		{"DK", true, "13585627", idnum.ErrCheckDigit},
	}
	for _, tt := range tests {
		t.Run(tt.country+"/"+tt.id, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, envOptions{config: func(c *checkout.Config) { c.Country = tt.country }})
			req := orderRequest(tt.id)
			req.Customer.Address.CountryCode = tt.country
			c, _ := kassa.CountryOf(tt.country)
			if c.PostalDigits == 4 {
				req.Customer.Address.PostalCode = "1234" // Norway and Denmark have four digits
			}
			req.Customer.Phone = c.PhoneSample // a phone number of the shop's country
			if tt.legal {
				req.Customer.Type = kassa.CustomerLegal
				req.Customer.Address.CompanyName = "Firma AB"
			}
			_, _, err := e.eng.PlaceOrder(e.ctx, req, kassa.SourceCheckout)
			var ke *kassa.Error
			if !asError(err, &ke) || len(ke.Fields) != 1 || ke.Fields[0].Field != "customer.governmentId" {
				t.Fatalf("PlaceOrder = %v, want one error on customer.governmentId", err)
			}
			if msg := ke.Fields[0].Message; !strings.HasPrefix(msg, tt.want.Error()) {
				t.Errorf("message %q, want it to start with %q", msg, tt.want.Error())
			}
			if n := len(e.sim.Payments()); n != 0 {
				t.Errorf("%d payments at Resurs", n)
			}
		})
	}
}

func TestStockShort(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{})
	req := orderRequest(govAccepted)
	req.Lines = []kassa.LineRequest{{SKU: "MUG", Quantity: initialMugStock + 1}}
	_, _, err := e.eng.PlaceOrder(e.ctx, req, kassa.SourceCheckout)
	if !isCode(err, kassa.ECONFLICT) || !strings.Contains(kassa.ErrorMessage(err), "MUG") && !strings.Contains(err.Error(), "MUG") {
		t.Fatalf("PlaceOrder = %v, want ECONFLICT naming MUG", err)
	}
	if e.orderCount() != 0 || e.stock("MUG") != initialMugStock {
		t.Error("something was created")
	}
}

func TestQuote(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{})
	lines, total, err := e.eng.Quote(e.ctx, []kassa.LineRequest{{SKU: "TEE", Quantity: 1}, {SKU: "BOOK", Quantity: 1}})
	if err != nil {
		t.Fatal(err)
	}
	want := []kassa.Line{
		{Position: 1, Type: kassa.LineProduct, SKU: "TEE", Description: "T-shirt", Quantity: 1, UnitPrice: 19900, VATRate: 2500, Total: 19900, VATAmount: 3980},
		{Position: 2, Type: kassa.LineProduct, SKU: "BOOK", Description: "Cookbook", Quantity: 1, UnitPrice: 24900, VATRate: 600, Total: 24900, VATAmount: 1409},
		{Position: 3, Type: kassa.LineShipping, Description: "Shipping", Quantity: 1, UnitPrice: 4900, VATRate: 2500, Total: 4900, VATAmount: 980},
	}
	if diff := cmp.Diff(want, lines); diff != "" {
		t.Errorf("lines (-want +got):\n%s", diff)
	}
	if total != 49700 {
		t.Errorf("total = %s, want 497.00", total)
	}
	// From 500.00 of products shipping is free.
	lines, total, err = e.eng.Quote(e.ctx, []kassa.LineRequest{{SKU: "BOOK", Quantity: 2}, {SKU: "TEE", Quantity: 1}})
	if err != nil {
		t.Fatal(err)
	}
	if len(lines) != 2 || total != 69700 {
		t.Errorf("free shipping: %d lines, total %s", len(lines), total)
	}
	// The VAT of 3 × 199.00 at 25 % is computed on the line total, exactly.
	lines, _, _ = e.eng.Quote(e.ctx, []kassa.LineRequest{{SKU: "TEE", Quantity: 3}})
	if lines[0].Total != 59700 || lines[0].VATAmount != 11940 {
		t.Errorf("line %+v", lines[0])
	}
	if _, _, err := e.eng.Quote(e.ctx, []kassa.LineRequest{{SKU: "NOPE", Quantity: 1}}); !isCode(err, kassa.EINVALID) {
		t.Errorf("Quote(unknown) = %v, want EINVALID", err)
	}
}

func TestPaymentMethods(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{})
	ids := func(amount kassa.Money, ct kassa.CustomerType) []string {
		ms, err := e.eng.PaymentMethods(e.ctx, amount, ct)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, m := range ms {
			out = append(out, m.ID)
		}
		return out
	}
	all := ids(100000, kassa.CustomerNatural)
	if !contains(all, mapisim.MethodPartPayment) || !contains(all, mapisim.MethodInvoice) {
		t.Errorf("1000.00 NATURAL: %v", all)
	}
	if small := ids(500, kassa.CustomerNatural); contains(small, mapisim.MethodInvoice) || contains(small, mapisim.MethodPartPayment) {
		t.Errorf("5.00 offers invoice or part payment: %v", small)
	}
	if legal := ids(100000, kassa.CustomerLegal); contains(legal, mapisim.MethodPartPayment) {
		t.Errorf("LEGAL offers part payment: %v", legal)
	}
	// Cached: Resurs down does not matter for a while.
	e.sim.SetFaults(faults("*", mapisim.EndpointFault{Error5xx: 1}))
	if got := ids(100000, kassa.CustomerNatural); len(got) != len(all) {
		t.Errorf("cached methods = %v", got)
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
