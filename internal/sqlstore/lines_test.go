package sqlstore

import (
	"encoding/json"
	"fmt"
	"math"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/kassa-dev/kassa"
)

// encodeLines writes lines the way the stores aggregate them, with
// encoding/json.
func encodeLines(t testing.TB, lines []kassa.Line) string {
	rows := [][]any{}
	for _, l := range lines {
		rows = append(rows, []any{l.Position, l.Type, l.SKU, l.Description, l.Quantity, l.UnitPrice,
			l.VATRate, l.Total, l.VATAmount})
	}
	b, err := json.Marshal(rows)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// referenceLines decodes s with encoding/json, numbers as int64 only.
func referenceLines(s string) ([]kassa.Line, error) {
	dec := json.NewDecoder(strings.NewReader(s))
	dec.UseNumber()
	var rows [][]any
	if err := dec.Decode(&rows); err != nil {
		return nil, err
	}
	if strings.Trim(s[dec.InputOffset():], " \t\r\n") != "" {
		return nil, fmt.Errorf("trailing data")
	}
	if rows == nil {
		return nil, fmt.Errorf("null")
	}
	lines := []kassa.Line{}
	for _, r := range rows {
		if len(r) != 9 {
			return nil, fmt.Errorf("%d fields", len(r))
		}
		var n [6]int64
		for i, k := range []int{0, 4, 5, 6, 7, 8} {
			num, ok := r[k].(json.Number)
			if !ok {
				return nil, fmt.Errorf("field %d is %T", k, r[k])
			}
			v, err := num.Int64()
			if err != nil {
				return nil, err
			}
			n[i] = v
		}
		var str [3]string
		for i := range str {
			v, ok := r[i+1].(string)
			if !ok {
				return nil, fmt.Errorf("field %d is %T", i+1, r[i+1])
			}
			str[i] = v
		}
		if n[0] != int64(int(n[0])) {
			return nil, fmt.Errorf("position %d", n[0])
		}
		lines = append(lines, kassa.Line{Position: int(n[0]), Type: kassa.LineType(str[0]), SKU: str[1],
			Description: str[2], Quantity: n[1], UnitPrice: kassa.Money(n[2]), VATRate: n[3],
			Total: kassa.Money(n[4]), VATAmount: kassa.Money(n[5])})
	}
	return lines, nil
}

func equalLines(a, b []kassa.Line) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

var awkward = []string{
	"", `"`, `\`, `\\"`, "\n", "a\r\nb\tc", "\x00\x01\x1f\x7f", "😀 Åsa Öberg ½ €", "\u2028\u2029",
	`</script>`, `[[1,"x"]]`, strings.Repeat("é", 200), strings.Repeat(`\"`, 100),
}

func TestDecodeLines(t *testing.T) {
	var lines []kassa.Line
	for i, s := range awkward {
		lines = append(lines, kassa.Line{Position: i - 1, Type: kassa.LineProduct, SKU: s, Description: s,
			Quantity: int64(i), UnitPrice: math.MaxInt64, VATRate: 2500, Total: math.MinInt64, VATAmount: -1})
	}
	for _, want := range [][]kassa.Line{nil, lines[:1], lines} {
		got, err := DecodeLines(encodeLines(t, want))
		if err != nil || got == nil || !equalLines(want, got) {
			t.Fatalf("DecodeLines(encoded %v) = %v, %v", want, got, err)
		}
	}
	// As SQLite and PostgreSQL spell them: white space, escapes of
	// control characters, raw UTF-8, \/ and surrogate pairs.
	for in, want := range map[string]kassa.Line{
		"[[1,\"a\",\"b\",\"c\\n\\\\\\\"\\u0001\x7f😀\",2,3,4,5,6]]": {Position: 1, Type: "a", SKU: "b",
			Description: "c\n\\\"\x01\x7f😀", Quantity: 2, UnitPrice: 3, VATRate: 4, Total: 5, VATAmount: 6},
		" [ [ -1 , \"\" , \"\" , \"\\/\\b\\f\\r\\t\\uD83D\\uDE00\\u00e9\" , 0 , 0 , 0 , 0 , -0 ] ] \n": {Position: -1,
			Description: "/\b\f\r\t😀é"},
		`[[1, "a", "", "\ud800\u0041", 1, 1, 1, 1, 1]]`: {Position: 1, Type: "a", Description: "\uFFFDA",
			Quantity: 1, UnitPrice: 1, VATRate: 1, Total: 1, VATAmount: 1},
		"[[1, \"a\", \"\", \"\xff\xfe\", 1, 1, 1, 1, 1]]": {Position: 1, Type: "a", Description: "\xff\xfe",
			Quantity: 1, UnitPrice: 1, VATRate: 1, Total: 1, VATAmount: 1},
	} {
		got, err := DecodeLines(in)
		if err != nil || len(got) != 1 || got[0] != want {
			t.Errorf("DecodeLines(%q) = %+v, %v; want %+v", in, got, err, want)
		}
	}
}

func TestDecodeLinesRefuses(t *testing.T) {
	for _, in := range []string{
		``, `null`, `{}`, `[`, `[[]]`, `[]x`, `[] []`, `[],`,
		`[[1,"a","b","c",1,1,1,1]]`,                         // 8 fields
		`[[1,"a","b","c",1,1,1,1,1,1]]`,                     // 10 fields
		`[[1,"a","b","c",1,1,1,1,1.5]]`,                     // fraction
		`[[1,"a","b","c",1,1,1,1,1.0]]`,                     // not an integer literal
		`[[1,"a","b","c",1,1,1,1,1e2]]`,                     // exponent
		`[[1,"a","b","c",1,1,1,1,01]]`,                      // leading zero
		`[[1,"a","b","c",1,1,1,1,+1]]`,                      // plus
		`[[1,"a","b","c",1,1,1,1,-]]`,                       // no digits
		`[[1,"a","b","c",1,1,1,1,"1"]]`,                     // string for a number
		`[[1,2,"b","c",1,1,1,1,1]]`,                         // number for a string
		`[[1,null,"b","c",1,1,1,1,1]]`,                      // null
		`[[1,"a","b","c",1,1,1,1,1],]`,                      // trailing comma
		`[[1,"a","b","c,1,1,1,1,1]]`,                        // unterminated string
		`[[1,"a","b","\x",1,1,1,1,1]]`,                      // bad escape
		`[[1,"a","b","\u12",1,1,1,1,1]]`,                    // short \u
		`[[1,"a","b","\u12G4",1,1,1,1,1]]`,                  // bad hex
		`[[1,"a","b","c",9223372036854775808,1,1,1,1]]`,     // > MaxInt64
		`[[1,"a","b","c",-9223372036854775809,1,1,1,1]]`,    // < MinInt64
		`[[1,"a","b","c",99999999999999999999999,1,1,1,1]]`, // > MaxUint64
		`[[1,"a","b","c",1,1,1,1,1]]` + "\x00",
	} {
		if got, err := DecodeLines(in); err == nil {
			t.Errorf("DecodeLines(%q) = %+v, want an error", in, got)
		}
	}
}

// FuzzDecodeLines checks DecodeLines against encoding/json: what that
// decodes (as lines of int64 numbers, in valid UTF-8) DecodeLines must
// decode the same.
func FuzzDecodeLines(f *testing.F) {
	f.Add(`[]`)
	f.Add(`[[1,"a","b","c\n\"\\\u00e9\ud83d\ude00",2,3,4,5,6], [7, "", "", "", -1, 0, 0, 0, 0]]`)
	for _, s := range awkward {
		f.Add(encodeLines(f, []kassa.Line{{Description: s, SKU: s}}))
	}
	f.Fuzz(func(t *testing.T, in string) {
		got, err := DecodeLines(in)
		want, refErr := referenceLines(in)
		if refErr != nil || !utf8.ValidString(in) {
			return
		}
		if err != nil || !equalLines(want, got) {
			t.Fatalf("DecodeLines(%q) = %+v, %v; encoding/json: %+v", in, got, err, want)
		}
	})
}

func BenchmarkDecodeLines(b *testing.B) {
	lines := make([]kassa.Line, 60)
	for i := range lines {
		lines[i] = kassa.Line{Position: i, Type: kassa.LineProduct, SKU: fmt.Sprint("SKU-", i),
			Description: fmt.Sprintf("Produkt %d \"special\" åäö", i), Quantity: 2, UnitPrice: 10000,
			VATRate: 2500, Total: 20000, VATAmount: 4000}
	}
	in := encodeLines(b, lines)
	b.Run("hand", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := DecodeLines(in); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("encoding-json", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := referenceLines(in); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("raw-message", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			var rows [][9]json.RawMessage
			if err := json.Unmarshal([]byte(in), &rows); err != nil {
				b.Fatal(err)
			}
			out := make([]kassa.Line, len(rows))
			for i, r := range rows {
				l := &out[i]
				for k, dst := range []any{&l.Position, &l.Type, &l.SKU, &l.Description, &l.Quantity,
					&l.UnitPrice, &l.VATRate, &l.Total, &l.VATAmount} {
					if err := json.Unmarshal(r[k], dst); err != nil {
						b.Fatal(err)
					}
				}
			}
		}
	})
}
