package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/kassa-dev/kassa/idnum"
	"github.com/kassa-dev/kassa/mapisim"
)

// TestFetchAddressAnswers: "Fetch my address" tells apart a number that is
// not valid (saying what is wrong, without asking Resurs), a number Resurs
// has no address for, and Resurs being unavailable; a valid number in any
// accepted form is sent normalised and fills in the address (after the
// redirect of post-redirect-get; refusals answer at once).
func TestFetchAddressAnswers(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, typ, id string
		fault         bool // getAddress answers 503
		status        int
		want          string
	}{
		{"wrong check digit", "NATURAL", "198305147716", false, http.StatusUnprocessableEntity, idnum.ErrCheckDigit.Error()},
		{"wrong date", "NATURAL", "830230-7715", false, http.StatusUnprocessableEntity, idnum.ErrDate.Error()},
		{"too short", "NATURAL", "830514-771", false, http.StatusUnprocessableEntity, "10 or 12 digits"},
		{"organisation number for a person", "NATURAL", "699736-8573", false, http.StatusUnprocessableEntity, "This is an organisation number."},
		{"no address", "NATURAL", "198801082382", false, http.StatusOK, "No address was found for this number."},
		{"unavailable", "NATURAL", personaAccepted, true, http.StatusServiceUnavailable, "Resurs Bank cannot be reached right now"},
		{"10 digits with dash", "NATURAL", "830514-7715", false, http.StatusOK, "Glassgatan 15"},
		{"company without 16", "LEGAL", "699736-8573", false, http.StatusOK, "Pilsnerbolaget HB"},
	}
	st := newStack(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.fault {
				st.Sim.SetFaults(mapisim.Faults{Endpoints: []mapisim.EndpointFault{
					{Route: "POST /v2/customers/address/by_government_id", Error5xx: 1}}})
				defer st.Sim.SetFaults(mapisim.Faults{})
			}
			c := client(t)
			postForm(t, c, st.URL+"/cart/items", url.Values{"sku": {"BOOK-001"}, "quantity": {"1"}})
			resp, page := postForm(t, c, st.URL+"/checkout", url.Values{"customer.type": {tt.typ},
				"customer.governmentId": {tt.id}, "action": {"address"}})
			resp, page = follow(t, c, st, resp, page)
			if resp.StatusCode != tt.status || !strings.Contains(page, tt.want) {
				t.Errorf("%s: %d, want %d and %q in the page", tt.id, resp.StatusCode, tt.status, tt.want)
			}
			for _, other := range []string{"No address was found", "cannot be reached", "Glassgatan 15", "Pilsnerbolaget"} {
				if !strings.Contains(tt.want, other) && strings.Contains(page, other) {
					t.Errorf("%s: the page also says %q", tt.id, other)
				}
			}
		})
	}
}
