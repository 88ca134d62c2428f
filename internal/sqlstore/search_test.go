package sqlstore

import (
	"slices"
	"testing"
)

func TestSearchWords(t *testing.T) {
	for in, want := range map[string][]string{
		"Anna.Lindqvist88@Gmail.com": {"anna", "lindqvist", "88", "gmail", "com"},
		"K000042":                    {"k", "000042"},
		" Ångström  AB ":             {"ångström", "ab"},
		"%_-":                        nil,
		"7c1f":                       {"7", "c", "1", "f"},
	} {
		if got := SearchWords(in); !slices.Equal(got, want) {
			t.Errorf("SearchWords(%q) = %q, want %q", in, got, want)
		}
	}
	if got := SearchPrefix("K000042", 42); got != "k 000042 42" {
		t.Errorf("SearchPrefix = %q", got)
	}
}

func TestIsAddress(t *testing.T) {
	for q, want := range map[string]bool{
		"anna.lind@example.se":        true,
		"a@b.c":                       true,
		"anna+kassa@mail.example.com": true,
		"anna.lind@example":           false, // no dot in the domain: a beginning
		"anna.lind@example.":          false,
		"anna.lind@.se":               false,
		"@example.se":                 false,
		"anna lind@example.se":        false,
		"anna.lind example.se":        false,
		"":                            false,
	} {
		if got := isAddress(q); got != want {
			t.Errorf("isAddress(%q) = %v, want %v", q, got, want)
		}
	}
}
