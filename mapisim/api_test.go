package mapisim_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/kassa-dev/kassa/mapi"
	"github.com/kassa-dev/kassa/mapisim"
)

func TestCreateValidation(t *testing.T) {
	e := newEnv(t, mapisim.Options{})
	line := func(k string, v any) func(map[string]any) {
		return func(r map[string]any) { r["order"].(map[string]any)["orderLines"].([]any)[0].(map[string]any)[k] = v }
	}
	opt := func(k string, v any) func(map[string]any) {
		return func(r map[string]any) { r["options"].(map[string]any)[k] = v }
	}
	cust := func(k string, v any) func(map[string]any) {
		return func(r map[string]any) { r["customer"].(map[string]any)[k] = v }
	}
	cases := []struct {
		name   string
		mutate func(map[string]any)
		param  string
	}{
		{"no store", func(r map[string]any) { delete(r, "storeId") }, "storeId"},
		{"unknown store", func(r map[string]any) { r["storeId"] = "00000000-0000-4000-8000-000000000000" }, "storeId"},
		{"unknown method", func(r map[string]any) { r["paymentMethodId"] = mapisim.MethodInvoice[:30] + "999999" }, "paymentMethodId"},
		{"method of another store", func(r map[string]any) { r["storeId"] = mapisim.StoreNO }, "paymentMethodId"},
		{"no lines", func(r map[string]any) { r["order"].(map[string]any)["orderLines"] = []any{} }, "order.orderLines"},
		{"1001 lines", func(r map[string]any) {
			ls := make([]any, 1001)
			for i := range ls {
				ls[i] = map[string]any{"description": "x", "quantity": 1, "quantityUnit": "st", "vatRate": 25, "totalAmountIncludingVat": 0.01}
			}
			r["order"].(map[string]any)["orderLines"] = ls
		}, "order.orderLines"},
		{"three decimals", line("unitAmountIncludingVat", 150.755), "order.orderLines[0].unitAmountIncludingVat"},
		{"11 integer digits", line("totalAmountIncludingVat", 12345678901.0), "order.orderLines[0].totalAmountIncludingVat"},
		{"no quantity", line("quantity", nil), "order.orderLines[0].quantity"},
		{"no quantity unit", line("quantityUnit", nil), "order.orderLines[0].quantityUnit"},
		{"no vat rate", line("vatRate", nil), "order.orderLines[0].vatRate"},
		{"vat rate 101", line("vatRate", 101), "order.orderLines[0].vatRate"},
		{"bad line type", line("type", "TOY"), "order.orderLines[0].type"},
		{"no description", line("description", ""), "order.orderLines[0].description"},
		{"below min limit", func(r map[string]any) {
			r["order"].(map[string]any)["orderLines"] = []any{map[string]any{"description": "x", "quantity": 1,
				"quantityUnit": "st", "vatRate": 25, "totalAmountIncludingVat": 9.99}}
		}, "order.orderLines"},
		{"above max limit", line("totalAmountIncludingVat", 49952), "order.orderLines"},
		{"natural-only method for LEGAL", func(r map[string]any) {
			r["paymentMethodId"] = mapisim.MethodPartPayment
			line("totalAmountIncludingVat", 1000)(r)
			cust("customerType", "LEGAL")(r)
		}, "customer.customerType"},
		{"automaticCapture with handleFrozenPayments", opt("automaticCapture", true), "options.automaticCapture"},
		{"bad orderReference", func(r map[string]any) { r["order"].(map[string]any)["orderReference"] = "a b" }, "order.orderReference"},
		{"ttl 0", opt("timeToLiveInMinutes", 0), "options.timeToLiveInMinutes"},
		{"ttl 43201", opt("timeToLiveInMinutes", 43201), "options.timeToLiveInMinutes"},
		{"email without @", cust("email", "nobody"), "customer.email"},
		{"refused governmentId", cust("governmentId", "198123112311"), "customer.governmentId"},
		{"refused mobilePhone", cust("mobilePhone", "0809910000"), "customer.mobilePhone"},
		{"refused email", cust("email", "asd@difjgod903845gn.asdasd"), "customer.email"},
		{"bad postal code", func(r map[string]any) {
			r["customer"].(map[string]any)["deliveryAddress"].(map[string]any)["postalCode"] = "SE-41655"
		}, "customer.deliveryAddress.postalCode"},
		{"relative callback URL", opt("callbacks", map[string]any{"authorization": map[string]any{"url": "/cb"}}),
			"options.callbacks.authorization.url"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			req := e.createReq("198305147715")
			c.mutate(req)
			status, body := e.do("POST", "/v2/payments", req)
			var eb struct {
				Code       string
				Parameters map[string]string
			}
			_ = json.Unmarshal(body, &eb)
			if status != http.StatusBadRequest || eb.Code != "400" || eb.Parameters[c.param] == "" {
				t.Errorf("got %d %s, want 400 with parameter %s", status, body, c.param)
			}
			assertErrorBody(t, body)
		})
	}
	if n := len(e.sim.Payments()); n != 0 {
		t.Errorf("%d payments stored by invalid requests", n)
	}
}

