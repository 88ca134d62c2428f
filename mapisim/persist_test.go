package mapisim_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kassa-dev/kassa/mapi"
	"github.com/kassa-dev/kassa/mapisim"
)

// diskSim is a simulator made by Open on a ManualClock, with a mapi.Client
// that reaches it through its in-process transport.
type diskSim struct {
	t      *testing.T
	dir    string
	clock  *mapisim.ManualClock
	sim    *mapisim.Sim
	client *mapi.Client
}

func openDisk(t *testing.T, dir string, clock *mapisim.ManualClock) *diskSim {
	t.Helper()
	sim, err := mapisim.Open(dir, mapisim.Options{Clock: clock, Seed: 1, BaseURL: "https://shop.test/sim"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(sim.Close)
	id, secret := sim.Credentials()
	client := mapi.New(mapi.Config{BaseURL: mapisim.InProcessURL, ClientID: id, ClientSecret: secret,
		HTTPClient: &http.Client{Transport: sim.Transport()}, MaxRetries: -1})
	return &diskSim{t: t, dir: dir, clock: clock, sim: sim, client: client}
}

// create makes a payment of 350.50 SEK for govID that lives ttl minutes.
func (d *diskSim) create(govID string, ttl int) *mapi.Payment {
	d.t.Helper()
	p, err := d.client.CreatePayment(context.Background(), &mapi.CreatePaymentRequest{
		StoreID: mapisim.DefaultStoreID, PaymentMethodID: mapisim.MethodInvoice,
		Order: mapi.CreatePaymentOrder{OrderReference: "K000001", OrderLines: []mapi.OrderLine{{
			Description: "Book", Reference: "BOOK-001", Quantity: mapi.Units(1), QuantityUnit: "st",
			VATRate: mapi.Units(6), TotalAmountIncludingVAT: 35050, Type: mapi.LinePhysicalGoods}}},
		Customer: &mapi.Customer{CustomerType: mapi.CustomerNatural, GovernmentID: govID},
		Options:  &mapi.Options{HandleFrozenPayments: &yes, HandleManualInspection: &yes, TimeToLiveInMinutes: ttl},
	})
	if err != nil {
		d.t.Fatalf("create: %v", err)
	}
	return p
}

var yes = true

func (d *diskSim) get(id string) *mapi.Payment {
	d.t.Helper()
	p, err := d.client.GetPayment(context.Background(), id)
	if err != nil {
		d.t.Fatalf("get %s: %v", id, err)
	}
	return p
}

// TestOpenKeepsPayments: a payment approved before a restart is still
// there afterwards, with its order and action log, and can be captured;
// payments made after the restart get new ids.
func TestOpenKeepsPayments(t *testing.T) {
	dir, clock := t.TempDir(), mapisim.NewManualClock(t0)
	first := openDisk(t, dir, clock)
	p := first.create("198305147715", 60)
	if _, err := first.sim.Sign(p.ID, mapisim.Approve); err != nil {
		t.Fatal(err)
	}
	before := first.get(p.ID)
	first.sim.Close()

	second := openDisk(t, dir, clock)
	if got := second.get(p.ID); got.Status != mapi.StatusAccepted || got.Order.AuthorizedAmount != 35050 ||
		len(got.Order.ActionLog) != len(before.Order.ActionLog) || !got.Created.Equal(before.Created.Time) {
		t.Fatalf("after the restart: %+v\nbefore: %+v", got, before)
	}
	captured, err := second.client.Capture(context.Background(), p.ID, &mapi.CaptureRequest{TransactionID: "K000001-capture-1"})
	if err != nil || captured.Order.CapturedAmount != 35050 {
		t.Fatalf("capture after the restart: %v, %+v", err, captured)
	}
	if _, err := second.client.Capture(context.Background(), p.ID, &mapi.CaptureRequest{TransactionID: "K000001-capture-1"}); err == nil {
		t.Error("a transactionId used before the restart was accepted again")
	}
	if next := second.create("198305147715", 60); next.ID == p.ID {
		t.Errorf("the payment made after the restart has the id %s of one made before", next.ID)
	}
	second.sim.Close()
	third := openDisk(t, dir, clock)
	if got := third.get(p.ID); got.Order.CapturedAmount != 35050 || len(got.Order.ActionLog) != 2 {
		t.Errorf("the capture was not kept: %+v", got.Order)
	}
}

// TestOpenResumesTimers: expiry and a persona's delayed verdict still
// happen after a restart, at the times set before it.
func TestOpenResumesTimers(t *testing.T) {
	dir, clock := t.TempDir(), mapisim.NewManualClock(t0)
	first := openDisk(t, dir, clock)
	unsigned := first.create("198305147715", 10)
	frozen := first.create("198001010001", 60) // frozen, unfrozen after 5 s
	if _, err := first.sim.Sign(frozen.ID, mapisim.Approve); err != nil {
		t.Fatal(err)
	}
	first.sim.Close()

	second := openDisk(t, dir, clock)
	if got := second.get(frozen.ID).Status; got != mapi.StatusFrozen {
		t.Fatalf("frozen payment after the restart: %s", got)
	}
	clock.Advance(5 * time.Second)
	if got := second.get(frozen.ID).Status; got != mapi.StatusAccepted {
		t.Errorf("frozen payment 5 s later: %s, want ACCEPTED", got)
	}
	if got := second.get(unsigned.ID).Status; got != mapi.StatusTaskRedirectionRequired {
		t.Fatalf("unsigned payment before its TTL: %s", got)
	}
	clock.Advance(10 * time.Minute)
	got := second.get(unsigned.ID)
	if got.Status != mapi.StatusRejected || got.RejectedReason == nil || got.RejectedReason.Category != mapi.RejectedTimeout {
		t.Errorf("unsigned payment after its TTL: %s %+v, want REJECTED/TIMEOUT", got.Status, got.RejectedReason)
	}
}

// TestOpenCredentials: a directory has its own random credentials, kept
// across restarts and readable by another program; Options override them.
func TestOpenCredentials(t *testing.T) {
	dirA, dirB := t.TempDir(), t.TempDir()
	a := openDisk(t, dirA, mapisim.NewManualClock(t0))
	idA, secretA := a.sim.Credentials()
	if idA == mapisim.DefaultClientID || secretA == mapisim.DefaultClientSecret || len(secretA) < 32 {
		t.Errorf("credentials %q / %q: want random ones", idA, secretA)
	}
	a.sim.Close()
	if again := openDisk(t, dirA, mapisim.NewManualClock(t0)); again.sim != nil {
		if id, secret := again.sim.Credentials(); id != idA || secret != secretA {
			t.Errorf("after a restart: %q / %q, want %q / %q", id, secret, idA, secretA)
		}
	}
	if id, secret, err := mapisim.ReadCredentials(dirA); err != nil || id != idA || secret != secretA {
		t.Errorf("ReadCredentials = %q, %q, %v", id, secret, err)
	}
	if id, _ := openDisk(t, dirB, mapisim.NewManualClock(t0)).sim.Credentials(); id == idA {
		t.Error("two directories share a client id")
	}
	own, err := mapisim.Open(t.TempDir(), mapisim.Options{ClientID: "kassa", ClientSecret: "kassa-secret"})
	if err != nil {
		t.Fatal(err)
	}
	defer own.Close()
	if id, secret := own.Credentials(); id != "kassa" || secret != "kassa-secret" {
		t.Errorf("given credentials: %q / %q", id, secret)
	}
	if st, err := os.Stat(filepath.Join(dirA, "payments")); err != nil || st.Mode().Perm()&0o077 != 0 {
		t.Errorf("payments directory: %v, %v; want no access for others", st, err)
	}
}

// TestCustomerHandler: only the signing page, its form and the legal
// documents are served; the token endpoint and the API are not.
func TestCustomerHandler(t *testing.T) {
	d := openDisk(t, t.TempDir(), mapisim.NewManualClock(t0))
	p := d.create("198305147715", 60)
	srv := httptest.NewServer(d.sim.CustomerHandler())
	defer srv.Close()
	for _, c := range []struct {
		method, path string
		want         int
	}{
		{"GET", "/sign/" + p.ID, http.StatusOK},
		{"GET", "/legal/" + mapisim.MethodInvoice + "/GENERAL_TERMS", http.StatusOK},
		{"POST", "/oauth2/token", http.StatusNotFound},
		{"GET", "/v2/stores", http.StatusNotFound},
		{"GET", "/v2/payments/" + p.ID, http.StatusNotFound},
		{"POST", "/v2/payments/search", http.StatusNotFound},
		{"POST", "/v2/payments/" + p.ID + "/cancel", http.StatusNotFound},
		{"GET", "/v2/callbacks/payments/" + p.ID + "/stream", http.StatusNotFound},
	} {
		req, _ := http.NewRequest(c.method, srv.URL+c.path, strings.NewReader("{}"))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != c.want {
			t.Errorf("%s %s: %d, want %d", c.method, c.path, resp.StatusCode, c.want)
		}
	}
	noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := noRedirect.PostForm(srv.URL+"/sign/"+p.ID, map[string][]string{"decision": {"approve"}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if got := d.get(p.ID).Status; got != mapi.StatusAccepted {
		t.Errorf("after signing through the customer handler: %s", got)
	}
}

// TestTransportTimeoutFault: a request the simulator drops without an
// answer is an error for the client, not an empty answer.
func TestTransportTimeoutFault(t *testing.T) {
	d := openDisk(t, t.TempDir(), mapisim.NewManualClock(t0))
	p := d.create("198305147715", 60)
	d.sim.SetFaults(mapisim.Faults{Endpoints: []mapisim.EndpointFault{{Route: "GET /v2/payments/{id}", Timeout: 1}}})
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if _, err := d.client.GetPayment(ctx, p.ID); err == nil || !mapi.Ambiguous(err) {
		t.Errorf("GetPayment under a timeout fault: %v; want an ambiguous error", err)
	}
}
