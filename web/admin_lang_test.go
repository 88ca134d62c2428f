package web_test

import (
	"encoding/base64"
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

// basicAuth is the admin API's Authorization header.
func basicAuth() string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte("admin:"+adminPassword))
}
