package web_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/kassa-dev/kassa/web"
)

// The document is valid OpenAPI 3.1 and served as it is embedded.
func TestOpenAPIDocument(t *testing.T) {
	t.Parallel()
	d := apiDoc(t)
	if ok, errs := d.v.ValidateDocument(); !ok {
		t.Fatalf("web/openapi.json is not valid OpenAPI: %s", describe(errs))
	}
	if v := d.model.Version; !strings.HasPrefix(v, "3.1.") {
		t.Errorf("openapi %q, want 3.1.x", v)
	}
	st := newStack(t)
	resp, body := do(t, client(t), http.MethodGet, st.URL+"/api/openapi.json", nil, nil)
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
		t.Fatalf("GET /api/openapi.json: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	if body != string(web.OpenAPI()) {
		t.Error("GET /api/openapi.json is not the embedded document")
	}
}

// Every route of the shop under /api/ (the table in server.go) is an
// operation of the document, and every operation is a route.
func TestOpenAPIRoutes(t *testing.T) {
	t.Parallel()
	routes := apiRoutes(t)
	var documented []string
	d := apiDoc(t)
	for path, item := range d.model.Paths.PathItems.FromOldest() {
		for method := range item.GetOperations().FromOldest() {
			documented = append(documented, strings.ToUpper(method)+" "+path)
		}
	}
	for _, r := range routes {
		if !slices.Contains(documented, r) {
			t.Errorf("route %s is not in web/openapi.json", r)
		}
	}
	for _, op := range documented {
		if !slices.Contains(routes, op) {
			t.Errorf("web/openapi.json has %s, which no route serves", op)
		}
	}
	if len(routes) < 25 {
		t.Errorf("found only %d /api/ routes in server.go: %v", len(routes), routes)
	}
}

// apiRoutes reads the patterns "METHOD /api/…" registered in server.go.
func apiRoutes(t *testing.T) []string {
	t.Helper()
	f, err := parser.ParseFile(token.NewFileSet(), "server.go", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	ast.Inspect(f, func(n ast.Node) bool {
		call, ok := n.(*ast.CallExpr)
		if !ok || len(call.Args) == 0 {
			return true
		}
		sel, ok := call.Fun.(*ast.SelectorExpr)
		if !ok || (sel.Sel.Name != "Handle" && sel.Sel.Name != "HandleFunc") {
			return true
		}
		lit, ok := call.Args[0].(*ast.BasicLit)
		if !ok || lit.Kind != token.STRING {
			return true
		}
		pattern, err := strconv.Unquote(lit.Value)
		if err != nil {
			t.Fatal(err)
		}
		method, path, found := strings.Cut(pattern, " ")
		if !found && strings.HasPrefix(pattern, "/api/") {
			t.Errorf("route %q has no method", pattern)
		}
		if found && strings.HasPrefix(path, "/api/") {
			out = append(out, method+" "+path)
		}
		return true
	})
	return out
}

// The check itself: answers and requests that the document does not
// allow are caught, and a conforming call passes.
func TestOpenAPICheckCatchesDrift(t *testing.T) {
	t.Parallel()
	d := apiDoc(t)
	const product = `[{"sku":"TEA-1","name":"Tea","price":"39.90","currency":"SEK","vatRate":12,"stock":3}]`
	const order = `{"lines":[{"sku":"TEA-1","quantity":1}]}`
	const created = `{"id":1,"number":"K000001","status":"pending","key":"k","redirectUrl":"http://127.0.0.1/sim/sign/1"}`
	tests := []struct {
		name, method, path, reqBody string
		status                      int
		answer                      string
		wantErr                     string // "" for a call that conforms
	}{
		{"conforming products", "GET", "/api/products", "", 200, product, ""},
		{"conforming order", "POST", "/api/orders", order, 201, created, ""},
		{"refused bad input", "POST", "/api/orders", `{"coupon":"FREE"}`, 422,
			`{"code":"invalid","message":"Please correct the marked fields.","errors":[{"field":"coupon","message":"Unknown field."}]}`, ""},
		{"unknown path answered 404", "GET", "/api/nope", "", 404, `{"code":"not_found","message":"Page not found."}`, ""},
		{"amount as a float", "GET", "/api/products", "", 200, strings.Replace(product, `"39.90"`, `39.9`, 1), "price"},
		{"amount with one decimal", "GET", "/api/products", "", 200, strings.Replace(product, `"39.90"`, `"39.9"`, 1), "price"},
		{"field the document lacks", "GET", "/api/products", "", 200, strings.Replace(product, `"stock"`, `"colour":"red","stock"`, 1), "colour"},
		{"status not documented", "GET", "/api/products", "", 418, `{"code":"invalid","message":"teapot"}`, "418"},
		{"error body of another shape", "GET", "/api/orders/1?key=x", "", 404, `{"error":"not found"}`, "404"},
		{"accepted what the document refuses", "POST", "/api/orders", `{"coupon":"FREE"}`, 201, created, "refuses"},
		{"unknown path answered", "GET", "/api/nope", "", 200, `[]`, "not in the document"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest(tt.method, tt.path, strings.NewReader(tt.reqBody))
			if tt.reqBody != "" {
				r.Header.Set("Content-Type", "application/json")
			}
			rec := &recorder{ResponseWriter: httptest.NewRecorder(), status: tt.status}
			rec.Header().Set("Content-Type", "application/json; charset=utf-8")
			rec.body.WriteString(tt.answer)
			err := d.conforms(r, []byte(tt.reqBody), rec)
			switch {
			case tt.wantErr == "" && err != nil:
				t.Errorf("conforming call refused: %v", err)
			case tt.wantErr != "" && err == nil:
				t.Errorf("drift not caught")
			case tt.wantErr != "" && !strings.Contains(err.Error(), tt.wantErr):
				t.Errorf("caught as %v, want it to name %q", err, tt.wantErr)
			}
		})
	}
	const event = `{"id":"evt_1-created","type":"order.created","timestamp":"2026-12-06T19:04:00Z","data":{"order":` +
		`{"id":1,"number":"K000001","reference":"","status":"pending","currency":"SEK","total":"10.00","vatTotal":"2.00",` +
		`"authorized":"0.00","captured":"0.00","refunded":"0.00","canceled":"0.00","paymentId":"","version":1}}}`
	if err := d.checkWebhook([]byte(event)); err != nil {
		t.Errorf("conforming webhook refused: %v", err)
	}
	if err := d.checkWebhook([]byte(strings.Replace(event, `"10.00"`, `10`, 1))); err == nil {
		t.Error("webhook with a float amount not caught")
	}
	if err := d.checkWebhook([]byte(strings.Replace(event, `order.created`, `order.eaten`, 1))); err == nil {
		t.Error("webhook of an unknown type not caught")
	}
}
