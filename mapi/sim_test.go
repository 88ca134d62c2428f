package mapi_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kassa-dev/kassa/mapi"
	"github.com/kassa-dev/kassa/mapisim"
)

// simEnv is a mapisim server on loopback, a client for it and a receiver
// for the callbacks the simulator sends.
type simEnv struct {
	sim    *mapisim.Sim
	clock  *mapisim.ManualClock
	srv    *httptest.Server
	client *mapi.Client
	shop   *httptest.Server

	mu        sync.Mutex
	callbacks map[string][][]byte // path → bodies
	arrived   chan string         // path of each callback, while there is room
}

func newSimEnv(t *testing.T, opts mapisim.Options) *simEnv {
	t.Helper()
	e := &simEnv{clock: mapisim.NewManualClock(time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)), callbacks: map[string][][]byte{},
		arrived: make(chan string, 100)}
	opts.Clock = e.clock
	e.sim = mapisim.New(opts)
	e.srv = httptest.NewServer(e.sim)
	e.shop = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		e.mu.Lock()
		e.callbacks[r.URL.Path] = append(e.callbacks[r.URL.Path], b)
		e.mu.Unlock()
		select {
		case e.arrived <- r.URL.Path:
		default:
		}
		w.WriteHeader(http.StatusAccepted)
	}))
	t.Cleanup(func() { e.sim.Close(); e.srv.Close(); e.shop.Close() })
	e.client = mapi.New(mapi.Config{BaseURL: e.srv.URL, ClientID: mapisim.DefaultClientID,
		ClientSecret: mapisim.DefaultClientSecret, Timeout: 10 * time.Second})
	return e
}

func (e *simEnv) received(path string) [][]byte {
	e.sim.Flush()
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([][]byte(nil), e.callbacks[path]...)
}

