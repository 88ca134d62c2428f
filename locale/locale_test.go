package locale

import (
	"encoding/json"
	"io/fs"
	"math"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kassa-dev/kassa"
)

// areaLanguages are the languages each catalog area must have: the
// admin speaks AdminCodes, everything else every language in Codes.
func areaLanguages(area string) []string {
	if area == "admin" {
		return AdminCodes
	}
	return Codes
}

// readCatalog returns the message ids of messages/<area>.<code>.json and
// whether each is a plural (an object of forms).
func readCatalog(t *testing.T, name string) map[string]bool {
	t.Helper()
	b, err := fs.ReadFile(files, name)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	ids := map[string]bool{}
	for id, v := range m {
		_, plural := v.(map[string]any)
		ids[id] = plural
		if s, ok := v.(string); ok && strings.TrimSpace(s) == "" {
			t.Errorf("%s: %s is empty", name, id)
		}
	}
	return ids
}

// TestCatalogsComplete fails when a message of an English catalog is
// missing in any language its area speaks, when a language has a message
// English lacks, or when a placeholder differs: every language says
// every message with the same arguments.
func TestCatalogsComplete(t *testing.T) {
	names, err := fs.Glob(files, "messages/*.en.json")
	if err != nil || len(names) == 0 {
		t.Fatalf("no English catalogs: %v", err)
	}
	for _, name := range names {
		area := strings.TrimSuffix(strings.TrimPrefix(name, "messages/"), ".en.json")
		en := readCatalog(t, name)
		for _, code := range areaLanguages(area) {
			if code == "en" {
				continue
			}
			other := "messages/" + area + "." + code + ".json"
			if _, err := fs.Stat(files, other); err != nil {
				t.Errorf("%s is missing: the %s area has no %s catalog", other, area, code)
				continue
			}
			ids := readCatalog(t, other)
			for id := range en {
				if _, ok := ids[id]; !ok {
					t.Errorf("%s: %q is missing", other, id)
				}
			}
			for id := range ids {
				if _, ok := en[id]; !ok {
					t.Errorf("%s: %q is not in the English catalog", other, id)
				}
			}
		}
	}
	for _, id := range ids {
		want := placeholderNames(english.msgs[id])
		for _, code := range Codes {
			if msg, ok := langs[code].msgs[id]; ok && !slices.Equal(placeholderNames(msg), want) {
				t.Errorf("%s %s: placeholders %v, English has %v", code, id, placeholderNames(msg), want)
			}
		}
	}
}

// TestIDsInOneArea: an id is in one area only; in two, one catalog
// silently overrides the other (the storefront's "catalog.empty" and a
// file's would both be said by whichever loaded last).
func TestIDsInOneArea(t *testing.T) {
	names, err := fs.Glob(files, "messages/*.en.json")
	if err != nil {
		t.Fatal(err)
	}
	area := map[string]string{}
	for _, name := range names {
		for id := range readCatalog(t, name) {
			if other, ok := area[id]; ok {
				t.Errorf("%q is in %s and %s", id, other, name)
			}
			area[id] = name
		}
	}
}