func TestCreateAcceptsVariants(t *testing.T) {
	e := newEnv(t, mapisim.Options{BaseURL: "https://sim.test/"})
	req := e.createReq("198305147715")
	opts := req["options"].(map[string]any)
	delete(opts, "initiatedOnCustomersDevice")
	opts["initiatedOnCustomerDevice"] = true
	req["application"] = nil
	delete(req["order"].(map[string]any), "orderReference")
	line := req["order"].(map[string]any)["orderLines"].([]any)[0].(map[string]any)
	line["totalAmountIncludingVat"] = "301.50" // numeric string
	p := e.create(req)
	if p.Order.OrderReference == "" || p.Order.TotalOrderAmount != 35050 {
		t.Errorf("orderReference %q total %s", p.Order.OrderReference, p.Order.TotalOrderAmount)
	}
	if want := "https://sim.test/sign/" + p.ID; p.TaskRedirectionURLs.CustomerURL != want {
		t.Errorf("customerUrl %q, want %q", p.TaskRedirectionURLs.CustomerURL, want)
	}
	if diff := cmp.Diff(p, e.get(p.ID)); diff != "" {
		t.Errorf("GET differs from create answer:\n%s", diff)
	}
	truth, ok := e.sim.Payment(p.ID)
	if !ok || !cmp.Equal(truth, p) {
		t.Errorf("Sim.Payment differs from create answer")
	}
}

func TestSearch(t *testing.T) {
	e := newEnv(t, mapisim.Options{})
	a := e.create(e.createReq("198305147715"))
	req := e.createReq("195012026430")
	req["order"].(map[string]any)["orderReference"] = "order-2"
	b := e.create(req)
	for _, c := range []struct {
		body map[string]any
		want []string
	}{
		{map[string]any{"storeId": mapisim.DefaultStoreID}, []string{a.ID, b.ID}},
		{map[string]any{"storeId": mapisim.DefaultStoreID, "orderReference": "order-2"}, []string{b.ID}},
		{map[string]any{"storeId": mapisim.DefaultStoreID, "governmentId": "198305147715"}, []string{a.ID}},
		{map[string]any{"storeId": mapisim.StoreNO}, nil},
	} {
		var res struct{ Content []mapi.Payment }
		e.must(http.StatusOK, "POST", "/v2/payments/search", c.body, &res)
		var got []string
		for _, p := range res.Content {
			got = append(got, p.ID)
		}
		if diff := cmp.Diff(c.want, got); diff != "" {
			t.Errorf("search %v (-want +got):\n%s", c.body, diff)
		}
	}
	if status, _ := e.do("POST", "/v2/payments/search", map[string]any{}); status != http.StatusBadRequest {
		t.Errorf("search without storeId: %d, want 400", status)
	}
}

func TestAuth(t *testing.T) {
	e := newEnv(t, mapisim.Options{TokenTTL: time.Minute})
	for name, header := range map[string]string{"missing": "", "unknown": "Bearer nope", "basic": "Basic a2Fzc2E6eA=="} {
		req, _ := http.NewRequest("GET", e.srv.URL+"/v2/stores", nil)
		if header != "" {
			req.Header.Set("Authorization", header)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("%s token: %d, want 401", name, resp.StatusCode)
		}
		assertErrorBody(t, body)
	}
	e.clock.Advance(time.Minute)
	if status, _ := e.do("GET", "/v2/stores", nil); status != http.StatusUnauthorized {
		t.Errorf("expired token: %d, want 401", status)
	}
	for name, form := range map[string]url.Values{
		"bad scope": {"grant_type": {"client_credentials"}, "client_id": {"kassa"}, "client_secret": {"kassa-secret"}, "scope": {"x"}},
		"bad grant": {"grant_type": {"password"}, "client_id": {"kassa"}, "client_secret": {"kassa-secret"}, "scope": {"merchant-api"}},
	} {
		resp, err := http.PostForm(e.srv.URL+"/oauth2/token", form)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusBadRequest {
			t.Errorf("%s: %d, want 400", name, resp.StatusCode)
		}
	}
}

