package catalog

import (
	"bufio"
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/kassa-dev/kassa"
	"github.com/kassa-dev/kassa/locale"
)

// MaxRows bounds the products of one file.
const MaxRows = 100_000

// Row is one product row of a file: the edit it asks for and the line it
// starts on (the header is line 1).
type Row struct {
	Line int
	Edit kassa.ProductEdit
}

// Read reads a products CSV: a header row naming the columns (Columns, in
// any order; sku required, the others optional) and one product per row.
// A column left out keeps what is stored of an existing product (a new
// one needs name, price and vatRate); an empty description or imageUrl
// clears it. The separator is a comma, or a semicolon when the header
// has one and no comma (a spreadsheet in Swedish); a UTF-8 byte order
// mark is skipped. Every bad cell is reported, as EINVALID with one field
// "line N: column" per problem; the rows are returned only when there is
// none.
func Read(r io.Reader) ([]Row, error) {
	br := bufio.NewReader(r)
	if bom, _ := br.Peek(3); bytes.Equal(bom, []byte("\uFEFF")) {
		br.Discard(3)
	}
	sep, err := separator(br)
	if err != nil {
		return nil, err
	}
	cr := csv.NewReader(br)
	cr.Comma, cr.FieldsPerRecord = sep, -1
	header, err := cr.Read()
	if err != nil {
		return nil, invalid([]kassa.FieldError{headerProblem(err)})
	}
	cols, fields := readHeader(header)
	if fields != nil {
		return nil, invalid(fields)
	}
	var rows []Row
	seen := map[string]int{}
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		line, _ := cr.FieldPos(0)
		if err != nil {
			fields = append(fields, csvProblem(lineField(csvLine(err, line), ""), err))
			if !errors.As(err, new(*csv.ParseError)) || len(fields) > 100 {
				break
			}
			continue
		}
		if len(rows) == MaxRows {
			fields = append(fields, locale.Field(lineField(line, ""), "catalog.max_rows", "Max", MaxRows))
			break
		}
		row, bad := readRow(cols, rec, line)
		if first, dup := seen[row.Edit.SKU]; dup && row.Edit.SKU != "" {
			bad = append(bad, locale.Field(lineField(line, "sku"), "catalog.sku_twice", "SKU", row.Edit.SKU, "Line", first))
		}
		seen[row.Edit.SKU] = line
		fields = append(fields, bad...)
		rows = append(rows, row)
	}
	if fields != nil {
		return nil, invalid(fields)
	}
	return rows, nil
}

// separator peeks at the header line: ';' when it has a semicolon and
// no comma, else ','.
func separator(br *bufio.Reader) (rune, error) {
	head, err := br.Peek(br.Size())
	if err != nil && err != io.EOF && !errors.Is(err, bufio.ErrBufferFull) {
		return 0, fmt.Errorf("catalog.Read: %w", err)
	}
	first, _, _ := bytes.Cut(head, []byte("\n"))
	if bytes.IndexByte(first, ';') >= 0 && bytes.IndexByte(first, ',') < 0 {
		return ';', nil
	}
	return ',', nil
}

// readHeader maps each column to its index; field errors for an unknown,
// repeated or missing column.
func readHeader(header []string) (map[string]int, []kassa.FieldError) {
	cols := map[string]int{}
	var fields []kassa.FieldError
	for i, h := range header {
		name := strings.TrimSpace(h)
		switch _, dup := cols[name]; {
		case !slices.Contains(Columns, name):
			fields = append(fields, locale.Field("line 1", "catalog.unknown_column", "Name", strconv.Quote(name), "Columns", strings.Join(Columns, ", ")))
		case dup:
			fields = append(fields, locale.Field("line 1", "catalog.column_twice", "Name", name))
		}
		cols[name] = i
	}
	if _, ok := cols["sku"]; !ok && fields == nil {
		fields = append(fields, locale.Field("line 1", "catalog.no_sku_column"))
	}
	return cols, fields
}

// readRow reads the cells of one record into an edit.
func readRow(cols map[string]int, rec []string, line int) (Row, []kassa.FieldError) {
	row := Row{Line: line}
	e := &row.Edit
	var fields []kassa.FieldError
	if len(rec) != len(cols) {
		return row, []kassa.FieldError{locale.Field(lineField(line, ""), "catalog.cells", "Cells", len(rec), "Columns", len(cols))}
	}
	cell := func(name string) (string, bool) {
		i, ok := cols[name]
		if !ok {
			return "", false
		}
		return rec[i], true
	}
	// A cell that does not parse: the Parse functions' errors, as the
	// catalog's messages catalog.cell.<column>.
	bad := func(col string) {
		fields = append(fields, locale.Field(lineField(line, col), "catalog.cell."+col))
	}
	e.SKU, _ = cell("sku")
	e.SKU = strings.TrimSpace(e.SKU)
	if v, ok := cell("name"); ok {
		e.Name = &v
	}
	if v, ok := cell("description"); ok {
		e.Description = &v
	}
	if v, ok := cell("imageUrl"); ok {
		v = strings.TrimSpace(v)
		e.ImageURL = &v
	}
	if v, ok := cell("price"); ok {
		m, err := ParsePrice(v)
		e.Price = &m
		if err != nil {
			bad("price")
		}
	}
	if v, ok := cell("vatRate"); ok {
		rate, err := ParseVATRate(v)
		e.VATRate = &rate
		if err != nil {
			bad("vatRate")
		}
	}
	if v, ok := cell("stock"); ok {
		n, err := ParseStock(v)
		e.Stock = &n
		if err != nil {
			bad("stock")
		}
	}
	if v, ok := cell("active"); ok {
		active, err := ParseActive(v)
		inactive := !active
		e.Inactive = &inactive
		if err != nil {
			bad("active")
		}
	}
	if fields == nil {
		fields = checkEdit(row)
	}
	return row, fields
}