// placeholderNames returns the sorted, distinct placeholder names of a message's
// forms.
func placeholderNames(m *message) []string {
	var out []string
	if m == nil {
		return nil
	}
	for _, form := range [][]segment{m.one, m.other} {
		for _, sg := range form {
			if sg.name != "" {
				out = append(out, sg.name)
			}
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

func TestUnknownMessageIsMarked(t *testing.T) {
	if got := Get("sv").T("no.such.message"); got != "[[no.such.message]]" {
		t.Errorf("T of an unknown id = %q", got)
	}
}

func TestMessages(t *testing.T) {
	sv, en := Get("sv"), Get("en")
	if got := sv.T("field.required", "Label", ID("label.firstName")); got != "Förnamn måste fyllas i." {
		t.Errorf("sv field.required = %q", got)
	}
	if got := en.T("field.required", "Label", ID("label.firstName")); got != "First name is required." {
		t.Errorf("en field.required = %q", got)
	}
	if got := sv.Duration(2 * time.Hour); got != "2 timmar" {
		t.Errorf("sv 2h = %q", got)
	}
	if got := en.Duration(time.Minute); got != "1 minute" {
		t.Errorf("en 1m = %q", got)
	}
	if got := en.HTML("checkout.accept_terms_html", "URL", `/t?a=1&b="x"`); !strings.Contains(string(got), `href="/t?a=1&amp;b=&#34;x&#34;"`) {
		t.Errorf("HTML does not escape its argument: %s", got)
	}
	f := Field("customer.address.firstName", "field.required", "Label", ID("label.firstName"))
	if f.Message != "First name is required." || sv.Field(f) != "Förnamn måste fyllas i." {
		t.Errorf("Field: %q, in Swedish %q", f.Message, sv.Field(f))
	}
}

// TestSaidArgument: a kassa.Said given as an argument is said, with its
// own arguments, in the language of the message it is in.
func TestSaidArgument(t *testing.T) {
	inner := Error("CONFLICT", "catalog.stock_short", "SKU", "MUG-1", "Stock", 2, "Removed", 5)
	outer := Error("CONFLICT", "catalog.on_line", "Line", 3, "Message", inner.Said)
	if want := "Line 3: Product MUG-1 has 2 in stock: 5 cannot be removed."; outer.Message != want {
		t.Errorf("English %q, want %q", outer.Message, want)
	}
	if got, want := Get("sv").Message(outer), "Rad 3: Produkten MUG-1 har 2 i lager: 5 kan inte dras av."; got != want {
		t.Errorf("Swedish %q, want %q", got, want)
	}
}

// TestProductChecksSayTheirEnglish: kassa.CheckProduct (which cannot
// import this package) names its messages; the English catalog must say
// exactly its English, or the admin's English page and the API would differ.
func TestProductChecksSayTheirEnglish(t *testing.T) {
	bad := []kassa.Product{
		{SKU: " x", Description: strings.Repeat("d", 4001), Price: -1, VATRate: -1, Stock: -1, ImageURL: "ftp://x"},
		{SKU: "x", Name: "x", Price: 1e12},
	}
	seen := 0
	for _, p := range bad {
		for _, f := range kassa.CheckProduct(p, "") {
			seen++
			if f.Said.ID == "" || english.T(f.Said.ID) != f.Message {
				t.Errorf("%s: %q says %q in English, CheckProduct %q", f.Field, f.Said.ID, english.T(f.Said.ID), f.Message)
			}
			if sv := Get("sv").Field(f); sv == f.Message || strings.HasPrefix(sv, "[[") {
				t.Errorf("%s: no Swedish for %q: %q", f.Field, f.Said.ID, sv)
			}
		}
	}
	if seen != 8 {
		t.Errorf("%d checks failed, want all 8", seen)
	}
}

func TestMoney(t *testing.T) {
	for _, tt := range []struct {
		code, cur string
		m         kassa.Money
		want      string
	}{
		{"sv", "SEK", 0, "0,00\u00a0kr"},
		{"sv", "SEK", 5, "0,05\u00a0kr"},
		{"sv", "SEK", 129900, "1\u00a0299,00\u00a0kr"},
		{"sv", "SEK", 100000000, "1\u00a0000\u00a0000,00\u00a0kr"},
		{"sv", "SEK", -4242, "−42,42\u00a0kr"},
		{"sv", "SEK", math.MinInt64, "−92\u00a0233\u00a0720\u00a0368\u00a0547\u00a0758,08\u00a0kr"},
		{"en", "SEK", 129900, "SEK\u00a01,299.00"},
		{"en", "EUR", 129900, "€1,299.00"},
		{"nb", "NOK", 129900, "1\u00a0299,00\u00a0kr"},
		{"fi", "EUR", 129900, "1\u00a0299,00\u00a0€"},
		{"da", "DKK", 129900, "1.299,00\u00a0kr."},
		{"sv", "NOK", 129900, "1\u00a0299,00\u00a0NOK"},
	} {
		if got := Get(tt.code).Money(tt.m, tt.cur); got != tt.want {
			t.Errorf("%s Money(%d %s) = %q, want %q", tt.code, int64(tt.m), tt.cur, got, tt.want)
		}
	}
	if got := Get("sv").MoneyShort(6500, "SEK"); got != "65\u00a0kr" {
		t.Errorf("MoneyShort = %q", got)
	}
	if got := Get("sv").MoneyShort(6550, "SEK"); got != "65,50\u00a0kr" {
		t.Errorf("MoneyShort of öre = %q", got)
	}
}

func TestNumbersAndDates(t *testing.T) {
	sv, en, fi, nb, da := Get("sv"), Get("en"), Get("fi"), Get("nb"), Get("da")
	if got := sv.Percent(1250); got != "12,5\u00a0%" {
		t.Errorf("sv Percent = %q", got)
	}
	if got := en.Percent(2500); got != "25%" {
		t.Errorf("en Percent = %q", got)
	}
	if got := sv.Percent(995); got != "9,95\u00a0%" {
		t.Errorf("sv Percent(995) = %q", got)
	}
	day := time.Date(2026, 12, 6, 19, 4, 0, 0, time.UTC)
	for _, tt := range []struct {
		l    *Lang
		want string
	}{
		{sv, "6 december 2026 19:04"},
		{en, "6 December 2026, 19:04"},
		{fi, "6.12.2026 klo 19.04"},
		{nb, "6. desember 2026 kl. 19:04"},
		{da, "6. december 2026 kl. 19.04"},
	} {
		if got := tt.l.DateTime(day); got != tt.want {
			t.Errorf("%s DateTime = %q, want %q", tt.l.Code(), got, tt.want)
		}
	}
	if got := sv.Int(1234567); got != "1\u00a0234\u00a0567" {
		t.Errorf("sv Int = %q", got)
	}
}

func TestChoose(t *testing.T) {
	sv := ForCountry("SE")
	for _, tt := range []struct {
		accept, cookie, want string
	}{
		{"", "", "sv"},
		{"de-DE,de;q=0.9", "", "sv"},
		{"en-US,en;q=0.9", "", "en"},
		{"nb-NO", "", "nb"},
		{"no", "", "nb"},
		{"fi-FI,fi;q=0.9,en;q=0.5", "", "fi"},
		{"da", "", "da"},
		{"sv-FI", "", "sv"},
		{"garbage;;q=x", "", "sv"},
		{"en-US", "da", "da"},
		{"en-US", "xx", "en"},
	} {
		r := httptest.NewRequest("GET", "/", nil)
		if tt.accept != "" {
			r.Header.Set("Accept-Language", tt.accept)
		}
		if tt.cookie != "" {
			r.Header.Set("Cookie", Cookie+"="+tt.cookie)
		}
		if got := Choose(r, sv).Code(); got != tt.want {
			t.Errorf("Accept-Language %q, cookie %q: %s, want %s", tt.accept, tt.cookie, got, tt.want)
		}
	}
	for country, want := range map[string]string{"SE": "sv", "NO": "nb", "FI": "fi", "DK": "da", "DE": "en"} {
		if got := ForCountry(country).Code(); got != want {
			t.Errorf("ForCountry(%s) = %s, want %s", country, got, want)
		}
	}
}

// TestMessagesAsGoI18nSaysThem: every message said without go-i18n's
// templates (message.go) comes out as go-i18n says it, in every
// language, for one and for many.
func TestMessagesAsGoI18nSaysThem(t *testing.T) {
	for _, code := range Codes {
		l := langs[code]
		for id, msg := range l.msgs {
			var args []any
			for _, form := range [][]segment{msg.one, msg.other} {
				for _, sg := range form {
					if sg.name != "" && sg.name != "Count" {
						args = append(args, sg.name, "<"+sg.name+">")
					}
				}
			}
			for _, n := range []int64{1, 5} {
				a := append(slices.Clone(args), "Count", n)
				if got, want := msg.write(l, n, a), l.localizeTemplate(id, n, a); got != want {
					t.Errorf("%s %s (%d): %q, go-i18n says %q", code, id, n, got, want)
				}
			}
		}
	}
}
