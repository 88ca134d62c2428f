package web

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/kassa-dev/kassa"
	"github.com/kassa-dev/kassa/catalog"
	"github.com/kassa-dev/kassa/locale"
)

// Catalog management: the admin's product pages, the admin JSON API
// (GET /api/admin/products, PUT, PATCH and DELETE /api/admin/products/{sku})
// and the CSV upload and download. Every change goes through
// Catalog.UpdateProducts, which records the stock moves with who made
// them ("admin" on the pages, "api" on the API) and why.

// maxImport bounds an uploaded products CSV (about 30 000 products).
const maxImport = 8 << 20

// apiAdminProduct is a product as the admin API shows it.
type apiAdminProduct struct {
	SKU         string      `json:"sku"`
	Name        string      `json:"name"`
	Description string      `json:"description"`
	Price       string      `json:"price"`
	Currency    string      `json:"currency"`
	VATRate     json.Number `json:"vatRate"`
	Stock       int64       `json:"stock"`
	Active      bool        `json:"active"`
	ImageURL    string      `json:"imageUrl"`
}

func (s *Server) toAPIAdminProduct(p kassa.Product) apiAdminProduct {
	return apiAdminProduct{SKU: p.SKU, Name: p.Name, Description: p.Description, Price: p.Price.String(),
		Currency: s.currency(), VATRate: json.Number(catalog.FormatVATRate(p.VATRate)), Stock: p.Stock,
		Active: !p.Inactive, ImageURL: p.ImageURL}
}

// apiProductBody is the body of PUT and PATCH /api/admin/products/{sku}.
// Every field is optional to the decoder; the handlers say which they need.
type apiProductBody struct {
	SKU         *string      `json:"sku"`
	Name        *string      `json:"name"`
	Description *string      `json:"description"`
	Price       *string      `json:"price"`
	Currency    *string      `json:"currency"`
	VATRate     *json.Number `json:"vatRate"`
	Stock       *int64       `json:"stock"`
	StockChange *int64       `json:"stockChange"`
	Active      *bool        `json:"active"`
	ImageURL    *string      `json:"imageUrl"`
	Reason      string       `json:"reason"` // why the stock changes, for the stock moves
}

// edit turns the body into an edit of product sku, with a field error per
// bad value.
func (b *apiProductBody) edit(sku, currency string) (kassa.ProductEdit, []kassa.FieldError) {
	e := kassa.ProductEdit{SKU: sku, Name: b.Name, Description: b.Description, ImageURL: b.ImageURL, Stock: b.Stock}
	var fields []kassa.FieldError
	bad := func(field, msg string) { fields = append(fields, kassa.FieldError{Field: field, Message: msg}) }
	if b.SKU != nil && *b.SKU != sku {
		bad("sku", "The SKU of the body must be the SKU of the address.")
	}
	if b.Currency != nil && *b.Currency != currency {
		bad("currency", "Prices are in "+currency+", the currency of the shop's Resurs store.")
	}
	if b.Price != nil {
		m, err := kassa.ParseMoney(*b.Price)
		if err != nil || m < 0 {
			bad("price", "Give the price including VAT as a string with at most 2 decimals, e.g. \"299.00\".")
		}
		e.Price = &m
	}
	if b.VATRate != nil {
		rate, err := catalog.ParseVATRate(b.VATRate.String())
		if err != nil {
			bad("vatRate", "Give the VAT rate in percent, between 0 and 100, e.g. 25 or 12.5.")
		}
		e.VATRate = &rate
	}
	if b.Active != nil {
		inactive := !*b.Active
		e.Inactive = &inactive
	}
	if b.StockChange != nil {
		if b.Stock != nil {
			bad("stockChange", "Give either stock (the new level) or stockChange (a change), not both.")
		}
		e.StockChange = *b.StockChange
	}
	if len(b.Reason) > 200 {
		bad("reason", "At most 200 characters.")
	}
	return e, fields
}

