// Package mail renders kassa's order e-mails and sends them over SMTP.
//
// Every text a reader sees is in templates/<lang>/, one directory for
// each language the storefront speaks (locale.Codes): for each kind of
// mail (kassa.MailKind) a <kind>.txt that defines the subject and the
// plain-text body (text/template) and a <kind>.html that defines the HTML
// body (html/template), plus common.txt and common.html with what the
// kinds share (the order summary, the page around the HTML body). A new
// language is a new directory with the same files: NewRenderer loads
// every directory and refuses one that lacks a file, or a language of
// locale.Codes without a directory. The templates write money and dates
// with the funcs money and date, bound when a mail is rendered to its
// language in the store's country (locale.Lang.In) and the order's
// currency.
package mail

import (
	"bytes"
	"embed"
	"fmt"
	htmltemplate "html/template"
	"io/fs"
	"strings"
	"sync"
	texttemplate "text/template"
	"time"
	_ "time/tzdata" // the store country's zone must load whatever zone files the host has

	"github.com/kassa-dev/kassa"
	"github.com/kassa-dev/kassa/locale"
)

//go:embed templates
var files embed.FS

// DefaultLang is the language every renderer must have: English.
const DefaultLang = "en"

// Content is a rendered mail.
type Content struct {
	Subject string
	Text    string // plain-text body
	HTML    string // HTML body
}

// Data is what the templates of a mail are given.
type Data struct {
	Order  *kassa.Order
	Amount kassa.Money // the refunded amount, in a refund mail
	Shop   string      // the shop's name, e.g. its host name
	// Country is the store's country (SE, NO, FI, DK): money and numbers
	// are written as its language does (locale.Lang.In) and dates in its
	// time zone.
	Country  string
	OrderURL string // the customer's page of the order
	AdminURL string // the shop owner's admin page of the order
	Endpoint string // a webhook endpoint's URL (webhook-disabled)
	Reason   string // why it was disabled
}

// Renderer renders the mails of every language it has templates for. It
// is safe for concurrent use.
type Renderer struct {
	langs map[string]map[kassa.MailKind]kind
	// bound holds the templates of a binding with their funcs bound
	// (*kind); a shop has one country and currency, so a handful.
	bound sync.Map
}

// binding is what a mail's templates are bound to: the language and kind
// of the mail, the store's country and the order's currency.
type binding struct {
	lang, country, currency string
	kind                    kassa.MailKind
}

// kind is the parsed templates of one kind of mail in one language.
type kind struct {
	text *texttemplate.Template // "subject", "text"
	html *htmltemplate.Template // "html"
}

// funcs are the functions the templates may call, as parsed; Render
// binds them to the mail's language, country and currency (Data.funcs).
var funcs = map[string]any{
	"money": func(kassa.Money) string { return "" },
	"date":  func(time.Time) string { return "" },
}

// NewRenderer parses the embedded templates of every language.
func NewRenderer() (*Renderer, error) { return newRenderer(files) }

// newRenderer parses the templates of every language in fsys, which
// holds a templates directory.
func newRenderer(fsys fs.FS) (*Renderer, error) {
	dirs, err := fs.ReadDir(fsys, "templates")
	if err != nil {
		return nil, fmt.Errorf("mail: %w", err)
	}
	r := &Renderer{langs: map[string]map[kassa.MailKind]kind{}}
	for _, d := range dirs {
		kinds, err := parseLang(fsys, d.Name())
		if err != nil {
			return nil, err
		}
		r.langs[d.Name()] = kinds
	}
	for _, code := range append([]string{DefaultLang}, locale.Codes...) {
		if r.langs[code] == nil {
			return nil, fmt.Errorf("mail: no templates for %q", code)
		}
	}
	return r, nil
}

// parseLang parses the templates of every kind in language lang.
func parseLang(fsys fs.FS, lang string) (map[kassa.MailKind]kind, error) {
	dir := "templates/" + lang + "/"
	kinds := map[kassa.MailKind]kind{}
	for _, k := range kassa.MailKinds {
		text, err := texttemplate.New("").Funcs(funcs).ParseFS(fsys, dir+"common.txt", dir+string(k)+".txt")
		if err != nil {
			return nil, fmt.Errorf("mail: %s: %w", lang, err)
		}
		html, err := htmltemplate.New("").Funcs(funcs).ParseFS(fsys, dir+"common.html", dir+string(k)+".html")
		if err != nil {
			return nil, fmt.Errorf("mail: %s: %w", lang, err)
		}
		kinds[k] = kind{text: text, html: html}
	}
	return kinds, nil
}