func TestNotFound(t *testing.T) {
	e := newEnv(t, mapisim.Options{})
	id := e.accepted()
	for _, path := range []string{"/v2/payments/nope", "/v2/payments/nope/tasks/status", "/v2/payments/" + id + "/actions/nope",
		"/v2/stores/nope/payment_methods", "/v2/stores/" + mapisim.DefaultStoreID + "/payment_methods/nope/annuity_factors",
		"/v2/callbacks/payments/nope/stream", "/v2/nothing"} {
		status, body := e.do("GET", path, nil)
		if status != http.StatusNotFound {
			t.Errorf("GET %s: %d, want 404", path, status)
		}
		assertErrorBody(t, body)
	}
	if status, _ := e.do("POST", "/v2/payments/nope/capture", "{}"); status != http.StatusNotFound {
		t.Errorf("capture unknown: %d, want 404", status)
	}
}

func TestMethodsFilterAndSignage(t *testing.T) {
	e := newEnv(t, mapisim.Options{})
	base := "/v2/stores/" + mapisim.DefaultStoreID + "/payment_methods"
	var res struct{ Content []mapi.PaymentMethod }
	e.must(http.StatusOK, "GET", base+"?amount=200", nil, &res)
	var types []mapi.PaymentMethodType
	for _, m := range res.Content {
		types = append(types, m.Type)
	}
	if diff := cmp.Diff([]mapi.PaymentMethodType{"RESURS_INVOICE", "RESURS_CARD", "CARD", "SWISH"}, types); diff != "" {
		t.Errorf("methods for 200 SEK (-want +got):\n%s", diff)
	}
	var af struct{ Content []mapi.AnnuityFactor }
	e.must(http.StatusOK, "GET", base+"/"+mapisim.MethodPartPayment+"/annuity_factors", nil, &af)
	var months []int
	for _, f := range af.Content {
		months = append(months, f.DurationMonths)
	}
	if diff := cmp.Diff([]int{3, 6, 12, 24, 36}, months); diff != "" {
		t.Errorf("annuity months (-want +got):\n%s", diff)
	}
	var ps mapi.PriceSignage
	e.must(http.StatusOK, "GET", base+"/"+mapisim.MethodPartPayment+"/price_signage?amount=6000", nil, &ps)
	// 3 months, no interest: 6000 × 0.333333 = 1999.998 → 2000.00, + 29.00 fee.
	if c := ps.CostList[0]; c.DurationMonths != 3 || c.MonthlyCost != 202900 || c.TotalCost != 608700 {
		t.Errorf("3-month cost %+v, want monthly 2029.00 total 6087.00", c)
	}
	if status, _ := e.do("GET", base+"/"+mapisim.MethodInvoice+"/price_signage?amount=6000", nil); status != http.StatusBadRequest {
		t.Errorf("signage for invoice: %d, want 400", status)
	}
}

func TestGetAddress(t *testing.T) {
	e := newEnv(t, mapisim.Options{})
	path := "/v2/customers/address/by_government_id"
	req := func(gov, typ string) map[string]any {
		return map[string]any{"storeId": mapisim.DefaultStoreID, "customerIp": "127.0.0.1", "governmentId": gov, "customerType": typ}
	}
	var res struct{ Address mapi.Address }
	e.must(http.StatusOK, "POST", path, req("198305147715", "NATURAL"), &res)
	if res.Address.FullName != "Vincent Williamsson Alexandersson" || res.Address.PostalCode != "41655" {
		t.Errorf("address %+v", res.Address)
	}
	var legal struct{ Address mapi.Address }
	e.must(http.StatusOK, "POST", path, req("166997368573", "LEGAL"), &legal)
	if res = legal; res.Address.FullName != "Pilsnerbolaget HB" || res.Address.FirstName != "" {
		t.Errorf("legal address %+v", res.Address)
	}
	for _, c := range []struct {
		gov, typ string
		status   int
	}{{"166997368573", "NATURAL", 400}, {"12345", "NATURAL", 400}, {"197001011234", "NATURAL", 404}} {
		if status, _ := e.do("POST", path, req(c.gov, c.typ)); status != c.status {
			t.Errorf("%s %s: %d, want %d", c.gov, c.typ, status, c.status)
		}
	}
}