func dec(t *testing.T, s string) mapi.Decimal {
	t.Helper()
	d, err := mapi.ParseDecimal(s)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func lines(t *testing.T) []mapi.OrderLine {
	return []mapi.OrderLine{
		{Description: "Kaffekopp", Reference: "CUP-1", Quantity: dec(t, "2"), QuantityUnit: "st",
			VATRate: dec(t, "25"), TotalAmountIncludingVAT: dec(t, "300.00"), Type: mapi.LinePhysicalGoods},
		{Description: "Frakt", Reference: "shipping", Quantity: dec(t, "1"), QuantityUnit: "st",
			VATRate: dec(t, "25"), TotalAmountIncludingVAT: dec(t, "49.50"), Type: mapi.LineShipping},
	}
}

func (e *simEnv) createRequest(t *testing.T, ref, govID string) *mapi.CreatePaymentRequest {
	no := false
	return &mapi.CreatePaymentRequest{
		StoreID: mapisim.DefaultStoreID, PaymentMethodID: mapisim.MethodInvoice,
		Order: mapi.CreatePaymentOrder{OrderReference: ref, OrderLines: lines(t)},
		Customer: &mapi.Customer{CustomerType: mapi.CustomerNatural, GovernmentID: govID,
			Email: "kund@example.com", MobilePhone: "0701234567"},
		Options: &mapi.Options{
			InitiatedOnCustomersDevice: new(true), HandleFrozenPayments: &no,
			RedirectionURLs: &mapi.Redirection{Customer: &mapi.RedirectionURLs{
				FailURL: e.shop.URL + "/fail", SuccessURL: e.shop.URL + "/ok"}},
			Callbacks: &mapi.Callbacks{
				Authorization: &mapi.CallbackURL{URL: e.shop.URL + "/cb/authorization"},
				Management:    &mapi.CallbackURL{URL: e.shop.URL + "/cb/management"},
			},
			TimeToLiveInMinutes: 60,
		},
	}
}

// TestSimCatalogue covers the store and method reads and getAddress.
func TestSimCatalogue(t *testing.T) {
	e := newSimEnv(t, mapisim.Options{Seed: 1})
	ctx := context.Background()

	stores, err := e.client.Stores(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !hasStore(stores, mapisim.DefaultStoreID, "SE") || !hasStore(stores, mapisim.StoreDK, "DK") {
		t.Errorf("stores = %+v", stores)
	}

	methods, err := e.client.PaymentMethods(ctx, mapisim.DefaultStoreID, nil)
	if err != nil {
		t.Fatal(err)
	}
	invoice := findMethod(methods, mapisim.MethodInvoice)
	if invoice == nil || invoice.Type != mapi.MethodResursInvoice || invoice.MinPurchaseLimit != dec(t, "10") {
		t.Fatalf("invoice method = %+v in %d methods", invoice, len(methods))
	}
	small := dec(t, "5")
	filtered, err := e.client.PaymentMethods(ctx, mapisim.DefaultStoreID, &small)
	if err != nil {
		t.Fatal(err)
	}
	if findMethod(filtered, mapisim.MethodInvoice) != nil || len(filtered) == 0 || len(filtered) >= len(methods) {
		t.Errorf("methods for 5.00: %d of %d, invoice kept: %v", len(filtered), len(methods), findMethod(filtered, mapisim.MethodInvoice) != nil)
	}

	ps, err := e.client.PriceSignage(ctx, mapisim.DefaultStoreID, mapisim.MethodPartPayment, dec(t, "5000"))
	if err != nil {
		t.Fatal(err)
	}
	if len(ps.CostList) == 0 || ps.CostList[0].MonthlyCost <= 0 || ps.CostList[0].DurationMonths <= 0 {
		t.Errorf("price signage = %+v", ps)
	}
	af, err := e.client.AnnuityFactors(ctx, mapisim.DefaultStoreID, mapisim.MethodPartPayment)
	if err != nil {
		t.Fatal(err)
	}
	if len(af) == 0 || af[0].DurationMonths <= 0 || af[0].AnnuityFactor == "" {
		t.Errorf("annuity factors = %+v", af)
	}

	addr, err := e.client.GetAddress(ctx, mapi.GetAddressRequest{StoreID: mapisim.DefaultStoreID,
		CustomerIP: "127.0.0.1", GovernmentID: "198305147715", CustomerType: mapi.CustomerNatural})
	if err != nil {
		t.Fatal(err)
	}
	if addr.AddressRow1 != "Glassgatan 15" || addr.PostalCode != "41655" || addr.FirstName != "Vincent" {
		t.Errorf("address = %+v", addr)
	}
	_, err = e.client.GetAddress(ctx, mapi.GetAddressRequest{StoreID: mapisim.DefaultStoreID,
		GovernmentID: "12345", CustomerType: mapi.CustomerNatural})
	var me *mapi.Error
	if !errors.As(err, &me) || me.HTTPStatus < 400 || me.HTTPStatus >= 500 {
		t.Errorf("getAddress 12345: %v, want a 4xx *mapi.Error", err)
	}
}

func hasStore(ss []mapi.Store, id, country string) bool {
	for _, s := range ss {
		if s.ID == id && s.CountryCode == country {
			return true
		}
	}
	return false
}

func findMethod(ms []mapi.PaymentMethod, id string) *mapi.PaymentMethod {
	for i := range ms {
		if ms[i].ID == id {
			return &ms[i]
		}
	}
	return nil
}

// TestSimPaymentLifecycle runs every payment call in the order a shop uses
// them and checks the callbacks with the package's parsers.
func TestSimPaymentLifecycle(t *testing.T) {
	e := newSimEnv(t, mapisim.Options{Seed: 2})
	ctx := context.Background()
	c := e.client

	p, err := c.CreatePayment(ctx, e.createRequest(t, "order-1001", "198305147715"))
	if err != nil {
		t.Fatal(err)
	}
	if p.Status != mapi.StatusTaskRedirectionRequired || p.TaskRedirectionURLs == nil || p.TaskRedirectionURLs.CustomerURL == "" {
		t.Fatalf("created payment: status %s, urls %+v", p.Status, p.TaskRedirectionURLs)
	}
	if p.Order.TotalOrderAmount != dec(t, "349.50") || len(p.Order.ActionLog) != 1 || p.Order.ActionLog[0].Type != mapi.LogCreate {
		t.Errorf("created order = %+v", p.Order)
	}
	ts, err := c.TaskStatus(ctx, p.ID)
	if err != nil || ts.Completed {
		t.Fatalf("task status before signing = %+v, %v", ts, err)
	}

	if _, err := e.sim.Sign(p.ID, mapisim.Approve); err != nil {
		t.Fatal(err)
	}
	got, err := c.GetPayment(ctx, p.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != mapi.StatusAccepted || got.Order.AuthorizedAmount != dec(t, "349.50") || !got.Order.Can(mapi.ActionCapture) {
		t.Fatalf("after signing: %s %+v", got.Status, got.Order)
	}
	if ts, err := c.TaskStatus(ctx, p.ID); err != nil || !ts.Completed {
		t.Errorf("task status after signing = %+v, %v", ts, err)
	}
	found, err := c.SearchPayments(ctx, mapi.SearchPaymentsRequest{StoreID: mapisim.DefaultStoreID, OrderReference: "order-1001"})
	if err != nil || len(found) != 1 || found[0].ID != p.ID {
		t.Fatalf("search = %d payments, %v", len(found), err)
	}

	ls := lines(t)
	captured, err := c.Capture(ctx, p.ID, &mapi.CaptureRequest{OrderLines: ls[:1], Creator: "test", TransactionID: "cap-1001-1"})
	if err != nil {
		t.Fatal(err)
	}
	if captured.Order.CapturedAmount != dec(t, "300") {
		t.Errorf("capturedAmount = %s", captured.Order.CapturedAmount)
	}
	act := captured.Order.FindAction("cap-1001-1")
	if act == nil || act.Type != mapi.LogCapture {
		t.Fatalf("capture action = %+v", act)
	}
	fetched, err := c.GetAction(ctx, p.ID, act.ActionID)
	if err != nil || fetched.ActionID != act.ActionID || fetched.Type != mapi.LogCapture || len(fetched.OrderLines) != 1 {
		t.Fatalf("GetAction = %+v, %v", fetched, err)
	}

	refunded, err := c.Refund(ctx, p.ID, &mapi.RefundRequest{OrderLines: ls[:1], TransactionID: "ref-1001-1"})
	if err != nil || refunded.Order.RefundedAmount != dec(t, "300") {
		t.Fatalf("refund: %v, %+v", err, refunded)
	}
	extra := []mapi.OrderLine{{Description: "Presentinslagning", Quantity: dec(t, "1"), QuantityUnit: "st",
		VATRate: dec(t, "25"), TotalAmountIncludingVAT: dec(t, "20"), Type: mapi.LineFee}}
	modified, err := c.AddOrderLines(ctx, p.ID, &mapi.AddOrderLinesRequest{OrderLines: extra})
	if err != nil {
		t.Fatal(err)
	}
	if modified.Order.TotalOrderAmount != dec(t, "369.50") {
		t.Errorf("total after adding a line = %s", modified.Order.TotalOrderAmount)
	}
	cancelled, err := c.Cancel(ctx, p.ID, nil)
	if err != nil {
		t.Fatal(err)
	}
	if cancelled.Order.AuthorizedAmount != 0 || cancelled.Order.CanceledAmount != dec(t, "69.50") {
		t.Errorf("after cancel: %+v", cancelled.Order)
	}

	md, err := c.ReplaceMetadata(ctx, p.ID, &mapi.Metadata{Creator: "kassa", Custom: []mapi.MetadataEntry{{Key: "orderId", Value: "1001"}}})
	if err != nil || md.Creator != "kassa" || len(md.Custom) != 1 {
		t.Fatalf("metadata = %+v, %v", md, err)
	}
	if again, _ := c.GetPayment(ctx, p.ID); again == nil || again.Metadata == nil || again.Metadata.Custom[0].Value != "1001" {
		t.Errorf("metadata not stored: %+v", again)
	}

	checkCallbacks(t, e, p.ID)
}

// checkCallbacks parses what the simulator sent with the package's parsers.
func checkCallbacks(t *testing.T, e *simEnv, paymentID string) {
	t.Helper()
	auth := e.received("/cb/authorization")
	if len(auth) == 0 {
		t.Fatal("no authorization callback")
	}
	cb, err := mapi.ParseAuthorizationCallback(auth[0])
	if err != nil || cb.PaymentID != paymentID || cb.Status != mapi.CallbackAuthorized || cb.Created.IsZero() {
		t.Errorf("authorization callback %s → %+v, %v", auth[0], cb, err)
	}
	mgmt := e.received("/cb/management")
	actions := map[mapi.ManagementAction]bool{}
	for _, b := range mgmt {
		m, err := mapi.ParseManagementCallback(b)
		if err != nil || m.PaymentID != paymentID {
			t.Errorf("management callback %s → %+v, %v", b, m, err)
			continue
		}
		actions[m.Action] = true
	}
	for _, a := range []mapi.ManagementAction{mapi.ManagementCapture, mapi.ManagementRefund, mapi.ManagementModifyOrder, mapi.ManagementCancel} {
		if !actions[a] {
			t.Errorf("no %s management callback among %d", a, len(mgmt))
		}
	}
}

func TestSimTestCallback(t *testing.T) {
	e := newSimEnv(t, mapisim.Options{Seed: 3})
	r, err := e.client.TestCallback(context.Background(), e.shop.URL+"/cb/test")
	if err != nil || r.Status != mapi.CallbackTestOK || r.Code != http.StatusAccepted {
		t.Fatalf("TestCallback = %+v, %v", r, err)
	}
	if got := e.received("/cb/test"); len(got) != 1 {
		t.Errorf("test callbacks received = %d, want 1", len(got))
	}
}

// TestSimErrors checks that the simulator's error answers come back as
// *mapi.Error with the right classification.
func TestSimErrors(t *testing.T) {
	e := newSimEnv(t, mapisim.Options{Seed: 4})
	ctx := context.Background()

	_, err := e.client.GetPayment(ctx, "00000000-0000-4000-8000-000000000000")
	if !mapi.IsNotFound(err) || mapi.Ambiguous(err) {
		t.Errorf("unknown payment: %v (IsNotFound %v)", err, mapi.IsNotFound(err))
	}

	req := e.createRequest(t, "order-1002", "198305147715")
	req.Customer.Email = "asd@difjgod903845gn.asdasd" // refused by the API (docs/mapi.md §Test personas)
	_, err = e.client.CreatePayment(ctx, req)
	var me *mapi.Error
	if !errors.As(err, &me) || me.HTTPStatus != 400 || me.TraceID == "" || mapi.Ambiguous(err) {
		t.Errorf("refused create: %#v", err)
	} else if len(me.Fields) != 1 || me.Fields[0].Field != "customer.email" {
		t.Errorf("refused create fields = %+v, want customer.email once", me.Fields)
	}

	p, err := e.client.CreatePayment(ctx, e.createRequest(t, "order-1003", "198305147715"))
	if err != nil {
		t.Fatal(err)
	}
	_, err = e.client.Capture(ctx, p.ID, nil) // not signed yet
	if !errors.As(err, &me) || me.HTTPStatus < 400 || me.HTTPStatus >= 500 || mapi.Ambiguous(err) {
		t.Errorf("capture before signing: %v", err)
	}

	bad := mapi.New(mapi.Config{BaseURL: e.srv.URL, ClientID: "kassa", ClientSecret: "wrong"})
	_, err = bad.Stores(ctx)
	if !errors.As(err, &me) || (me.HTTPStatus != 400 && me.HTTPStatus != 401) || me.OAuthError == "" {
		t.Errorf("wrong secret: %#v", err)
	}
}

// TestSimTokenExpiry: the simulator expires the token before the client's
// cache does; the 401 makes the client fetch a new one and repeat the call.
func TestSimTokenExpiry(t *testing.T) {
	e := newSimEnv(t, mapisim.Options{Seed: 5, TokenTTL: time.Hour})
	var mu sync.Mutex
	var seen []string
	e.client = mapi.New(mapi.Config{BaseURL: e.srv.URL, ClientID: mapisim.DefaultClientID,
		ClientSecret: mapisim.DefaultClientSecret,
		Observe: func(ep string, status int, err error, d time.Duration) {
			mu.Lock()
			seen = append(seen, ep+" "+http.StatusText(status))
			mu.Unlock()
		}})
	ctx := context.Background()
	if _, err := e.client.Stores(ctx); err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(2 * time.Hour)
	if _, err := e.client.Stores(ctx); err != nil {
		t.Fatal(err)
	}
	want := "POST /oauth2/token OK|GET /v2/stores OK|GET /v2/stores Unauthorized|POST /oauth2/token OK|GET /v2/stores OK"
	if got := strings.Join(seen, "|"); got != want {
		t.Errorf("calls:\n got %s\nwant %s", got, want)
	}
}

// TestSimFaults: a 503 on reads is retried; on create it is reported as
// ambiguous, and searching by orderReference tells whether it happened.
func TestSimFaults(t *testing.T) {
	e := newSimEnv(t, mapisim.Options{Seed: 6})
	ctx := context.Background()
	p, err := e.client.CreatePayment(ctx, e.createRequest(t, "order-1004", "198305147715"))
	if err != nil {
		t.Fatal(err)
	}
	e.sim.SetFaults(mapisim.Faults{Endpoints: []mapisim.EndpointFault{{Route: "*", Error5xx: 1}}})
	_, err = e.client.CreatePayment(ctx, e.createRequest(t, "order-1005", "198305147715"))
	if !mapi.Ambiguous(err) {
		t.Fatalf("create under 503: %v, want ambiguous", err)
	}
	var me *mapi.Error
	if !errors.As(err, &me) || me.HTTPStatus != 503 {
		t.Errorf("create under 503: %#v", err)
	}
	e.sim.SetFaults(mapisim.Faults{})
	found, err := e.client.SearchPayments(ctx, mapi.SearchPaymentsRequest{StoreID: mapisim.DefaultStoreID, OrderReference: "order-1005"})
	if err != nil || len(found) != 0 {
		t.Errorf("search after failed create = %d payments, %v; want none (503 executes nothing)", len(found), err)
	}
	if got, err := e.client.GetPayment(ctx, p.ID); err != nil || got.ID != p.ID {
		t.Errorf("GetPayment after faults: %v", err)
	}
}

// TestSimLostCaptureAnswer: the capture is executed but its answer is lost.
// The client reports an ambiguous error and does not retry; the caller
// finds the capture by its transactionId on the fetched payment.
func TestSimLostCaptureAnswer(t *testing.T) {
	e := newSimEnv(t, mapisim.Options{Seed: 7})
	ctx := context.Background()
	p, err := e.client.CreatePayment(ctx, e.createRequest(t, "order-1006", "198305147715"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.sim.Sign(p.ID, mapisim.Approve); err != nil {
		t.Fatal(err)
	}
	e.sim.Flush()
	e.sim.SetFaults(mapisim.Faults{Endpoints: []mapisim.EndpointFault{
		{Route: "POST /v2/payments/{id}/capture", Timeout: 1, TimeoutAfterExecute: true}}})

	// The management callback proves the capture ran; then the caller gives up.
	callCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	go func() {
		for path := range e.arrived {
			if path == "/cb/management" {
				cancel()
				return
			}
		}
	}()
	_, err = e.client.Capture(callCtx, p.ID, &mapi.CaptureRequest{TransactionID: "cap-1006"})
	if !mapi.Ambiguous(err) {
		t.Fatalf("lost answer: %v, want ambiguous", err)
	}
	e.sim.SetFaults(mapisim.Faults{})
	got, err := e.client.GetPayment(ctx, p.ID)
	if err != nil {
		t.Fatal(err)
	}
	if a := got.Order.FindAction("cap-1006"); a == nil || a.Type != mapi.LogCapture || got.Order.CapturedAmount != dec(t, "349.50") {
		t.Errorf("capture not found after lost answer: %+v", got.Order)
	}
}