// Has reports whether r has templates for lang.
func (r *Renderer) Has(lang string) bool { return r.langs[lang] != nil }

// newBinding is what the mail of kind k in language lang about d is
// rendered with.
func newBinding(k kassa.MailKind, lang string, d Data) binding {
	b := binding{lang: lang, country: strings.ToUpper(d.Country), kind: k}
	if d.Order != nil {
		b.currency = d.Order.Currency
	}
	return b
}

// Render renders the mail of kind k in language lang; EINVALID for a
// kind or language without templates.
func (r *Renderer) Render(k kassa.MailKind, lang string, d Data) (Content, error) {
	t, err := r.bind(newBinding(k, lang, d))
	if err != nil {
		return Content{}, err
	}
	var subject, body, page bytes.Buffer
	if err := t.text.ExecuteTemplate(&subject, "subject", d); err != nil {
		return Content{}, fmt.Errorf("mail: render %s subject: %w", k, err)
	}
	if err := t.text.ExecuteTemplate(&body, "text", d); err != nil {
		return Content{}, fmt.Errorf("mail: render %s text: %w", k, err)
	}
	if err := t.html.ExecuteTemplate(&page, "page", d); err != nil {
		return Content{}, fmt.Errorf("mail: render %s html: %w", k, err)
	}
	return Content{Subject: oneLine(subject.String()),
		Text: strings.TrimSpace(body.String()) + "\n", HTML: page.String()}, nil
}

// Subject renders only the subject of the mail of kind k in language
// lang: what a list of mails shows of a mail whose body is rendered when
// it is read (checkout: a kept mail).
func (r *Renderer) Subject(k kassa.MailKind, lang string, d Data) (string, error) {
	t, err := r.bind(newBinding(k, lang, d))
	if err != nil {
		return "", err
	}
	var subject bytes.Buffer
	if err := t.text.ExecuteTemplate(&subject, "subject", d); err != nil {
		return "", fmt.Errorf("mail: render %s subject: %w", k, err)
	}
	return oneLine(subject.String()), nil
}

// bind returns the templates of b with their funcs bound to it: copies
// of the parsed templates (never executed themselves, so they can be
// copied), made once per binding. Copies made at once by two mails are
// equal; one of them is kept.
func (r *Renderer) bind(b binding) (*kind, error) {
	if t, ok := r.bound.Load(b); ok {
		return t.(*kind), nil
	}
	parsed, ok := r.langs[b.lang][b.kind]
	if !ok {
		return nil, kassa.Errorf(kassa.EINVALID, "There is no %q mail in language %q.", b.kind, b.lang)
	}
	fm := b.funcs()
	text, err := parsed.text.Clone()
	if err != nil {
		return nil, fmt.Errorf("mail: bind %s: %w", b.kind, err)
	}
	html, err := parsed.html.Clone()
	if err != nil {
		return nil, fmt.Errorf("mail: bind %s: %w", b.kind, err)
	}
	t, _ := r.bound.LoadOrStore(b, &kind{text: text.Funcs(fm), html: html.Funcs(fm)})
	return t.(*kind), nil
}

// funcs are the template funcs of b: money in b's currency as b's
// language writes it in b's country, dates as the language writes them
// in the country's time zone.
func (b binding) funcs() map[string]any {
	l, zone := locale.Get(b.lang).In(b.country), zones[b.country]
	if zone == nil {
		zone = time.UTC
	}
	return map[string]any{
		"money": func(m kassa.Money) string { return l.Money(m, b.currency) },
		"date":  func(t time.Time) string { return l.Date(t.In(zone)) },
	}
}

// zones are the time zones of the Resurs stores' countries; another
// country's dates are UTC's.
var zones = func() map[string]*time.Location {
	m := map[string]*time.Location{}
	for country, name := range map[string]string{"SE": "Europe/Stockholm", "NO": "Europe/Oslo",
		"FI": "Europe/Helsinki", "DK": "Europe/Copenhagen"} {
		loc, err := time.LoadLocation(name)
		if err != nil {
			panic(fmt.Sprintf("mail: %v", err)) // never: time/tzdata is embedded
		}
		m[country] = loc
	}
	return m
}()

// oneLine joins the words of a subject with single spaces (no-break
// spaces are kept: they belong to amounts).
func oneLine(s string) string {
	return strings.Join(strings.FieldsFunc(s, func(r rune) bool { return r == ' ' || r == '\t' || r == '\r' || r == '\n' }), " ")
}
