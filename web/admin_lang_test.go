package web_test

import (
	"bytes"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// adminPages are the admin's pages for order id, each with a word its
// Swedish page has and its English page has not.
func adminPages(id string) []struct{ path, sv, en string } {
	return []struct{ path, sv, en string }{
		{"/admin", "Översikt", "Dashboard"},
		{"/admin/orders", "Alla statusar", "All statuses"},
		{"/admin/orders/" + id, "Betalning hos Resurs", "Payment at Resurs"},
		{"/admin/callbacks", "Behandla igen", "Process again"},
		{"/admin/actions?state=", "Åtgärder efter köpet", "After-sale actions"},
		{"/admin/emails", "Beställningsmejl", "Order e-mails"},
		{"/admin/settings", "Inställningar", "Settings"},
		{"/admin/shipping", "Rabattkoder", "Discount codes"},
		{"/admin/sessions", "Inloggade webbläsare", "Signed-in browsers"},
		{"/admin/products", "Ladda upp CSV", "Upload a CSV file"},
		{"/admin/products?show=inactive", "Inga produkter matchar", "No products match"},
		{"/admin/products/new", "Ny produkt", "New product"},
		{"/admin/products/BOOK-001", "Justera lagret", "Adjust stock"},
	}
}

// TestAdminSpeaksSwedish: a Swedish browser gets every admin page in
// Swedish, an English one in English, and no page lacks a message (a
// missing one renders as [[id]]).
func TestAdminSpeaksSwedish(t *testing.T) {
	t.Parallel()
	st := newStack(t)
	o := paidOrder(t, st)
	for _, lang := range []string{"sv", "en"} {
		c := clientIn(t, lang)
		_, page := do(t, c, http.MethodGet, st.URL+"/admin/login", nil, nil)
		wantLanguage(t, "/admin/login", page, lang, map[string]string{"sv": "Lösenord", "en": "Password"}[lang])
		login(t, c, st.URL)
		for _, p := range adminPages(itoa(o.ID)) {
			resp, page := do(t, c, http.MethodGet, st.URL+p.path, nil, nil)
			if resp.StatusCode != http.StatusOK {
				t.Errorf("%s %s: %d, want 200", lang, p.path, resp.StatusCode)
				continue
			}
			want := p.en
			if lang == "sv" {
				want = p.sv
			}
			wantLanguage(t, p.path, page, lang, want)
		}
	}
}

// TestAdminRefusalsInSwedish: the engine's refusals and the confirmation
// of an action reach a Swedish admin page in Swedish, while the JSON API
// keeps saying them in English.
func TestAdminRefusalsInSwedish(t *testing.T) {
	t.Parallel()
	st := newStack(t)
	o := paidOrder(t, st)
	c := clientIn(t, "sv")
	csrf := login(t, c, st.URL)
	base := st.URL + "/admin/orders/" + itoa(o.ID)

	resp, page := postForm(t, c, base+"/refund", url.Values{"csrf": {csrf}, "all": {"1"}})
	if resp.StatusCode != http.StatusConflict {
		t.Fatalf("refund everything before a capture: %d, want 409", resp.StatusCode)
	}
	wantLanguage(t, "refund refused", page, "sv", "Det finns inget kvar att kreditera")

	resp, page = postForm(t, c, base+"/capture", url.Values{"csrf": {csrf}, "amount": {"x"}})
	if resp.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("capture with a bad amount: %d, want 422", resp.StatusCode)
	}
	wantLanguage(t, "bad amount", page, "sv", "Ange ett positivt belopp")

	resp, page = postForm(t, c, base+"/cancel", url.Values{"csrf": {csrf}, "all": {"1"}})
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("cancel everything: %d, want a confirmation page", resp.StatusCode)
	}
	wantLanguage(t, "confirmation", page, "sv", "Ja, annullera 598,00\u00a0kr")

	resp, answer := postJSON(t, client(t), st.URL+"/api/admin/orders/"+itoa(o.ID)+"/refund", `{"all":true}`,
		map[string]string{"Authorization": basicAuth(), "Accept-Language": "sv"})
	if resp.StatusCode != http.StatusConflict || !strings.Contains(answer, "Nothing is left to refund") {
		t.Errorf("API refund before a capture: %d %s; want 409 in English", resp.StatusCode, answer)
	}
}

