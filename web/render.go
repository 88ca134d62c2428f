package web

import (
	"bytes"
	"context"
	"embed"
	"fmt"
	"html/template"
	"io/fs"
	"maps"
	"net/http"
	"net/url"
	"path"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/kassa-dev/kassa"
	"github.com/kassa-dev/kassa/locale"
	"github.com/kassa-dev/kassa/mapi"
)

//go:embed templates/*.html templates/legal/*.html
var templateFS embed.FS

// parsePages parses every page template together with the layout, with
// the functions fm of the language l: the pages of templates/, whose
// words are the catalog's, and the legal pages of templates/legal/, one
// file per page and language (<page>.<code>.html), being long texts.
func parsePages(fm template.FuncMap, l *locale.Lang) (map[string]*template.Template, error) {
	parse := func(t *template.Template, name string) (*template.Template, error) {
		src, err := fs.ReadFile(templateFS, name)
		if err != nil {
			return nil, err
		}
		t, err = t.New(path.Base(name)).Parse(sayConstants(l, string(src)))
		if err != nil {
			return nil, fmt.Errorf("parse %s: %w", name, err)
		}
		return t, nil
	}
	base, err := parse(template.New("").Funcs(fm), "templates/layout.html")
	if err != nil {
		return nil, err
	}
	names, err := fs.Glob(templateFS, "templates/*.html")
	if err != nil {
		return nil, err
	}
	legal, err := fs.Glob(templateFS, "templates/legal/*."+l.Code()+".html")
	if err != nil {
		return nil, err
	}
	names = append(names, legal...)
	pages := map[string]*template.Template{}
	for _, n := range names {
		name, _, _ := strings.Cut(path.Base(n), ".")
		if name == "layout" {
			continue
		}
		t, err := parse(template.Must(base.Clone()), n)
		if err != nil {
			return nil, err
		}
		pages[name] = t
	}
	return pages, nil
}

// constantMessage is a template action that says a message without
// arguments: {{T "id"}} or, for one holding markup, {{TH "id_html"}}.
var constantMessage = regexp.MustCompile(`\{\{(T|TH) "([A-Za-z0-9_.\-]+)"\}\}`)

// sayConstants writes the messages of src's actions without arguments
// into the template text, in l, so that a page does not call T through
// reflection for every fixed word it shows: the text of {{T "id"}} is
// escaped for HTML (valid in text and in a quoted attribute, the only
// places the templates put words), that of {{TH "id_html"}} is markup.
func sayConstants(l *locale.Lang, src string) string {
	return constantMessage.ReplaceAllStringFunc(src, func(action string) string {
		m := constantMessage.FindStringSubmatch(action)
		if m[1] == "TH" {
			return strings.ReplaceAll(string(l.HTML(m[2])), "{{", "{{`{{`}}")
		}
		return strings.ReplaceAll(template.HTMLEscapeString(l.T(m[2])), "{{", "{{`{{`}}")
	})
}

// view is what every page template receives; Data is the page's own data.
type view struct {
	Title     string
	Lang      string       // the page's language code, for <html lang>
	Langs     []langChoice // the language switch's choices
	Back      string       // where the language switch returns to
	Country   string       // the Resurs store's country: the one the shop delivers to
	Admin     bool         // an admin page: admin navigation
	LoggedIn  bool
	CSRF      string
	CartCount int64
	Path      string
	Terms     shopTerms // the storefront footer's legal links (legal.go)
	Data      any
	// Refresh, when set, is where the page sends the browser on after a
	// moment (a hosted checkout's outcome page: the merchant's shop).
	Refresh string
}

// refresher is a page that sends the browser on (view.Refresh).
type refresher interface{ refresh() string }

// titled is a page's data that names the page, in the page's language.
type titled interface{ title(l *locale.Lang) string }

