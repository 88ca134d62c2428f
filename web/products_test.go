package web_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/kassa-dev/kassa"
)

// api sends an admin API request with a JSON body (none when body is "").
func api(t *testing.T, st *stack, method, path, body string) (int, string) {
	t.Helper()
	h := map[string]string{"Authorization": "Basic " + base64.StdEncoding.EncodeToString([]byte("admin:"+adminPassword))}
	var rd *strings.Reader
	if body != "" {
		h["Content-Type"] = "application/json"
		rd = strings.NewReader(body)
	} else {
		rd = strings.NewReader("")
	}
	resp, b := do(t, client(t), method, st.URL+path, rd, h)
	return resp.StatusCode, b
}

func TestProductsAPI(t *testing.T) {
	st := newStack(t)
	ctx := context.Background()
	status, body := api(t, st, http.MethodPut, "/api/admin/products/TEA-1",
		`{"name":"Green tea","price":"49.90","vatRate":12,"stock":10,"imageUrl":"https://example.com/tea.jpg","reason":"first delivery"}`)
	if status != http.StatusCreated {
		t.Fatalf("PUT new: %d %s", status, body)
	}
	var p map[string]any
	decode(t, body, &p)
	if p["price"] != "49.90" || p["currency"] != "SEK" || p["vatRate"] != 12.0 || p["stock"] != 10.0 || p["active"] != true {
		t.Fatalf("PUT answer %s", body)
	}
	// Replace: stock left out stays; description left out is cleared.
	if status, body = api(t, st, http.MethodPut, "/api/admin/products/TEA-1", `{"name":"Green tea","price":"39.90","vatRate":12,"currency":"SEK"}`); status != http.StatusOK {
		t.Fatalf("PUT replace: %d %s", status, body)
	}
	if status, body = api(t, st, http.MethodPatch, "/api/admin/products/TEA-1", `{"stockChange":-3,"reason":"damaged"}`); status != http.StatusOK {
		t.Fatalf("PATCH stock: %d %s", status, body)
	}
	got, err := st.DB.Product(ctx, "TEA-1")
	if err != nil || got.Price != 3990 || got.Stock != 7 || got.ImageURL != "" {
		t.Fatalf("stored %+v, %v; want 39.90, stock 7, no image", got, err)
	}
	moves, _ := st.DB.StockMoves(ctx, "TEA-1", 0)
	if len(moves) != 2 || moves[0].Change != -3 || moves[0].By != "api" || moves[0].Reason != "damaged" {
		t.Fatalf("stock moves %+v", moves)
	}
	for _, c := range []struct {
		method, path, body string
		status             int
		want               string
	}{
		{http.MethodPatch, "/api/admin/products/TEA-1", `{"stockChange":-8}`, http.StatusConflict, "cannot be removed"},
		{http.MethodPatch, "/api/admin/products/TEA-1", `{"price":"-1"}`, http.StatusUnprocessableEntity, `"field": "price"`},
		{http.MethodPatch, "/api/admin/products/TEA-1", `{"stock":1,"stockChange":1}`, http.StatusUnprocessableEntity, `"field": "stockChange"`},
		{http.MethodPatch, "/api/admin/products/TEA-1", `{}`, http.StatusUnprocessableEntity, `"field": "body"`},
		{http.MethodPatch, "/api/admin/products/TEA-1", `{"colour":"red"}`, http.StatusUnprocessableEntity, `"field": "colour"`},
		{http.MethodPatch, "/api/admin/products/NOPE", `{"stock":1}`, http.StatusNotFound, "does not exist"},
		{http.MethodPut, "/api/admin/products/TEA-2", `{"name":"x"}`, http.StatusUnprocessableEntity, `"field": "price"`},
		{http.MethodPut, "/api/admin/products/TEA-2", `{"name":"x","price":"1.00","vatRate":25,"currency":"EUR"}`, http.StatusUnprocessableEntity, `"field": "currency"`},
		{http.MethodPut, "/api/admin/products/TEA-2", `{"sku":"OTHER","name":"x","price":"1.00","vatRate":25}`, http.StatusUnprocessableEntity, `"field": "sku"`},
		{http.MethodDelete, "/api/admin/products/NOPE", ``, http.StatusNotFound, "does not exist"},
	} {
		status, body := api(t, st, c.method, c.path, c.body)
		if status != c.status || !strings.Contains(body, c.want) {
			t.Errorf("%s %s %s = %d %s; want %d with %q", c.method, c.path, c.body, status, body, c.status, c.want)
		}
	}
	if got2, _ := st.DB.Product(ctx, "TEA-1"); got2 != got {
		t.Fatalf("refused requests changed the product: %+v", got2)
	}
	if _, err := st.DB.Product(ctx, "TEA-2"); kassa.ErrorCode(err) != kassa.ENOTFOUND {
		t.Fatalf("a refused PUT created TEA-2: %v", err)
	}

	// DELETE takes it off sale: gone from the shop, kept for the admin.
	if status, body = api(t, st, http.MethodDelete, "/api/admin/products/TEA-1", ""); status != http.StatusOK || !strings.Contains(body, `"active": false`) {
		t.Fatalf("DELETE: %d %s", status, body)
	}
	_, pub := do(t, client(t), http.MethodGet, st.URL+"/api/products", nil, nil)
	if strings.Contains(pub, "TEA-1") || !strings.Contains(pub, `"currency": "SEK"`) {
		t.Fatalf("public products: %s", pub)
	}
	if resp, _ := do(t, client(t), http.MethodGet, st.URL+"/products/TEA-1", nil, nil); resp.StatusCode != http.StatusNotFound {
		t.Fatalf("product page of a product off sale: %d", resp.StatusCode)
	}
	_, list := api(t, st, http.MethodGet, "/api/admin/products?active=false", "")
	if !strings.Contains(list, `"TEA-1"`) || strings.Contains(list, "BOOK-001") {
		t.Fatalf("admin list of products off sale: %s", list)
	}
	_, list = api(t, st, http.MethodGet, "/api/admin/products?q=husmans", "")
	if !strings.Contains(list, `"BOOK-001"`) || !strings.Contains(list, `"total": 1`) {
		t.Fatalf("admin search: %s", list)
	}
}

