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
		return nil, invalid([]kassa.FieldError{{Field: "line 1", Message: headerMessage(err)}})
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
			fields = append(fields, kassa.FieldError{Field: lineField(csvLine(err, line), ""), Message: csvMessage(err)})
			if !errors.As(err, new(*csv.ParseError)) || len(fields) > 100 {
				break
			}
			continue
		}
		if len(rows) == MaxRows {
			fields = append(fields, kassa.FieldError{Field: lineField(line, ""), Message: fmt.Sprintf("At most %d products per file.", MaxRows)})
			break
		}
		row, bad := readRow(cols, rec, line)
		if first, dup := seen[row.Edit.SKU]; dup && row.Edit.SKU != "" {
			bad = append(bad, kassa.FieldError{Field: lineField(line, "sku"), Message: fmt.Sprintf("%s is on line %d already.", row.Edit.SKU, first)})
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
			fields = append(fields, kassa.FieldError{Field: "line 1", Message: fmt.Sprintf("Unknown column %q; the columns are %s.", name, strings.Join(Columns, ", "))})
		case dup:
			fields = append(fields, kassa.FieldError{Field: "line 1", Message: fmt.Sprintf("Column %s appears twice.", name)})
		}
		cols[name] = i
	}
	if _, ok := cols["sku"]; !ok && fields == nil {
		fields = append(fields, kassa.FieldError{Field: "line 1", Message: "The header must name a sku column."})
	}
	return cols, fields
}

// readRow reads the cells of one record into an edit.
func readRow(cols map[string]int, rec []string, line int) (Row, []kassa.FieldError) {
	row := Row{Line: line}
	e := &row.Edit
	var fields []kassa.FieldError
	if len(rec) != len(cols) {
		return row, []kassa.FieldError{{Field: lineField(line, ""), Message: fmt.Sprintf("%d cells; the header names %d columns.", len(rec), len(cols))}}
	}
	cell := func(name string) (string, bool) {
		i, ok := cols[name]
		if !ok {
			return "", false
		}
		return rec[i], true
	}
	bad := func(col string, err error) {
		fields = append(fields, kassa.FieldError{Field: lineField(line, col), Message: sentence(err.Error())})
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
			bad("price", err)
		}
	}
	if v, ok := cell("vatRate"); ok {
		rate, err := ParseVATRate(v)
		e.VATRate = &rate
		if err != nil {
			bad("vatRate", err)
		}
	}
	if v, ok := cell("stock"); ok {
		n, err := ParseStock(v)
		e.Stock = &n
		if err != nil {
			bad("stock", err)
		}
	}
	if v, ok := cell("active"); ok {
		active, err := ParseActive(v)
		inactive := !active
		e.Inactive = &inactive
		if err != nil {
			bad("active", err)
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
				out.Message = fmt.Sprintf("Line %d: %s", row.Line, ke.Message)
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
	return &kassa.Error{Code: kassa.EINVALID, Message: "The file was not imported: nothing was changed.", Fields: fields}
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

func csvMessage(err error) string {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return sentence(pe.Err.Error())
	}
	return sentence(err.Error())
}

func headerMessage(err error) string {
	if err == io.EOF {
		return "The file is empty: it needs a header row such as " + strings.Join(Columns, ",") + "."
	}
	return csvMessage(err)
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
