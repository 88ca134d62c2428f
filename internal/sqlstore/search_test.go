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
