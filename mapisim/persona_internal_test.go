package mapisim

import (
	"strings"
	"testing"

	"github.com/kassa-dev/kassa/mapi"
)

// TestPersonaAnyForm: a persona is recognised with or without the
// separators in its number, so a shop that sends Norwegian or Danish
// numbers in another form than the list still gets the persona's outcome.
func TestPersonaAnyForm(t *testing.T) {
	if len(personasByKey) != len(personas) {
		t.Fatalf("%d personas but %d keys: two numbers differ only in separators", len(personas), len(personasByKey))
	}
	s := New(Options{})
	defer s.Close()
	for id, want := range personas {
		bare := strings.NewReplacer("-", "", "+", "").Replace(id)
		for _, form := range []string{id, bare, strings.ToLower(bare)} {
			p := &payment{pay: mapi.Payment{Customer: &mapi.Customer{GovernmentID: form}}}
			if got := s.personaOf(p); got != want {
				t.Errorf("persona of %q (listed as %q) = %+v, want %+v", form, id, got, want)
			}
		}
	}
}
