package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/kassa-dev/kassa/mapi"
	"github.com/kassa-dev/kassa/mapisim"
)

// governmentID is the simulator's persona whose payments are accepted
// straight after signing (docs/mapi.md §Test personas).
const governmentID = "198305147715"

// newCustomer returns the HTTP client of the simulated customers: plenty
// of kept-alive connections, and redirects are not followed (a journey
// follows them itself, step by step).
func newCustomer(concurrency int) *http.Client {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConns, tr.MaxIdleConnsPerHost = 4*concurrency, 2*concurrency
	return &http.Client{Transport: tr, Timeout: 30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

// sign presses "approve" on the simulator's signing page at customerURL
// and returns where the customer is sent (the 303's Location).
func sign(ctx context.Context, hc *http.Client, customerURL string) (string, error) {
	form := url.Values{"decision": {"approve"}}.Encode()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, customerURL, strings.NewReader(form))
	if err != nil {
		return "", fmt.Errorf("sign: %w", err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := hc.Do(req)
	if err != nil {
		return "", fmt.Errorf("sign: %w", err)
	}
	drain(resp)
	if resp.StatusCode != http.StatusSeeOther {
		return "", fmt.Errorf("sign: status %d", resp.StatusCode)
	}
	return resp.Header.Get("Location"), nil
}

// drain reads and closes a body so the connection is reused.
func drain(resp *http.Response) {
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
}

// bareJourney is the bank's part of a journey with no shop: create the
// payment, sign it, and read it twice, as the issue defines the bank's
// share (once for the customer's return and once for the callback; the
// shop shares one read between the two when they arrive together, and
// reports how many it made). Its callbacks go to a
// receiver that only answers 204, so the simulator does the same work
// in both phases.
type bareJourney struct {
	bank *mapi.Client
	hc   *http.Client
	sink string // base URL of the callback receiver
	seq  atomic.Int64
}

func (b *bareJourney) run(ctx context.Context) error {
	n := b.seq.Add(1)
	p, err := b.bank.CreatePayment(ctx, b.request(n))
	if err != nil {
		return fmt.Errorf("create payment: %w", err)
	}
	if p.TaskRedirectionURLs == nil || p.TaskRedirectionURLs.CustomerURL == "" {
		return fmt.Errorf("create payment: status %s without customerUrl", p.Status)
	}
	if _, err := sign(ctx, b.hc, p.TaskRedirectionURLs.CustomerURL); err != nil {
		return err
	}
	for range 2 {
		got, err := b.bank.GetPayment(ctx, p.ID)
		if err != nil {
			return fmt.Errorf("get payment: %w", err)
		}
		if got.Status != mapi.StatusAccepted {
			return fmt.Errorf("get payment: status %s, want ACCEPTED", got.Status)
		}
	}
	return nil
}

// request is a create-payment body shaped like the shop's: the same lines,
// customer, options, redirection and callback URLs.
func (b *bareJourney) request(n int64) *mapi.CreatePaymentRequest {
	yes, no := true, false
	ref := "bare-" + strconv.FormatInt(n, 10)
	line := func(sku, desc string, qty int64, unit mapi.Decimal, vat mapi.Decimal, vatAmount mapi.Decimal) mapi.OrderLine {
		return mapi.OrderLine{Description: desc, Reference: sku, Quantity: mapi.Units(qty), QuantityUnit: "st",
			VATRate: vat, UnitAmountIncludingVAT: &unit, TotalAmountIncludingVAT: unit * mapi.Decimal(qty),
			TotalVATAmount: &vatAmount, Type: mapi.LinePhysicalGoods}
	}
	return &mapi.CreatePaymentRequest{
		StoreID: mapisim.DefaultStoreID, PaymentMethodID: mapisim.MethodInvoice,
		Order: mapi.CreatePaymentOrder{OrderReference: ref, OrderLines: []mapi.OrderLine{
			line("BENCH-BOOK", "Bench cookbook", 2, 24900, 600, 2819),
			line("BENCH-MUG", "Bench mug", 1, 12900, 2500, 2580),
		}},
		Customer: &mapi.Customer{CustomerType: mapi.CustomerNatural, GovernmentID: governmentID,
			Email: "bench@example.com", MobilePhone: "0701112233",
			DeliveryAddress: &mapi.Address{FullName: "Bench Customer", FirstName: "Bench", LastName: "Customer",
				AddressRow1: "Glassgatan 15", PostalArea: "Göteborg", PostalCode: "41655", CountryCode: "SE"},
			DeviceInfo: &mapi.DeviceInfo{IP: "127.0.0.1", UserAgent: "Go-http-client/1.1"}},
		Metadata: &mapi.Metadata{Creator: "kassa"},
		Options: &mapi.Options{InitiatedOnCustomersDevice: &yes, HandleManualInspection: &yes,
			HandleFrozenPayments: &yes, AutomaticCapture: &no, TimeToLiveInMinutes: 120,
			RedirectionURLs: &mapi.Redirection{Customer: &mapi.RedirectionURLs{
				SuccessURL: b.sink + "/return/" + ref, FailURL: b.sink + "/fail/" + ref}},
			Callbacks: &mapi.Callbacks{
				Authorization: &mapi.CallbackURL{URL: b.sink + "/callbacks/authorization?t=" + ref},
				Management:    &mapi.CallbackURL{URL: b.sink + "/callbacks/management?t=" + ref}}},
	}
}

// shopJourney is a customer's whole journey through the shop.
type shopJourney struct {
	shop    *shop
	hc      *http.Client
	body    []byte
	window  *window
	applied *recorder // callback received → processed
}

type created struct {
	ID          int64  `json:"id"`
	Key         string `json:"key"`
	RedirectURL string `json:"redirectUrl"`
}

// run: place the order through the JSON API, sign at the bank, open the
// thank-you page, which must show the order processing, and wait until the
// shop has processed the callback.
func (j *shopJourney) run(ctx context.Context) error {
	c, err := j.place(ctx)
	if err != nil {
		return err
	}
	back, err := sign(ctx, j.hc, c.RedirectURL)
	if err != nil {
		return err
	}
	page, err := j.get(ctx, back)
	if err != nil {
		return fmt.Errorf("thank-you page: %w", err)
	}
	if !bytes.Contains(page, processingMark) {
		return fmt.Errorf("order %d: the thank-you page does not show it processing", c.ID)
	}
	wctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	at, err := j.shop.watch.wait(wctx, c.ID)
	cancel()
	if err != nil {
		return fmt.Errorf("order %d: callback not processed: %w", c.ID, err)
	}
	if from, ok := j.shop.timing.callbackAt(c.ID); ok && j.window.contains(time.Now()) {
		j.applied.add(at.Sub(from))
	}
	return nil
}

// processingMark is how the thank-you page marks a processing order.
var processingMark = []byte(`class="status status-processing"`)

func (j *shopJourney) place(ctx context.Context) (created, error) {
	var c created
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, j.shop.url+"/api/orders", bytes.NewReader(j.body))
	if err != nil {
		return c, err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := j.hc.Do(req)
	if err != nil {
		return c, fmt.Errorf("place order: %w", err)
	}
	defer drain(resp)
	if resp.StatusCode != http.StatusCreated {
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
		return c, fmt.Errorf("place order: status %d: %s", resp.StatusCode, bytes.TrimSpace(b))
	}
	if err := json.NewDecoder(resp.Body).Decode(&c); err != nil {
		return c, fmt.Errorf("place order: %w", err)
	}
	return c, nil
}

// get GETs u, expects 200 and returns the body.
func (j *shopJourney) get(ctx context.Context, u string) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, err
	}
	resp, err := j.hc.Do(req)
	if err != nil {
		return nil, err
	}
	defer drain(resp)
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET %s: status %d", u, resp.StatusCode)
	}
	return io.ReadAll(io.LimitReader(resp.Body, 1<<20))
}

// orderBody is the JSON API order of every shop journey.
func orderBody() []byte {
	b, _ := json.Marshal(map[string]any{
		"lines":           []any{map[string]any{"sku": "BENCH-BOOK", "quantity": 2}, map[string]any{"sku": "BENCH-MUG", "quantity": 1}},
		"paymentMethodId": mapisim.MethodInvoice,
		"customer": map[string]any{
			"type": "NATURAL", "governmentId": governmentID, "email": "bench@example.com", "phone": "0701112233",
			"address": map[string]any{"firstName": "Bench", "lastName": "Customer",
				"addressRow1": "Glassgatan 15", "postalCode": "41655", "postalArea": "Göteborg", "countryCode": "SE"},
		},
	})
	return b
}
