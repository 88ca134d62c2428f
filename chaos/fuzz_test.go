package chaos

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/kassa-dev/kassa"
	"github.com/kassa-dev/kassa/checkout"
	"github.com/kassa-dev/kassa/mapi"
	"github.com/kassa-dev/kassa/mapisim"
	"github.com/kassa-dev/kassa/sqlite"
	"github.com/kassa-dev/kassa/web"
)

// The fuzz tests live here, not in mapi, checkout and web, because those
// packages' owners were still at work; their seed corpora are in
// testdata/fuzz and run as normal tests.

// fuzzShop is an engine and the web handler on a SQLite file, with the
// simulator behind httptest, and one order whose payment exists.
type fuzzShop struct {
	db      *sqlite.DB
	engine  *checkout.Engine
	handler http.Handler
	order   *kassa.Order
}

func newFuzzShop(tb testing.TB) *fuzzShop {
	tb.Helper()
	ctx := context.Background()
	sim := mapisim.New(mapisim.Options{Seed: 1})
	simSrv := httptest.NewServer(sim)
	tb.Cleanup(func() { sim.Close(); simSrv.Close() })
	db, err := sqlite.Open(ctx, filepath.Join(tb.TempDir(), "kassa.db"))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() })
	for _, p := range kassa.DemoCatalog() {
		if err := db.PutProduct(ctx, p); err != nil {
			tb.Fatal(err)
		}
	}
	bank := mapi.New(mapi.Config{BaseURL: simSrv.URL, ClientID: mapisim.DefaultClientID,
		ClientSecret: mapisim.DefaultClientSecret, Timeout: 10 * time.Second})
	eng, err := checkout.New(checkout.Config{Store: db, Bank: bank, StoreID: mapisim.DefaultStoreID,
		BaseURL: "http://127.0.0.1:1"}) // not started: no workers run
	if err != nil {
		tb.Fatal(err)
	}
	w, err := web.New(web.Config{Engine: eng, Store: db, Bank: bank, StoreID: mapisim.DefaultStoreID,
		BaseURL: "http://127.0.0.1:1", AdminPassword: "fuzz"})
	if err != nil {
		tb.Fatal(err)
	}
	o, _, err := eng.PlaceOrder(ctx, validRequest(), kassa.SourceAPI)
	if err != nil {
		tb.Fatal(err)
	}
	return &fuzzShop{db: db, engine: eng, handler: w.Handler(), order: o}
}

func validRequest() kassa.OrderRequest {
	return kassa.OrderRequest{Lines: []kassa.LineRequest{{SKU: "FOOD-001", Quantity: 2}},
		PaymentMethodID: mapisim.MethodInvoice, Customer: kassa.Customer{Type: kassa.CustomerNatural,
			GovernmentID: "198305147715", Email: "a@example.com", Phone: "+46701234567",
			Address: kassa.Address{FirstName: "A", LastName: "B", AddressRow1: "Gatan 1", PostalCode: "12345",
				PostalArea: "Stad", CountryCode: "SE"}}}
}

func (s *fuzzShop) fingerprint(tb testing.TB) fingerprint {
	tb.Helper()
	o, err := s.db.Order(context.Background(), s.order.ID)
	if err != nil {
		tb.Fatal(err)
	}
	fp := fingerprints([]*kassa.Order{o})[o.ID]
	fp.version = o.Version
	return fp
}