func TestSigningPageHTTP(t *testing.T) {
	e := newEnv(t, mapisim.Options{})
	p := e.create(e.createReq("198305147715"))
	noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := noRedirect.Get(p.TaskRedirectionURLs.CustomerURL)
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	for _, want := range []string{"Kassa Demo Butik", "Product 1", "350.50 SEK", "198305147715", `value="approve"`, `value="abort"`} {
		if !strings.Contains(string(page), want) {
			t.Errorf("signing page lacks %q", want)
		}
	}
	post := func(decision string) *http.Response {
		resp, err := noRedirect.PostForm(p.TaskRedirectionURLs.CustomerURL, url.Values{"decision": {decision}})
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp
	}
	if r := post("maybe"); r.StatusCode != http.StatusBadRequest {
		t.Errorf("bad decision: %d, want 400", r.StatusCode)
	}
	if r := post("approve"); r.StatusCode != http.StatusSeeOther || r.Header.Get("Location") != "https://shop.test/ok" {
		t.Errorf("approve: %d to %q, want 303 to the success URL", r.StatusCode, r.Header.Get("Location"))
	}
	if r := post("reject"); r.StatusCode != http.StatusConflict {
		t.Errorf("second decision: %d, want 409", r.StatusCode)
	}
	if got := e.get(p.ID); got.Status != mapi.StatusAccepted {
		t.Errorf("status %s after approve and a refused reject", got.Status)
	}
}

func TestEndpointFaults(t *testing.T) {
	e := newEnv(t, mapisim.Options{})
	e.sim.SetFaults(mapisim.Faults{Endpoints: []mapisim.EndpointFault{{Route: "GET /v2/stores", Error5xx: 1}}})
	if status, body := e.do("GET", "/v2/stores", nil); status != http.StatusServiceUnavailable {
		t.Errorf("5xx fault: %d %s", status, body)
	}
	id := e.accepted()
	e.sim.SetFaults(mapisim.Faults{Endpoints: []mapisim.EndpointFault{
		{Route: "POST /v2/payments/{id}/capture", Timeout: 1, TimeoutAfterExecute: true}}})
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "POST", e.srv.URL+"/v2/payments/"+id+"/capture", strings.NewReader(`{"transactionId":"T9"}`))
	req.Header.Set("Authorization", "Bearer "+e.token)
	resp, err := http.DefaultClient.Do(req)
	if err == nil {
		resp.Body.Close()
		t.Fatalf("timeout fault answered %d", resp.StatusCode)
	}
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("err %v, want the client's deadline", err)
	}
	e.sim.SetFaults(mapisim.Faults{})
	after := e.get(id)
	if a := after.Order.FindAction("T9"); a == nil || a.Type != mapi.LogCapture {
		t.Errorf("capture with lost answer was not executed: %+v", a)
	}
	if status, _ := e.do("GET", "/v2/stores", nil); status != http.StatusOK {
		t.Errorf("after SetFaults({}): %d", status)
	}
}

func TestConcurrentCreateAndSign(t *testing.T) {
	e := newEnv(t, mapisim.Options{})
	const n = 300
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			body, _ := json.Marshal(e.createReq([]string{"198305147715", "197211072793", "198209123705"}[i%3]))
			req, _ := http.NewRequest("POST", e.srv.URL+"/v2/payments", strings.NewReader(string(body)))
			req.Header.Set("Authorization", "Bearer "+e.token)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				errs <- err
				return
			}
			var p mapi.Payment
			err = json.NewDecoder(resp.Body).Decode(&p)
			resp.Body.Close()
			if err != nil {
				errs <- err
				return
			}
			if _, err := e.sim.Sign(p.ID, mapisim.Approve); err != nil {
				errs <- err
			}
			if _, err := e.sim.Sign(p.ID, mapisim.Reject); !errors.Is(err, mapisim.ErrAlreadyDecided) {
				errs <- errors.New("second sign not refused")
			}
		}(i)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	e.sim.Flush()
	count := map[mapi.PaymentStatus]int{}
	for _, p := range e.sim.Payments() {
		count[p.Status]++
	}
	want := map[mapi.PaymentStatus]int{mapi.StatusAccepted: n / 3, mapi.StatusRejected: n / 3, mapi.StatusFrozen: n / 3}
	if diff := cmp.Diff(want, count); diff != "" {
		t.Errorf("statuses (-want +got):\n%s", diff)
	}
	if got := len(e.cb.received()); got != n {
		t.Errorf("%d callbacks, want %d", got, n)
	}
}