// TestAdminProductPages: create, edit, adjust stock with a reason, and a
// CSV upload with a bad row, which changes nothing and names the line.
func TestAdminProductPages(t *testing.T) {
	st := newStack(t)
	ctx := context.Background()
	c := client(t)
	csrf := login(t, c, st.URL)
	resp, body := postForm(t, c, st.URL+"/admin/products", url.Values{"csrf": {csrf}, "sku": {"MUG-1"},
		"name": {"Mug"}, "price": {"1 299,50"}, "vatRate": {"25"}, "stock": {"4"}, "active": {"on"}})
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/admin/products/MUG-1?done=saved" {
		t.Fatalf("create: %d %s", resp.StatusCode, body)
	}
	resp, body = postForm(t, c, st.URL+"/admin/products/MUG-1", url.Values{"csrf": {csrf},
		"name": {"Mug"}, "price": {"abc"}, "vatRate": {"25"}})
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "Enter the price including VAT") {
		t.Fatalf("bad price: %d", resp.StatusCode)
	}
	resp, _ = postForm(t, c, st.URL+"/admin/products/MUG-1/stock", url.Values{"csrf": {csrf}, "change": {"-5"}, "reason": {"broken"}})
	if resp.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("removing more than the stock: %d", resp.StatusCode)
	}
	resp, _ = postForm(t, c, st.URL+"/admin/products/MUG-1/stock", url.Values{"csrf": {csrf}, "change": {"-1"}, "reason": {"broken"}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("stock adjustment: %d", resp.StatusCode)
	}
	p, err := st.DB.Product(ctx, "MUG-1")
	if err != nil || p.Price != 129950 || p.Stock != 3 || p.Inactive {
		t.Fatalf("stored %+v, %v", p, err)
	}
	_, page := do(t, c, http.MethodGet, st.URL+"/admin/products/MUG-1", nil, nil)
	if !strings.Contains(page, "broken") || !strings.Contains(page, "new product") {
		t.Fatalf("the product page lists no stock moves:\n%s", page)
	}

	upload := func(csv string) (*http.Response, string) {
		var buf bytes.Buffer
		mw := multipart.NewWriter(&buf)
		mw.WriteField("csrf", csrf)
		fw, _ := mw.CreateFormFile("file", "prices.csv")
		fw.Write([]byte(csv))
		mw.Close()
		return do(t, c, http.MethodPost, st.URL+"/admin/products.csv", &buf, map[string]string{"Content-Type": mw.FormDataContentType()})
	}
	resp, body = upload("sku,price\nMUG-1,10.00\nBOOK-001,x\n")
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "line 3: price") {
		t.Fatalf("bad upload: %d %s", resp.StatusCode, body)
	}
	if p2, _ := st.DB.Product(ctx, "MUG-1"); p2.Price != 129950 {
		t.Fatalf("a refused upload changed a price: %+v", p2)
	}
	resp, _ = upload("sku,price\nMUG-1,10.00\n")
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("upload: %d", resp.StatusCode)
	}
	resp, body = do(t, c, http.MethodGet, st.URL+"/admin/products.csv", nil, nil)
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, "MUG-1,Mug,,10.00,25,3,true,\n") {
		t.Fatalf("export: %d %s", resp.StatusCode, body)
	}
}