func FuzzParseCallback(f *testing.F) {
	f.Add(false, []byte(`{"paymentId":"0b9a5ad4-54b5-4c8f-b1d5-4b8d3a1e6f00","status":"AUTHORIZED","created":"2026-06-01T12:00:00.000Z"}`))
	f.Add(true, []byte(`{"paymentId":"0b9a5ad4-54b5-4c8f-b1d5-4b8d3a1e6f00","action":"CAPTURE","actionId":"1b9a5ad4-54b5-4c8f-b1d5-4b8d3a1e6f00","created":"2026-06-01T12:00:00Z"}`))
	f.Add(false, []byte(`{"paymentId":`))
	f.Fuzz(func(t *testing.T, management bool, body []byte) {
		if management {
			cb, err := mapi.ParseManagementCallback(body)
			if err == nil && (cb.PaymentID == "" || cb.ActionID == "") {
				t.Fatalf("accepted %q without paymentId or actionId", body)
			}
			return
		}
		cb, err := mapi.ParseAuthorizationCallback(body)
		if err != nil {
			return
		}
		if cb.PaymentID == "" || cb.Status == "" {
			t.Fatalf("accepted %q without paymentId or status", body)
		}
		again, err := json.Marshal(cb)
		if err != nil {
			t.Fatalf("marshal parsed callback: %v", err)
		}
		cb2, err := mapi.ParseAuthorizationCallback(again)
		if err != nil || cb2.PaymentID != cb.PaymentID || cb2.Status != cb.Status {
			t.Fatalf("round trip of %q: %+v, %v", body, cb2, err)
		}
	})
}

// FuzzReceiveCallback: whatever the token and body, ReceiveCallback
// answers stored / invalid / unauthorized, never panics, and never changes
// the order (the body is only a hint).
func FuzzReceiveCallback(f *testing.F) {
	shop := newFuzzShop(f)
	good := strconv.FormatInt(shop.order.ID, 10) + "." + shop.order.CallbackToken
	f.Add(true, good, []byte(`{"paymentId":"`+shop.order.PaymentID+`","status":"REJECTED","created":"2026-06-01T12:00:00Z"}`))
	f.Add(false, good, []byte(`{"paymentId":"`+shop.order.PaymentID+`","action":"REFUND","actionId":"1b9a5ad4-54b5-4c8f-b1d5-4b8d3a1e6f00"}`))
	f.Add(true, "1.wrong", []byte(`{}`))
	f.Add(true, "", []byte(`not json`))
	f.Fuzz(func(t *testing.T, authorization bool, token string, body []byte) {
		before := shop.fingerprint(t)
		kind := kassa.CallbackManagement
		if authorization {
			kind = kassa.CallbackAuthorization
		}
		err := shop.engine.ReceiveCallback(context.Background(), kind, token, body)
		switch code := kassa.ErrorCode(err); code {
		case "", kassa.EINVALID, kassa.EUNAUTHORIZED:
		default:
			t.Fatalf("ReceiveCallback(%q, %q) = %v (code %q)", token, body, err, code)
		}
		if after := shop.fingerprint(t); after != before {
			t.Fatalf("order changed by a callback body: %+v → %+v", before, after)
		}
	})
}

