package mapisim_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/kassa-dev/kassa/mapisim"
)

func TestGoldenToken(t *testing.T) {
	e := newEnv(t, mapisim.Options{})
	// JSON body with the mock scope, as ecom2 sends it.
	resp, err := http.Post(e.srv.URL+"/oauth2/token", "application/json; charset=utf-8", strings.NewReader(
		`{"client_id":"kassa","client_secret":"kassa-secret","grant_type":"client_credentials","scope":"mock-merchant-api"}`))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d", resp.StatusCode)
	}
	golden(t, "token", readAll(t, resp))
}

func TestGoldenOAuthError(t *testing.T) {
	e := newEnv(t, mapisim.Options{})
	resp, err := http.PostForm(e.srv.URL+"/oauth2/token", url.Values{"grant_type": {"client_credentials"},
		"client_id": {"kassa"}, "client_secret": {"wrong"}, "scope": {"merchant-api"}})
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("status %d, want 401", resp.StatusCode)
	}
	golden(t, "oauth_error", readAll(t, resp))
}

func TestGoldenStoresAndMethods(t *testing.T) {
	e := newEnv(t, mapisim.Options{BaseURL: "https://sim.test"})
	golden(t, "stores", e.must(http.StatusOK, "GET", "/v2/stores?size=999999", nil, nil))
	golden(t, "payment_methods", e.must(http.StatusOK, "GET", "/v2/stores/"+mapisim.DefaultStoreID+"/payment_methods", nil, nil))
}

func TestGoldenCreateAndCapture(t *testing.T) {
	e := newEnv(t, mapisim.Options{BaseURL: "https://sim.test"})
	body := e.must(http.StatusOK, "POST", "/v2/payments", e.createReq("198305147715"), nil)
	golden(t, "create_payment", body)
	id := uuidRE.FindString(string(body))
	e.sign(id, mapisim.Approve)
	e.must(http.StatusOK, "POST", "/v2/payments/"+id+"/capture", map[string]any{
		"transactionId": "DEBIT001", "creator": "kassa", "orderLines": []any{map[string]any{
			"description": "Product 1", "reference": "SKU-1", "quantity": 2, "quantityUnit": "st", "vatRate": 25,
			"unitAmountIncludingVat": 150.75, "totalAmountIncludingVat": 301.5, "totalVatAmount": 60.3, "type": "PHYSICAL_GOODS"}},
	}, nil)
	golden(t, "payment_after_capture", e.must(http.StatusOK, "GET", "/v2/payments/"+id, nil, nil))
}

// TestGoldenTaskRedirectionURLs: Resurs' own client requires
// taskRedirectionUrls.merchantUrl and customerUrl (coApplicantUrl may be
// null) and a customer object in every payment, also when the create sent
// no customer.
func TestGoldenTaskRedirectionURLs(t *testing.T) {
	e := newEnv(t, mapisim.Options{BaseURL: "https://sim.test"})
	req := e.createReq("")
	delete(req, "customer")
	body := e.must(http.StatusOK, "POST", "/v2/payments", req, nil)
	golden(t, "create_payment_without_customer", body)
	var got struct {
		Customer            map[string]any  `json:"customer"`
		TaskRedirectionURLs map[string]*any `json:"taskRedirectionUrls"`
	}
	if err := json.Unmarshal(body, &got); err != nil {
		t.Fatal(err)
	}
	urls := got.TaskRedirectionURLs
	for _, k := range []string{"merchantUrl", "customerUrl"} {
		if u, ok := urls[k]; !ok || u == nil || !strings.HasPrefix(fmt.Sprint(*u), "https://sim.test/") {
			t.Errorf("taskRedirectionUrls.%s = %v; want an absolute URL", k, urls[k])
		}
	}
	if u, ok := urls["coApplicantUrl"]; !ok || u != nil {
		t.Errorf("taskRedirectionUrls.coApplicantUrl present %v, value %v; want null", ok, u)
	}
	if got.Customer == nil {
		t.Error("the payment carries no customer")
	}
}

func TestGoldenValidationError(t *testing.T) {
	e := newEnv(t, mapisim.Options{})
	req := e.createReq("")
	req["order"].(map[string]any)["orderLines"].([]any)[1].(map[string]any)["totalAmountIncludingVat"] = "@AMOUNT@"
	b, err := json.Marshal(req)
	if err != nil {
		t.Fatal(err)
	}
	// The float a careless client sends (docs/mapi.md §Amounts), as raw JSON text.
	body := strings.Replace(string(b), `"@AMOUNT@"`, "1310.259999999999990905", 1)
	golden(t, "validation_error", e.must(http.StatusBadRequest, "POST", "/v2/payments", body, nil))
}

func readAll(t *testing.T, resp *http.Response) []byte {
	t.Helper()
	var sb strings.Builder
	buf := make([]byte, 4096)
	for {
		n, err := resp.Body.Read(buf)
		sb.Write(buf[:n])
		if err != nil {
			break
		}
	}
	return []byte(sb.String())
}