// render executes page into a buffer first, so a template error becomes
// a clean 500 instead of half a page.
func (s *Server) render(w http.ResponseWriter, r *http.Request, status int, page string, data any) {
	v := view{Path: r.URL.Path, Data: data, Admin: strings.HasPrefix(r.URL.Path, "/admin")}
	l := s.lang(r)
	v.Lang, v.Country = l.Code(), s.country()
	v.Langs, v.Back = s.langChoices(v.Admin, l), backPath(r)
	if t, ok := data.(titled); ok {
		v.Title = t.title(l)
	}
	if rf, ok := data.(refresher); ok {
		v.Refresh = rf.refresh()
	}
	if sess, ok := s.adminSession(r); ok {
		v.LoggedIn, v.CSRF = true, s.csrfToken(sess)
	}
	s.zone.ensure(r.Context(), s.cfg.Store, s.log)
	if !v.Admin {
		v.Terms = s.terms.get(r.Context(), s.cfg.Store, s.log)
	}
	c := s.cart(r)
	v.CartCount = c.count()
	if e, ok := data.(interface{ emptyCart() bool }); ok && e.emptyCart() {
		v.CartCount = 0
	}
	t := s.pages[l.Code()][page]
	if t == nil {
		s.log.Error("render: no such page", "page", page)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	buf := pageBufs.Get().(*bytes.Buffer)
	defer putPageBuf(buf)
	if err := t.ExecuteTemplate(buf, "layout", v); err != nil {
		s.log.Error("render", "page", page, "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	// The page is complete: its length saves the chunked framing net/http
	// would add to a body of more than 2 KB.
	w.Header().Set("Content-Length", strconv.Itoa(buf.Len()))
	w.WriteHeader(status)
	_, _ = buf.WriteTo(w)
}

// pageBufs holds the buffers pages are rendered into: a page is rendered
// whole before its status is sent, and a new buffer grew (by doubling,
// copying what it held) to every page's size again.
var pageBufs = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// putPageBuf returns buf to pageBufs unless a huge page made it too large
// to keep.
func putPageBuf(buf *bytes.Buffer) {
	if buf.Cap() > 256<<10 {
		return
	}
	buf.Reset()
	pageBufs.Put(buf)
}

func (p *errorPage) title(l *locale.Lang) string {
	switch p.Status {
	case http.StatusNotFound:
		return l.T("error.not_found")
	case http.StatusForbidden:
		return l.T("error.forbidden")
	}
	return l.T("error.title")
}

var funcs = template.FuncMap{
	"mask":       maskID,
	"legalURL":   legalURL,
	"statusText": func(s kassa.Status) string { return strings.ReplaceAll(string(s), "-", " ") },
	"add":        func(a, b int) int { return a + b },
	"i64":        func(n int) int64 { return int64(n) },
	"str":        func(v any) string { return fmt.Sprint(v) },
	"query":      url.QueryEscape,
}

// templateFuncs are funcs with the ones that depend on the language l
// and the server's settings:
//
//   - T, TH and N write a message of l's catalog (locale.Lang.T, HTML, N);
//   - money, kr, decimal and vat write amounts and rates as l does, in
//     the shop's currency;
//   - date and datetime write a time in the shop's time zone as l does;
//     when and whensec write it to the minute or second for the admin's
//     tables, with the zone's abbreviation ("2026-12-06 19:04 CET");
//   - words says what an order's status means to its customer;
//   - actionKind names an after-sale action's kind for the admin.
func (s *Server) templateFuncs(l *locale.Lang) template.FuncMap {
	cur := s.currency()
	fm := template.FuncMap{
		"T":          l.T,
		"TH":         l.HTML,
		"N":          l.N,
		"money":      func(m kassa.Money) string { return l.Money(m, cur) },
		"kr":         func(m kassa.Money) string { return l.MoneyShort(m, cur) },
		"decimal":    func(d mapi.Decimal) string { return l.Money(kassa.Money(d.Hundredths()), cur) },
		"vat":        l.Percent,
		"rate":       func(d mapi.Decimal) string { return l.Percent(d.Hundredths()) },
		"date":       func(t time.Time) string { return l.Date(t.In(s.zone.get())) },
		"datetime":   func(t time.Time) string { return l.DateTime(t.In(s.zone.get())) },
		"when":       func(t time.Time) string { return formatTime(t, s.zone.get(), false) },
		"whensec":    func(t time.Time) string { return formatTime(t, s.zone.get(), true) },
		"words":      func(st kassa.Status) string { return statusWords(l, st) },
		"legalName":  func(t mapi.LegalLinkType) string { return legalName(l, t) },
		"actionKind": func(k kassa.ActionKind) string { return l.T("action.kind." + string(k)) },
	}
	maps.Copy(fm, funcs)
	return fm
}

// parseLanguages parses the pages once for every language the shop
// speaks, each with its own functions: a page's words are looked up as
// it runs, without a language argument on every call.
func (s *Server) parseLanguages() (map[string]map[string]*template.Template, error) {
	all := map[string]map[string]*template.Template{}
	for _, code := range locale.Codes {
		pages, err := parsePages(s.templateFuncs(s.langs[code]), s.langs[code])
		if err != nil {
			return nil, err
		}
		all[code] = pages
	}
	return all, nil
}

// formatTime writes t in loc to the minute, or to the second, with the
// zone's abbreviation.
func formatTime(t time.Time, loc *time.Location, seconds bool) string {
	if seconds {
		return t.In(loc).Format("2006-01-02 15:04:05 MST")
	}
	return t.In(loc).Format("2006-01-02 15:04 MST")
}

// maskID hides all but the last four characters of a government id.
func maskID(id string) string {
	if len(id) <= 4 {
		return strings.Repeat("•", len(id))
	}
	return strings.Repeat("•", len(id)-4) + id[len(id)-4:]
}

// legalURL appends the amount to links that ask for it (appendAmount).
func legalURL(l mapi.LegalLink, amount kassa.Money) string {
	if l.AppendAmount {
		return l.URL + amount.String()
	}
	return l.URL
}

// legalName names one of Resurs' legal links in l.
func legalName(l *locale.Lang, t mapi.LegalLinkType) string {
	switch t {
	case mapi.LegalSECCI:
		return l.T("legal.secci")
	case mapi.LegalPriceInfo:
		return l.T("legal.price_info")
	case mapi.LegalGeneralTerms:
		return l.T("legal.general_terms")
	}
	return strings.ToLower(string(t))
}

// statusWords says in l what an order's status means, for its customer.
func statusWords(l *locale.Lang, st kassa.Status) string {
	switch st {
	case kassa.StatusProcessing, kassa.StatusCompleted:
		return l.T("status.paid")
	case kassa.StatusPending, kassa.StatusOnHold:
		return l.T("status.awaiting")
	case kassa.StatusFailed:
		return l.T("status.declined")
	case kassa.StatusCancelled:
		return l.T("status.cancelled")
	case kassa.StatusRefunded:
		return l.T("status.refunded")
	}
	return string(st)
}

type ctxKey int

const sessionCtxKey ctxKey = 1

func contextWithSession(ctx context.Context, sess adminSession) context.Context {
	return context.WithValue(ctx, sessionCtxKey, sess)
}

func urlQueryEscape(s string) string { return url.QueryEscape(s) }

// vatNumber writes 2500 as "25" and 1250 as "12.5": a percent, exactly,
// as the JSON API writes rates.
func vatNumber(rate int64) string {
	s := fmt.Sprintf("%d.%02d", rate/100, rate%100)
	s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	return s
}