// FuzzCreateOrderJSON: POST /api/orders with any body answers a 4xx with
// nothing created, or 201 with an order; never a 5xx other than 503
// (bank unavailable), never a panic.
func FuzzCreateOrderJSON(f *testing.F) {
	shop := newFuzzShop(f)
	valid, _ := json.Marshal(validRequest())
	f.Add(valid)
	f.Add([]byte(`{"lines":[{"sku":"FOOD-001","quantity":-1}]}`))
	f.Add([]byte(`{"lines":[{"sku":"FOOD-001","quantity":1e30}],"paymentMethodId":7}`))
	f.Add([]byte(`{"lines":[],"customer":{"type":"LEGAL"},"extra":true}`))
	f.Add([]byte(`[]`))
	f.Fuzz(func(t *testing.T, body []byte) {
		ctx := context.Background()
		_, before, err := shop.db.Orders(ctx, kassa.OrderFilter{Limit: 1})
		if err != nil {
			t.Fatal(err)
		}
		req := httptest.NewRequest(http.MethodPost, "/api/orders", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		rec := httptest.NewRecorder()
		shop.handler.ServeHTTP(rec, req)
		_, after, err := shop.db.Orders(ctx, kassa.OrderFilter{Limit: 1})
		if err != nil {
			t.Fatal(err)
		}
		switch st := rec.Code; {
		case st == http.StatusCreated:
			var c created
			if err := json.Unmarshal(rec.Body.Bytes(), &c); err != nil || c.ID == 0 || c.Key == "" {
				t.Fatalf("201 without an order: %s", rec.Body)
			}
			if after != before+1 {
				t.Fatalf("201 but %d orders were created", after-before)
			}
		case st >= 400 && st < 500:
			if after != before {
				t.Fatalf("answer %d but %d order(s) created for %q", st, after-before, body)
			}
		case st == http.StatusServiceUnavailable:
		default:
			t.Fatalf("POST /api/orders %q answered %d: %s", body, st, rec.Body)
		}
	})
}

// FuzzMoney: ParseMoney and String round trip; VATPart is within the
// gross amount, has its sign and is the nearest hundredth.
func FuzzMoney(f *testing.F) {
	for _, s := range []string{"0", "12", "12.5", "-20.05", "999999999999.99", "1.234", "abc", ".5", "1e3"} {
		f.Add(s, int64(2500))
	}
	f.Fuzz(func(t *testing.T, s string, rate int64) {
		if m, err := kassa.ParseMoney(s); err == nil {
			back, err := kassa.ParseMoney(m.String())
			if err != nil || back != m {
				t.Fatalf("ParseMoney(%q) = %d, String %q parses to %d, %v", s, m, m.String(), back, err)
			}
			checkVAT(t, m, rate)
		}
	})
}

func checkVAT(t *testing.T, gross kassa.Money, rate int64) {
	rate = (rate%10000 + 10000) % 10000 // 0–99.99 %
	if gross > 1e13 || gross < -1e13 {
		return // beyond what an order can hold; the product would overflow int64
	}
	vat := kassa.VATPart(gross, rate)
	if abs(vat) > abs(gross) || (gross > 0 && vat < 0) || (gross < 0 && vat > 0) {
		t.Fatalf("VATPart(%d, %d) = %d", gross, rate, vat)
	}
	// |vat·(10000+rate) − gross·rate| ≤ (10000+rate)/2: the nearest hundredth.
	if d := int64(vat)*(10000+rate) - int64(gross)*rate; 2*absInt(d) > 10000+rate {
		t.Fatalf("VATPart(%d, %d) = %d is not the nearest hundredth (off by %d/%d)", gross, rate, vat, d, 10000+rate)
	}
}

func abs(m kassa.Money) kassa.Money {
	if m < 0 {
		return -m
	}
	return m
}

func absInt(n int64) int64 {
	if n < 0 {
		return -n
	}
	return n
}

// FuzzQuote: the engine's line builder keeps totals exact: each product
// line is unit price × quantity, its VAT is VATPart, and the total is the
// sum of the lines.
func FuzzQuote(f *testing.F) {
	shop := newFuzzShop(f)
	products, err := shop.db.Products(context.Background())
	if err != nil {
		f.Fatal(err)
	}
	f.Add(uint8(0), int64(1), uint8(2), int64(3))
	f.Add(uint8(5), int64(0), uint8(5), int64(1000000))
	f.Add(uint8(200), int64(-3), uint8(1), int64(1))
	f.Fuzz(func(t *testing.T, a uint8, qa int64, b uint8, qb int64) {
		sku := func(i uint8) string {
			if int(i) < len(products) {
				return products[i].SKU
			}
			return fmt.Sprintf("NOPE-%d", i)
		}
		lines, total, err := shop.engine.Quote(context.Background(),
			[]kassa.LineRequest{{SKU: sku(a), Quantity: qa}, {SKU: sku(b), Quantity: qb}})
		if err != nil {
			if kassa.ErrorCode(err) != kassa.EINVALID {
				t.Fatalf("Quote error %v, want invalid", err)
			}
			return
		}
		var sum kassa.Money
		for _, l := range lines {
			sum += l.Total
			if l.Type == kassa.LineProduct && l.Total != l.UnitPrice*kassa.Money(l.Quantity) {
				t.Fatalf("line %+v: total ≠ unit × quantity", l)
			}
			if l.VATAmount != kassa.VATPart(l.Total, l.VATRate) {
				t.Fatalf("line %+v: VAT ≠ VATPart(total, rate) = %d", l, kassa.VATPart(l.Total, l.VATRate))
			}
		}
		if sum != total {
			t.Fatalf("Quote total %d ≠ sum of lines %d: %+v", total, sum, lines)
		}
	})
}