// TestProductRefusalsInSwedish: what is wrong with a product form, a
// stock adjustment or an uploaded file reaches a Swedish admin in
// Swedish, with the file's lines named in Swedish, while the JSON API
// keeps its English.
func TestProductRefusalsInSwedish(t *testing.T) {
	t.Parallel()
	st := newStack(t)
	c := clientIn(t, "sv")
	csrf := login(t, c, st.URL)

	resp, page := postForm(t, c, st.URL+"/admin/products", url.Values{"csrf": {csrf}, "sku": {"BOOK-001"},
		"name": {" "}, "price": {"x"}, "vatRate": {"25"}, "stock": {"1"}})
	if resp.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("a bad new product: %d, want 422", resp.StatusCode)
	}
	for _, want := range []string{"Produkten sparades inte", "Ange priset inklusive moms", "Det finns redan en produkt med det här artikelnumret"} {
		wantLanguage(t, "bad product form", page, "sv", want)
	}
	resp, page = postForm(t, c, st.URL+"/admin/products/BOOK-001", url.Values{"csrf": {csrf},
		"name": {" "}, "price": {"-1"}, "vatRate": {"25"}})
	if resp.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("a product without a name: %d, want 422", resp.StatusCode)
	}
	wantLanguage(t, "the store's field errors", page, "sv", "Ange ett namn på 1 till 200 tecken")
	wantLanguage(t, "the store's field errors", page, "sv", "Priset får inte vara negativt")

	resp, page = postForm(t, c, st.URL+"/admin/products/BOOK-001/stock", url.Values{"csrf": {csrf}, "change": {"-100000"}, "reason": {"svinn"}})
	if resp.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("removing more than the stock: %d, want 422", resp.StatusCode)
	}
	wantLanguage(t, "stock refused", page, "sv", "kan inte dras av")
	resp, page = postForm(t, c, st.URL+"/admin/products/BOOK-001/stock", url.Values{"csrf": {csrf}, "change": {"0"}, "reason": {""}})
	if resp.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("no change: %d, want 422", resp.StatusCode)
	}
	wantLanguage(t, "no change", page, "sv", "Ange ändringen i antal")

	resp, page = uploadProducts(t, c, st.URL, csrf, "sku,price,colour\n")
	if resp.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("a file with an unknown column: %d, want 422", resp.StatusCode)
	}
	wantLanguage(t, "bad header", page, "sv", "rad 1: Okänd kolumn &#34;colour&#34;; kolumnerna är sku, name")
	resp, page = uploadProducts(t, c, st.URL, csrf, "sku,price,stock\nMUG-9,10.00,1\nBOOK-001,x,1\nBOOK-001,1,1\nA,1,2,3\n")
	if resp.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("a file with bad rows: %d, want 422", resp.StatusCode)
	}
	for _, want := range []string{"Filen importerades inte: ingenting ändrades.", "rad 3: price: Ange ett pris",
		"rad 4: sku: BOOK-001 finns redan på rad 3.", "rad 5: 4 celler; rubrikraden har 3 kolumner."} {
		wantLanguage(t, "bad rows", page, "sv", want)
	}
	resp, page = uploadProducts(t, c, st.URL, csrf, "sku,price\nMUG-9,10.00\n")
	if resp.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("a new product without a name: %d, want 422", resp.StatusCode)
	}
	wantLanguage(t, "store refusal", page, "sv", "rad 2: sku: Produkten MUG-9 finns inte: en ny produkt behöver namn, pris och moms.")
	resp, _ = uploadProducts(t, c, st.URL, csrf, "sku,price\nBOOK-001,10.00\n")
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("a good file: %d, want 303", resp.StatusCode)
	}
	_, page = do(t, c, http.MethodGet, st.URL+resp.Header.Get("Location"), nil, nil)
	wantLanguage(t, "imported", page, "sv", "Filen har importerats: 1 produkt.")

	resp, answer := do(t, client(t), http.MethodPatch, st.URL+"/api/admin/products/BOOK-001", strings.NewReader(`{"name":""}`),
		map[string]string{"Authorization": basicAuth(), "Accept-Language": "sv", "Content-Type": "application/json"})
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(answer, "A name of 1 to 200 characters is required.") {
		t.Errorf("API: %d %s; want 422 with the field error in English", resp.StatusCode, answer)
	}
}

// uploadProducts posts csv as the admin's products file.
func uploadProducts(t *testing.T, c *http.Client, base, csrf, csv string) (*http.Response, string) {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	if err := mw.WriteField("csrf", csrf); err != nil {
		t.Fatal(err)
	}
	fw, err := mw.CreateFormFile("file", "products.csv")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := fw.Write([]byte(csv)); err != nil {
		t.Fatal(err)
	}
	if err := mw.Close(); err != nil {
		t.Fatal(err)
	}
	return do(t, c, http.MethodPost, base+"/admin/products.csv", &buf, map[string]string{"Content-Type": mw.FormDataContentType()})
}

// wantLanguage fails t unless page is in lang, says want and lacks no
// message.
func wantLanguage(t *testing.T, what, page, lang, want string) {
	t.Helper()
	if !strings.Contains(page, `<html lang="`+lang+`">`) {
		t.Errorf("%s: not a page in %s", what, lang)
	}
	if !strings.Contains(page, want) {
		t.Errorf("%s (%s): the page does not say %q", what, lang, want)
	}
	if i := strings.Index(page, "[["); i >= 0 {
		t.Errorf("%s (%s): a message is missing: %s", what, lang, page[i:min(len(page), i+80)])
	}
}