func (s *Server) apiAdminProducts(w http.ResponseWriter, r *http.Request) error {
	ps, err := s.findProducts(r.Context(), productFilter(r))
	if err != nil {
		return err
	}
	out := struct {
		Products []apiAdminProduct `json:"products"`
		Total    int               `json:"total"`
	}{Products: []apiAdminProduct{}, Total: len(ps)}
	for _, p := range ps {
		out.Products = append(out.Products, s.toAPIAdminProduct(p))
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

func (s *Server) apiAdminProduct(w http.ResponseWriter, r *http.Request) error {
	p, err := s.cfg.Store.Product(r.Context(), r.PathValue("sku"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, s.toAPIAdminProduct(p))
	return nil
}

// apiPutProduct creates or replaces a product: name, price and vatRate
// are required; description and imageUrl left out are cleared, active
// left out is true; stock left out stays as it is (0 for a new product).
func (s *Server) apiPutProduct(w http.ResponseWriter, r *http.Request) error {
	sku := r.PathValue("sku")
	return s.idempotent(w, r, false, func(ctx context.Context, body []byte) (int, []byte) {
		var b apiProductBody
		if err := decodeProductBody(body, &b); err != nil {
			return encodeJSON(errorAnswer(err))
		}
		e, fields := b.edit(sku, s.currency())
		for name, missing := range map[string]bool{"name": b.Name == nil, "price": b.Price == nil, "vatRate": b.VATRate == nil} {
			if missing {
				fields = append(fields, kassa.FieldError{Field: name, Message: "Required: PUT gives the whole product."})
			}
		}
		if b.StockChange != nil {
			fields = append(fields, kassa.FieldError{Field: "stockChange", Message: "PUT sets the stock; change it with PATCH."})
		}
		if e.Description == nil {
			e.Description = new(string)
		}
		if e.ImageURL == nil {
			e.ImageURL = new(string)
		}
		if e.Inactive == nil {
			e.Inactive = new(bool)
		}
		_, err := s.cfg.Store.Product(ctx, sku)
		status := http.StatusOK
		if kassa.ErrorCode(err) == kassa.ENOTFOUND {
			status = http.StatusCreated
		} else if err != nil {
			return encodeJSON(errorAnswer(err))
		}
		return s.applyProductEdit(ctx, status, e, b.Reason, fields)
	})
}

// apiPatchProduct changes the fields the body names of an existing
// product: its stock (stock, or stockChange with a reason), price, or
// any other field.
func (s *Server) apiPatchProduct(w http.ResponseWriter, r *http.Request) error {
	sku := r.PathValue("sku")
	return s.idempotent(w, r, false, func(ctx context.Context, body []byte) (int, []byte) {
		var b apiProductBody
		if err := decodeProductBody(body, &b); err != nil {
			return encodeJSON(errorAnswer(err))
		}
		e, fields := b.edit(sku, s.currency())
		e.MustExist = true
		if e == (kassa.ProductEdit{SKU: sku, MustExist: true}) && b.StockChange == nil && fields == nil {
			fields = append(fields, kassa.FieldError{Field: "body", Message: "Name at least one field to change, such as price or stock."})
		}
		return s.applyProductEdit(ctx, http.StatusOK, e, b.Reason, fields)
	})
}

// apiDeleteProduct takes a product off sale. It stays in the catalog and
// on the orders that sold it; PATCH {"active":true} puts it back.
func (s *Server) apiDeleteProduct(w http.ResponseWriter, r *http.Request) error {
	sku := r.PathValue("sku")
	return s.idempotent(w, r, false, func(ctx context.Context, _ []byte) (int, []byte) {
		return s.applyProductEdit(ctx, http.StatusOK, kassa.ProductEdit{SKU: sku, Inactive: ptrTo(true), MustExist: true}, "", nil)
	})
}

// applyProductEdit stores e by the API and answers the product, or the
// errors (fields found before the store is asked come first).
func (s *Server) applyProductEdit(ctx context.Context, status int, e kassa.ProductEdit, reason string, fields []kassa.FieldError) (int, []byte) {
	if fields != nil {
		return encodeJSON(errorAnswer(&kassa.Error{Code: kassa.EINVALID, Message: "Please correct the marked fields.", Fields: fields}))
	}
	ps, err := s.cfg.Store.UpdateProducts(ctx, "api", reason, []kassa.ProductEdit{e})
	if err != nil {
		return encodeJSON(errorAnswer(unprefixed(err)))
	}
	return encodeJSON(status, s.toAPIAdminProduct(ps[0]))
}

// unprefixed drops the store's "products[0]." from the fields of a
// one-product edit, so they name the body's fields.
func unprefixed(err error) error {
	var ke *kassa.Error
	if !errors.As(err, &ke) || ke.Fields == nil {
		return err
	}
	out := *ke
	out.Fields = make([]kassa.FieldError, len(ke.Fields))
	for i, f := range ke.Fields {
		f.Field = strings.TrimPrefix(f.Field, "products[0].")
		out.Fields[i] = f
	}
	return &out
}

// decodeProductBody decodes a product body strictly; a wrong type is a
// field error.
func decodeProductBody(body []byte, b *apiProductBody) error {
	return decodeObject(body, b, "Send the product as a JSON object.")
}

// decodeObject decodes one JSON object into v, refusing unknown fields;
// a wrong type is a field error, an empty body the field error empty.
func decodeObject(body []byte, v any, empty string) error {
	if len(bytes.TrimSpace(body)) == 0 {
		return invalid("body", empty)
	}
	err := decodeOne(body, v)
	var te *json.UnmarshalTypeError
	switch {
	case err == nil:
		return nil
	case errors.As(err, new(*statusError)):
		return err
	case errors.As(err, &te):
		return invalid(te.Field, fmt.Sprintf("Must be a JSON %s.", jsonKind(te.Type.Kind().String())))
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		return invalid(strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`), "Unknown field.")
	}
	return invalid("body", "The body must be one JSON object: "+err.Error())
}

func ptrTo[T any](v T) *T { return &v }

// urlPathEscape escapes a SKU for a path segment.
func urlPathEscape(s string) string { return url.PathEscape(s) }

// productListFilter selects products for the admin's list and API.
type productListFilter struct {
	Query string // matches SKU, name or description, case-insensitively
	Show  string // "", "active" or "inactive"
}

func productFilter(r *http.Request) productListFilter {
	q := r.URL.Query()
	f := productListFilter{Query: strings.TrimSpace(q.Get("q")), Show: q.Get("show")}
	switch q.Get("active") { // the API's spelling
	case "true":
		f.Show = "active"
	case "false":
		f.Show = "inactive"
	}
	return f
}

// findProducts returns the products matching f, ordered by SKU. A shop's
// catalog is read whole and filtered here: it is small next to its orders.
func (s *Server) findProducts(ctx context.Context, f productListFilter) ([]kassa.Product, error) {
	all, err := s.cfg.Store.Products(ctx)
	if err != nil {
		return nil, err
	}
	q := strings.ToLower(f.Query)
	var out []kassa.Product
	for _, p := range all {
		switch {
		case f.Show == "active" && p.Inactive, f.Show == "inactive" && !p.Inactive:
			continue
		case q != "" && !strings.Contains(strings.ToLower(p.SKU+"\n"+p.Name+"\n"+p.Description), q):
			continue
		}
		out = append(out, p)
	}
	return out, nil
}

// The admin pages.

type productsPage struct {
	Filter   productListFilter
	Products []kassa.Product
	Currency string
	Notice   string
	Problem  string
	Errors   []importProblem // of a refused import
}

// importProblem is one problem of a refused file, in the page's language:
// where ("line 3: price") and what.
type importProblem struct{ Field, Message string }

func (*productsPage) title(l *locale.Lang) string { return l.T("admin.products.title") }

// Count is the number of products listed, for the template's N.
func (p *productsPage) Count() int64 { return int64(len(p.Products)) }

func (s *Server) handleAdminProducts(w http.ResponseWriter, r *http.Request) error {
	p := &productsPage{Filter: productFilter(r), Currency: s.currency(), Notice: noticeText(s.lang(r), r.URL.Query().Get("done"))}
	var err error
	if p.Products, err = s.findProducts(r.Context(), p.Filter); err != nil {
		return err
	}
	s.render(w, r, http.StatusOK, "products", p)
	return nil
}

// noticeText is the line shown in l after a redirect from a change.
func noticeText(l *locale.Lang, done string) string {
	switch {
	case done == "saved":
		return l.T("admin.product.saved")
	case done == "stock":
		return l.T("admin.product.stock_changed")
	case strings.HasPrefix(done, "import-"):
		if n, err := strconv.ParseInt(strings.TrimPrefix(done, "import-"), 10, 64); err == nil && n >= 0 {
			return l.N("admin.products.imported", n)
		}
	}
	return ""
}

// handleAdminExport downloads the catalog as CSV.
func (s *Server) handleAdminExport(w http.ResponseWriter, r *http.Request) error {
	ps, err := s.cfg.Store.Products(r.Context())
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	if err := catalog.Write(&buf, ps); err != nil {
		return err
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="products.csv"`)
	_, _ = w.Write(buf.Bytes())
	return nil
}

// handleAdminImport applies an uploaded CSV: all of it, or nothing with
// every bad row named by its line.
func (s *Server) handleAdminImport(w http.ResponseWriter, r *http.Request) error {
	f, hdr, err := r.FormFile("file")
	if err != nil {
		return s.importProblem(w, r, s.lang(r).T("admin.products.choose_file"), nil)
	}
	defer f.Close()
	ps, err := catalog.Import(r.Context(), s.cfg.Store, f, "admin", "import "+hdr.Filename)
	if code := kassa.ErrorCode(err); code == kassa.EINVALID || code == kassa.ENOTFOUND || code == kassa.ECONFLICT {
		var ke *kassa.Error
		errors.As(err, &ke)
		return s.importProblem(w, r, s.lang(r).Message(err), ke.Fields)
	} else if err != nil {
		return err
	}
	http.Redirect(w, r, "/admin/products?done=import-"+strconv.Itoa(len(ps)), http.StatusSeeOther)
	return nil
}

// importProblem shows the products page with the problem msg of an
// upload and the problems of its rows, said in the request's language.
func (s *Server) importProblem(w http.ResponseWriter, r *http.Request, msg string, fields []kassa.FieldError) error {
	l := s.lang(r)
	p := &productsPage{Currency: s.currency(), Problem: msg}
	for _, f := range fields {
		p.Errors = append(p.Errors, importProblem{Field: cellName(l, f.Field), Message: l.Field(f)})
	}
	var err error
	if p.Products, err = s.findProducts(r.Context(), p.Filter); err != nil {
		return err
	}
	s.render(w, r, http.StatusUnprocessableEntity, "products", p)
	return nil
}

// productForm is the admin's product form: new (New) or edit, with the
// stock adjustment and the latest stock moves of an existing product.
type productForm struct {
	New      bool
	Product  kassa.Product
	Price    string // as typed
	VATRate  string
	Stock    string
	Currency string
	Moves    []kassa.StockMove
	Notice   string
	Problem  string
	Errors   map[string]string
}

// cellName writes the place of a file's problem in l: "rad 3: price"
// (the column keeps the name the file's header gives it).
func cellName(l *locale.Lang, field string) string {
	line, column, ok := catalog.Cell(field)
	switch {
	case !ok:
		return field
	case column == "":
		return l.T("admin.products.line", "Line", line)
	}
	return l.T("admin.products.line_column", "Line", line, "Column", column)
}

func (p *productForm) title(l *locale.Lang) string {
	if p.New {
		return l.T("admin.product.new")
	}
	return p.Product.Name
}

// Err is the message of a field, for the template.
func (p *productForm) Err(field string) string { return p.Errors[field] }

func (s *Server) handleAdminNewProduct(w http.ResponseWriter, r *http.Request) error {
	s.render(w, r, http.StatusOK, "product_edit", &productForm{New: true, VATRate: "25", Stock: "0", Currency: s.currency()})
	return nil
}

func (s *Server) handleAdminProduct(w http.ResponseWriter, r *http.Request) error {
	p, err := s.cfg.Store.Product(r.Context(), r.PathValue("sku"))
	if err != nil {
		return err
	}
	form := &productForm{Product: p, Price: p.Price.String(), VATRate: catalog.FormatVATRate(p.VATRate),
		Stock: strconv.FormatInt(p.Stock, 10), Currency: s.currency(), Notice: noticeText(s.lang(r), r.URL.Query().Get("done"))}
	if form.Moves, err = s.cfg.Store.StockMoves(r.Context(), p.SKU, 20); err != nil {
		return err
	}
	s.render(w, r, http.StatusOK, "product_edit", form)
	return nil
}

// handleAdminSaveProduct creates (POST /admin/products) or saves (POST
// /admin/products/{sku}) a product from the form. The stock is set only
// when a product is created; afterwards it changes by adjustments.
func (s *Server) handleAdminSaveProduct(w http.ResponseWriter, r *http.Request) error {
	l := s.lang(r)
	sku := r.PathValue("sku")
	isNew := sku == ""
	if isNew {
		sku = strings.TrimSpace(r.PostFormValue("sku"))
	}
	form := &productForm{New: isNew, Currency: s.currency(), Errors: map[string]string{},
		Price: r.PostFormValue("price"), VATRate: r.PostFormValue("vatRate"), Stock: r.PostFormValue("stock")}
	name, desc, img := strings.TrimSpace(r.PostFormValue("name")), strings.TrimSpace(r.PostFormValue("description")),
		strings.TrimSpace(r.PostFormValue("imageUrl"))
	inactive := r.PostFormValue("active") != "on"
	e := kassa.ProductEdit{SKU: sku, Name: &name, Description: &desc, ImageURL: &img, Inactive: &inactive, MustExist: !isNew}
	price, err := catalog.ParsePrice(form.Price)
	if err != nil {
		form.Errors["price"] = l.T("admin.product.err.price")
	}
	rate, err := catalog.ParseVATRate(form.VATRate)
	if err != nil {
		form.Errors["vatRate"] = l.T("admin.product.err.vat_rate")
	}
	e.Price, e.VATRate = &price, &rate
	if isNew {
		stock, err := catalog.ParseStock(form.Stock)
		if err != nil {
			form.Errors["stock"] = l.T("admin.product.err.stock")
		}
		e.Stock = &stock
		if _, err := s.cfg.Store.Product(r.Context(), sku); err == nil {
			form.Errors["sku"] = l.T("admin.product.err.sku_taken")
		}
	}
	form.Product = e.Apply(kassa.Product{})
	if len(form.Errors) == 0 {
		_, err = s.cfg.Store.UpdateProducts(r.Context(), "admin", "new product", []kassa.ProductEdit{e})
		if err == nil {
			http.Redirect(w, r, "/admin/products/"+urlPathEscape(sku)+"?done=saved", http.StatusSeeOther)
			return nil
		}
		if kassa.ErrorCode(err) != kassa.EINVALID {
			return err
		}
		var ke *kassa.Error
		errors.As(unprefixed(err), &ke)
		for _, f := range ke.Fields {
			form.Errors[f.Field] = l.Field(f)
		}
	}
	if !isNew {
		if old, err := s.cfg.Store.Product(r.Context(), sku); err == nil {
			form.Product.Stock = old.Stock
		}
	}
	form.Problem = l.T("admin.product.not_saved")
	s.render(w, r, http.StatusUnprocessableEntity, "product_edit", form)
	return nil
}

// handleAdminStock adjusts a product's stock by a signed number of units,
// with a reason, recorded as a stock move.
func (s *Server) handleAdminStock(w http.ResponseWriter, r *http.Request) error {
	l := s.lang(r)
	sku := r.PathValue("sku")
	change, err := strconv.ParseInt(strings.TrimSpace(strings.Replace(r.PostFormValue("change"), "−", "-", 1)), 10, 64)
	reason := strings.TrimSpace(r.PostFormValue("reason"))
	problem := ""
	switch {
	case err != nil || change == 0:
		problem = l.T("admin.product.err.change")
	case reason == "" || len(reason) > 200:
		problem = l.T("admin.product.err.reason")
	}
	if problem == "" {
		_, err = s.cfg.Store.UpdateProducts(r.Context(), "admin", reason, []kassa.ProductEdit{{SKU: sku, StockChange: change, MustExist: true}})
		switch kassa.ErrorCode(err) {
		case "":
			http.Redirect(w, r, "/admin/products/"+urlPathEscape(sku)+"?done=stock", http.StatusSeeOther)
			return nil
		case kassa.ECONFLICT:
			problem = l.Message(err)
		default:
			return err
		}
	}
	p, err := s.cfg.Store.Product(r.Context(), sku)
	if err != nil {
		return err
	}
	form := &productForm{Product: p, Price: p.Price.String(), VATRate: catalog.FormatVATRate(p.VATRate),
		Stock: strconv.FormatInt(p.Stock, 10), Currency: s.currency(), Problem: problem}
	if form.Moves, err = s.cfg.Store.StockMoves(r.Context(), p.SKU, 20); err != nil {
		return err
	}
	s.render(w, r, http.StatusUnprocessableEntity, "product_edit", form)
	return nil
}
