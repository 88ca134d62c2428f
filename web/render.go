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
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/kassa-dev/kassa"
	"github.com/kassa-dev/kassa/mapi"
)

//go:embed templates/*.html
var templateFS embed.FS

// parsePages parses every page template together with the layout, with
// the functions fm.
func parsePages(fm template.FuncMap) (map[string]*template.Template, error) {
	base, err := template.New("").Funcs(fm).ParseFS(templateFS, "templates/layout.html")
	if err != nil {
		return nil, err
	}
	names, err := fs.Glob(templateFS, "templates/*.html")
	if err != nil {
		return nil, err
	}
	pages := map[string]*template.Template{}
	for _, n := range names {
		name := strings.TrimSuffix(strings.TrimPrefix(n, "templates/"), ".html")
		if name == "layout" {
			continue
		}
		t, err := template.Must(base.Clone()).ParseFS(templateFS, n)
		if err != nil {
			return nil, fmt.Errorf("parse %s: %w", n, err)
		}
		pages[name] = t
	}
	return pages, nil
}

// view is what every page template receives; Data is the page's own data.
type view struct {
	Title     string
	Admin     bool // an admin page: admin navigation
	LoggedIn  bool
	CSRF      string
	CartCount int64
	Path      string
	Terms     shopTerms // the storefront footer's legal links (legal.go)
	Data      any
}

type titled interface{ title() string }

// render executes page into a buffer first, so a template error becomes
// a clean 500 instead of half a page.
func (s *Server) render(w http.ResponseWriter, r *http.Request, status int, page string, data any) {
	v := view{Path: r.URL.Path, Data: data, Admin: strings.HasPrefix(r.URL.Path, "/admin")}
	if t, ok := data.(titled); ok {
		v.Title = t.title()
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
	t := s.pages[page]
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

func (p *errorPage) title() string { return http.StatusText(p.Status) }

var funcs = template.FuncMap{
	"money":       formatMoney,
	"kr":          func(m kassa.Money) string { return strings.TrimSuffix(formatMoney(m), ",00\u00a0kr") + "\u00a0kr" },
	"decimal":     func(d mapi.Decimal) string { return formatMoney(kassa.Money(d.Hundredths())) },
	"vat":         formatVAT,
	"mask":        maskID,
	"legalURL":    legalURL,
	"legalName":   legalName,
	"words":       statusWords,
	"statusText":  func(s kassa.Status) string { return strings.ReplaceAll(string(s), "-", " ") },
	"add":         func(a, b int) int { return a + b },
	"str":         func(v any) string { return fmt.Sprint(v) },
	"query":       url.QueryEscape,
	"countryName": countryName,
}

// countryName is the English name of a country Resurs serves.
func countryName(code string) string {
	switch code {
	case "SE":
		return "Sweden"
	case "NO":
		return "Norway"
	case "FI":
		return "Finland"
	case "DK":
		return "Denmark"
	}
	return code
}

// templateFuncs are funcs with the ones that depend on the server's
// settings: when and whensec write a time in the shop's time zone, with
// the zone's abbreviation ("2026-12-06 19:04 CET").
func (s *Server) templateFuncs() template.FuncMap {
	fm := template.FuncMap{
		"when":    func(t time.Time) string { return formatTime(t, s.zone.get(), false) },
		"whensec": func(t time.Time) string { return formatTime(t, s.zone.get(), true) },
		// shopCountry is the country of the shop's Resurs store.
		"shopCountry": s.country,
	}
	maps.Copy(fm, funcs)
	return fm
}

// formatTime writes t in loc to the minute, or to the second, with the
// zone's abbreviation.
func formatTime(t time.Time, loc *time.Location, seconds bool) string {
	if seconds {
		return t.In(loc).Format("2006-01-02 15:04:05 MST")
	}
	return t.In(loc).Format("2006-01-02 15:04 MST")
}

// formatMoney writes 129900 as "1 299,00 kr" (Swedish grouping, no-break spaces).
func formatMoney(m kassa.Money) string {
	var plain [24]byte
	s := m.Append(plain[:0]) // "-1299.00"
	var buf [48]byte
	b := buf[:0]
	if s[0] == '-' {
		b, s = append(b, "−"...), s[1:]
	}
	whole, frac := s[:len(s)-3], s[len(s)-2:]
	for i, c := range whole {
		if i > 0 && (len(whole)-i)%3 == 0 {
			b = append(b, "\u00a0"...)
		}
		b = append(b, c)
	}
	b = append(append(b, ','), frac...)
	return string(append(b, "\u00a0kr"...))
}

// formatVAT writes a rate in hundredths of a percent: 2500 → "25 %", 1250 → "12.5 %".
func formatVAT(rate int64) string {
	return vatNumber(rate) + "\u00a0%"
}

// vatNumber writes 2500 as "25" and 1250 as "12.5": a percent, exactly.
func vatNumber(rate int64) string {
	s := fmt.Sprintf("%d.%02d", rate/100, rate%100)
	s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	return s
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

func legalName(t mapi.LegalLinkType) string {
	switch t {
	case mapi.LegalSECCI:
		return "Standard European Consumer Credit Information (SECCI)"
	case mapi.LegalPriceInfo:
		return "Price information"
	case mapi.LegalGeneralTerms:
		return "General terms"
	}
	return strings.ToLower(string(t))
}

// statusWords says what an order's status means, for its customer.
func statusWords(st kassa.Status) string {
	switch st {
	case kassa.StatusProcessing, kassa.StatusCompleted:
		return "paid"
	case kassa.StatusPending, kassa.StatusOnHold:
		return "awaiting Resurs' decision"
	case kassa.StatusFailed:
		return "not paid: the payment was declined"
	case kassa.StatusCancelled:
		return "not paid: the payment was cancelled"
	case kassa.StatusRefunded:
		return "refunded"
	}
	return string(st)
}

type ctxKey int

const sessionCtxKey ctxKey = 1

func contextWithSession(ctx context.Context, sess adminSession) context.Context {
	return context.WithValue(ctx, sessionCtxKey, sess)
}

func urlQueryEscape(s string) string { return url.QueryEscape(s) }