// checkEdit checks an edit as the store will, as far as it can without
// the stored product: a row that sets everything is checked whole, and
// the SKU always.
func checkEdit(row Row) []kassa.FieldError {
	p := row.Edit.Apply(kassa.Product{Name: "x"})
	var fields []kassa.FieldError
	for _, f := range kassa.CheckProduct(p, "") {
		fields = append(fields, kassa.FieldError{Field: lineField(row.Line, f.Field), Message: f.Message})
	}
	return fields
}

// Import reads a products CSV and applies it to cat in one transaction
// (kassa.Catalog.UpdateProducts) by by, for reason: all of it or, when
// any row is bad, nothing. A problem the store finds is reported with the
// line of its row.
func Import(ctx context.Context, cat kassa.Catalog, r io.Reader, by, reason string) ([]kassa.Product, error) {
	rows, err := Read(r)
	if err != nil {
		return nil, err
	}
	edits := make([]kassa.ProductEdit, len(rows))
	for i, row := range rows {
		edits[i] = row.Edit
	}
	ps, err := cat.UpdateProducts(ctx, by, reason, edits)
	if err != nil {
		return nil, withLines(err, rows)
	}
	return ps, nil
}

// editField matches the store's field names, "products[3].price".
var editField = regexp.MustCompile(`^products\[(\d+)\]\.?(.*)$`)

// withLines names the rows of a store error by their lines.
func withLines(err error, rows []Row) error {
	var ke *kassa.Error
	if !errors.As(err, &ke) {
		return err
	}
	out := *ke
	out.Fields = nil
	for _, f := range ke.Fields {
		if m := editField.FindStringSubmatch(f.Field); m != nil {
			if i, _ := strconv.Atoi(m[1]); i < len(rows) {
				f.Field = lineField(rows[i].Line, m[2])
			}
		}
		out.Fields = append(out.Fields, f)
	}
	if ke.Code != kassa.EINVALID {
		for _, row := range rows {
			if strings.Contains(ke.Message, " "+row.Edit.SKU+" ") {
				said := locale.Error(ke.Code, "catalog.on_line", "Line", row.Line, "Message", sayable(ke))
				out.Message, out.Said = said.Message, said.Said
				break
			}
		}
	}
	return &out
}

// Write writes ps as a products CSV with every column, in Columns' order:
// what Read reads back into the same products.
func Write(w io.Writer, ps []kassa.Product) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(Columns); err != nil {
		return fmt.Errorf("catalog.Write: %w", err)
	}
	for _, p := range ps {
		rec := []string{p.SKU, p.Name, p.Description, p.Price.String(), FormatVATRate(p.VATRate),
			strconv.FormatInt(p.Stock, 10), strconv.FormatBool(!p.Inactive), p.ImageURL}
		if err := cw.Write(rec); err != nil {
			return fmt.Errorf("catalog.Write: %w", err)
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("catalog.Write: %w", err)
	}
	return nil
}

func invalid(fields []kassa.FieldError) *kassa.Error {
	e := locale.Error(kassa.EINVALID, "catalog.not_imported")
	e.Fields = fields
	return e
}

// lineField names a cell ("line 3: price") or a row ("line 3").
func lineField(line int, col string) string {
	if col == "" {
		return "line " + strconv.Itoa(line)
	}
	return "line " + strconv.Itoa(line) + ": " + col
}

// csvLine is the line of a parse error, else line.
func csvLine(err error, line int) int {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return pe.Line
	}
	return line
}

// csvMessages name the messages of encoding/csv's errors (their English
// is the error's text made a sentence).
var csvMessages = map[error]string{
	csv.ErrBareQuote:  "catalog.csv.bare_quote",
	csv.ErrQuote:      "catalog.csv.quote",
	csv.ErrFieldCount: "catalog.csv.field_count",
}

// csvProblem is the field error of a CSV that does not parse: a
// catalog message for encoding/csv's own errors, else the error's text.
func csvProblem(field string, err error) kassa.FieldError {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		err = pe.Err
	}
	if id, ok := csvMessages[err]; ok {
		return locale.Field(field, id)
	}
	return kassa.FieldError{Field: field, Message: sentence(err.Error())}
}

func headerProblem(err error) kassa.FieldError {
	if err == io.EOF {
		return locale.Field("line 1", "catalog.file_empty", "Header", strings.Join(Columns, ","))
	}
	return csvProblem("line 1", err)
}

// sayable is the message of e as an argument of another message: its
// Said when it names one (said in the same language), else its text.
func sayable(e *kassa.Error) any {
	if e.Said.ID != "" {
		return e.Said
	}
	return e.Message
}

// Cell parses a field that Read or Import names, "line 3: price" or
// "line 3", into its line and column (empty for a whole row), for a page
// that writes it in its own words.
func Cell(field string) (line int, column string, ok bool) {
	rest, ok := strings.CutPrefix(field, "line ")
	if !ok {
		return 0, "", false
	}
	num, column, _ := strings.Cut(rest, ": ")
	line, err := strconv.Atoi(num)
	if err != nil {
		return 0, "", false
	}
	return line, column, true
}

// sentence capitalises s and ends it with a full stop.
func sentence(s string) string {
	if s == "" {
		return s
	}
	s = strings.ToUpper(s[:1]) + s[1:]
	if !strings.HasSuffix(s, ".") {
		s += "."
	}
	return s
}
