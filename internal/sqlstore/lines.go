package sqlstore

import (
	"errors"
	"fmt"
	"math"
	"strings"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/kassa-dev/kassa"
)

// DecodeLines decodes the lines a single-order read aggregates as JSON:
// an array of arrays [position, type, sku, description, quantity,
// unit_price, vat_rate, total, vat_amount] (LineColumns). It always
// returns a non-nil slice on success.
//
// It is written by hand for this one shape: for 60 lines it takes 16 µs
// and 61 allocations where encoding/json took 128 µs and 1395 through
// [][]any (with UseNumber) and 212 µs and 1333 through
// [][9]json.RawMessage (BenchmarkDecodeLines). Numbers must be integers
// and are parsed as such, never through float64: amounts are int64
// hundredths. A string without escapes is returned as a substring of s,
// so the lines share the memory of s.
func DecodeLines(s string) ([]kassa.Line, error) {
	d := lineDecoder{s: s}
	lines, err := d.lines()
	if err != nil {
		return nil, fmt.Errorf("lines: %w at offset %d of %d", err, d.i, len(s))
	}
	return lines, nil
}

// lineDecoder reads s from offset i.
type lineDecoder struct {
	s string
	i int
}

// minLineJSON is the shortest JSON of a line.
const minLineJSON = `[0,"","","",0,0,0,0,0]`

var (
	errSyntax = errors.New("malformed JSON")
	errNumber = errors.New("number is not an int64")
)

func (d *lineDecoder) lines() ([]kassa.Line, error) {
	// Every line opens one bracket after the outer one and takes at least
	// minLineJSON bytes; brackets within strings only make the capacity
	// larger than needed.
	n := min(strings.Count(d.s, "[")-1, len(d.s)/len(minLineJSON))
	lines := make([]kassa.Line, 0, max(n, 0))
	if err := d.want('['); err != nil {
		return nil, err
	}
	if d.peek() == ']' {
		d.i++
	} else {
		for {
			var l kassa.Line
			if err := d.line(&l); err != nil {
				return nil, err
			}
			lines = append(lines, l)
			if d.peek() == ']' {
				d.i++
				break
			}
			if err := d.want(','); err != nil {
				return nil, err
			}
		}
	}
	if d.peek() != 0 || d.i != len(d.s) {
		return nil, errSyntax // trailing data
	}
	return lines, nil
}

// line reads one positional array into l.
func (d *lineDecoder) line(l *kassa.Line) (err error) {
	var pos int64
	if err := d.want('['); err != nil {
		return err
	}
	ints := [...]*int64{&pos, &l.Quantity, (*int64)(&l.UnitPrice), &l.VATRate, (*int64)(&l.Total), (*int64)(&l.VATAmount)}
	strs := [...]*string{(*string)(&l.Type), &l.SKU, &l.Description}
	for k := range 9 {
		if k > 0 {
			if err := d.want(','); err != nil {
				return err
			}
		}
		switch {
		case k == 0:
			err = d.number(ints[0])
		case k <= 3:
			err = d.text(strs[k-1])
		default:
			err = d.number(ints[k-3])
		}
		if err != nil {
			return err
		}
	}
	if pos < math.MinInt || pos > math.MaxInt {
		return errNumber
	}
	l.Position = int(pos)
	return d.want(']')
}

// peek skips white space and returns the next byte, 0 at the end.
func (d *lineDecoder) peek() byte {
	for ; d.i < len(d.s); d.i++ {
		switch c := d.s[d.i]; c {
		case ' ', '\t', '\n', '\r':
		default:
			return c
		}
	}
	return 0
}

// want skips white space and the byte c, or fails.
func (d *lineDecoder) want(c byte) error {
	if d.peek() != c {
		return errSyntax
	}
	d.i++
	return nil
}

