package mapi

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// golden compares got byte for byte with testdata/name, or rewrites it with -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs:\n got %s\nwant %s", name, got, want)
	}
}

// recorded is one request a fakeMAPI received.
type recorded struct {
	Method, Path, RawQuery string
	Header                 http.Header
	Body                   []byte
}

// fakeMAPI is a scripted MAPI: the token endpoint hands out "tok-1",
// "tok-2", … and api answers everything else.
type fakeMAPI struct {
	srv       *httptest.Server
	tokens    atomic.Int32
	tokenTTL  int    // expires_in of issued tokens; default 3600
	tokenGate func() // when set, runs before a token is issued
	tokenBody []byte // when set, the token answer (with tokenCode)
	tokenCode int    // status of tokenBody
	api       http.HandlerFunc

	mu       sync.Mutex
	requests []recorded // API requests only
	tokenReq []recorded
}

func newFake(t *testing.T, api http.HandlerFunc) *fakeMAPI {
	t.Helper()
	f := &fakeMAPI{tokenTTL: 3600, api: api}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakeMAPI) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	rec := recorded{r.Method, r.URL.Path, r.URL.RawQuery, r.Header.Clone(), body}
	f.mu.Lock()
	isToken := strings.HasSuffix(r.URL.Path, "/oauth2/token")
	if isToken {
		f.tokenReq = append(f.tokenReq, rec)
	} else {
		f.requests = append(f.requests, rec)
	}
	f.mu.Unlock()
	if !isToken {
		f.api(w, r)
		return
	}
	if f.tokenGate != nil {
		f.tokenGate()
	}
	if f.tokenBody != nil {
		w.WriteHeader(f.tokenCode)
		w.Write(f.tokenBody)
		return
	}
	n := f.tokens.Add(1)
	fmt.Fprintf(w, `{"access_token":"tok-%d","token_type":"Bearer","expires_in":%d}`, n, f.tokenTTL)
}

func (f *fakeMAPI) apiRequests() []recorded {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]recorded(nil), f.requests...)
}

// sleeps records the waits of a test client instead of sleeping.
type sleeps struct {
	mu sync.Mutex
	d  []time.Duration
}

func (s *sleeps) sleep(ctx context.Context, d time.Duration) error {
	s.mu.Lock()
	s.d = append(s.d, d)
	s.mu.Unlock()
	return ctx.Err()
}

func (s *sleeps) all() []time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]time.Duration(nil), s.d...)
}

// testClient returns a client for base whose sleeps are recorded and whose
// jitter comes from a fixed seed.
func testClient(base string, mod func(*Config)) (*Client, *sleeps) {
	cfg := Config{BaseURL: base, ClientID: "id", ClientSecret: "secret"}
	if mod != nil {
		mod(&cfg)
	}
	c := New(cfg)
	s := &sleeps{}
	c.sleep = s.sleep
	r := rand.New(rand.NewPCG(1, 2))
	var mu sync.Mutex
	c.jitter = func(n int64) int64 { mu.Lock(); defer mu.Unlock(); return r.Int64N(n) }
	return c, s
}

// answer answers a raw JSON text with status.
func answer(status int, body string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		io.WriteString(w, body)
	}
}

func dec(s string) Decimal {
	d, err := ParseDecimal(s)
	if err != nil {
		panic(err)
	}
	return d
}

func decp(s string) *Decimal { d := dec(s); return &d }

func ptr[T any](v T) *T { return &v }

// validCreate returns a create request that passes validation.
func validCreate() *CreatePaymentRequest {
	return &CreatePaymentRequest{
		StoreID:         "5704e5e0-0000-4000-8000-000000000001",
		PaymentMethodID: "c0de5e00-0000-4000-8000-000000000001",
		Order: CreatePaymentOrder{
			OrderReference: "order-12345",
			OrderLines: []OrderLine{
				{Description: "Product 1", Reference: "SKU-1", Quantity: dec("2"), QuantityUnit: "st",
					VATRate: dec("25"), UnitAmountIncludingVAT: decp("150.75"), TotalAmountIncludingVAT: dec("301.50"),
					TotalVATAmount: decp("60.30"), Type: LinePhysicalGoods},
				{Description: "Spring discount", Reference: "901", Quantity: dec("1"), QuantityUnit: "st",
					VATRate: dec("25"), TotalAmountIncludingVAT: dec("-20"), Type: LineDiscount},
				{Description: "Shipping", Reference: "shipping", Quantity: dec("1"), QuantityUnit: "st",
					VATRate: dec("25"), TotalAmountIncludingVAT: dec("49"), Type: LineShipping},
			},
		},
		Customer: &Customer{
			CustomerType: CustomerNatural, GovernmentID: "198305147715", Email: "test@example.com",
			MobilePhone: "0701234567",
			DeliveryAddress: &Address{FullName: "Vincent Williamsson Alexandersson", FirstName: "Vincent",
				LastName: "Alexandersson", AddressRow1: "Glassgatan 15", PostalArea: "Göteborg",
				PostalCode: "41655", CountryCode: "SE"},
			DeviceInfo: &DeviceInfo{IP: "192.168.0.1", UserAgent: "Mozilla/5.0"},
		},
		Metadata: &Metadata{Creator: "kassa", Custom: []MetadataEntry{{Key: "externalCustomerId", Value: "42"}}},
		Options: &Options{
			InitiatedOnCustomersDevice: ptr(true), HandleManualInspection: ptr(false),
			HandleFrozenPayments: ptr(true), AutomaticCapture: ptr(false),
			RedirectionURLs: &Redirection{Customer: &RedirectionURLs{FailURL: "https://shop/fail", SuccessURL: "https://shop/ok"}},
			Callbacks: &Callbacks{
				Authorization: &CallbackURL{URL: "https://shop/cb/authorization?t=x"},
				Management:    &CallbackURL{URL: "https://shop/cb/management?t=x"},
			},
			TimeToLiveInMinutes: 120,
		},
	}
}

// paymentJSON is a small Payment answer.
const paymentJSON = `{"id":"8f0e3c1a-1111-4222-8333-444455556666","created":"2024-05-01T10:00:00.123Z",
"storeId":"s","status":"ACCEPTED","order":{"orderReference":"order-12345","totalOrderAmount":330.5,
"authorizedAmount":330.50,"capturedAmount":0,"refundedAmount":0.0,"canceledAmount":0,
"possibleActions":[{"action":"CAPTURE"},{"action":"SOMETHING_NEW"}],"actionLog":[]},"futureField":{"x":1}}`