// number reads a JSON integer: an optional minus and digits, no fraction or
// exponent.
func (d *lineDecoder) number(v *int64) error {
	d.peek()
	neg := d.i < len(d.s) && d.s[d.i] == '-'
	if neg {
		d.i++
	}
	start := d.i
	var n uint64
	for ; d.i < len(d.s) && '0' <= d.s[d.i] && d.s[d.i] <= '9'; d.i++ {
		if n > (math.MaxUint64-9)/10 {
			return errNumber
		}
		n = n*10 + uint64(d.s[d.i]-'0')
	}
	switch {
	case d.i == start, d.i-start > 1 && d.s[start] == '0':
		return errSyntax
	case d.i < len(d.s) && (d.s[d.i] == '.' || d.s[d.i] == 'e' || d.s[d.i] == 'E'):
		return errNumber
	case neg && n <= 1<<63:
		*v = int64(-n)
	case !neg && n <= math.MaxInt64:
		*v = int64(n)
	default:
		return errNumber
	}
	return nil
}

// text reads a JSON string.
func (d *lineDecoder) text(v *string) error {
	if err := d.want('"'); err != nil {
		return err
	}
	// The string ends at the first quote after an even number of
	// backslashes.
	end := d.i
	for {
		q := strings.IndexByte(d.s[end:], '"')
		if q < 0 {
			return errSyntax
		}
		end += q
		k := end
		for k > d.i && d.s[k-1] == '\\' {
			k--
		}
		if (end-k)%2 == 0 {
			break
		}
		end++
	}
	if strings.IndexByte(d.s[d.i:end], '\\') < 0 {
		*v = d.s[d.i:end]
		d.i = end + 1
		return nil
	}
	// Unescaping never makes a string longer.
	return d.escaped(v, end-d.i)
}

// escaped reads the rest of a string that has an escape into at most n
// bytes.
func (d *lineDecoder) escaped(v *string, n int) error {
	var b strings.Builder
	b.Grow(n)
	for {
		run := d.i
		for d.i < len(d.s) && d.s[d.i] != '"' && d.s[d.i] != '\\' {
			d.i++
		}
		b.WriteString(d.s[run:d.i])
		if d.i+1 >= len(d.s) { // at the end, or a backslash without what it escapes
			return errSyntax
		}
		if d.s[d.i] == '"' {
			*v = b.String()
			d.i++
			return nil
		}
		e := d.s[d.i+1]
		d.i += 2
		switch e {
		case '"', '\\', '/':
			b.WriteByte(e)
		case 'b':
			b.WriteByte('\b')
		case 'f':
			b.WriteByte('\f')
		case 'n':
			b.WriteByte('\n')
		case 'r':
			b.WriteByte('\r')
		case 't':
			b.WriteByte('\t')
		case 'u':
			r, ok := d.hex4()
			if !ok {
				return errSyntax
			}
			if utf16.IsSurrogate(r) {
				// A pair is \uD8xx\uDCxx; a lone half becomes U+FFFD,
				// as in encoding/json.
				save := d.i
				if d.i+1 < len(d.s) && d.s[d.i] == '\\' && d.s[d.i+1] == 'u' {
					d.i += 2
					if r2, ok := d.hex4(); ok {
						if p := utf16.DecodeRune(r, r2); p != utf8.RuneError {
							b.WriteRune(p)
							continue
						}
					}
				}
				d.i = save
				r = utf8.RuneError
			}
			b.WriteRune(r)
		default:
			return errSyntax
		}
	}
}

// hex4 reads four hex digits.
func (d *lineDecoder) hex4() (rune, bool) {
	if d.i+4 > len(d.s) {
		return 0, false
	}
	var r rune
	for _, c := range []byte(d.s[d.i : d.i+4]) {
		switch {
		case '0' <= c && c <= '9':
			c -= '0'
		case 'a' <= c && c <= 'f':
			c -= 'a' - 10
		case 'A' <= c && c <= 'F':
			c -= 'A' - 10
		default:
			return 0, false
		}
		r = r<<4 | rune(c)
	}
	d.i += 4
	return r, true
}
