// Package mail renders kassa's order e-mails and sends them over SMTP.
//
// Every text a reader sees is in templates/<lang>/: for each kind of mail
// (kassa.MailKind) a <kind>.txt that defines the subject and the
// plain-text body (text/template) and a <kind>.html that defines the HTML
// body (html/template), plus common.txt and common.html with what the
// kinds share (the order summary, the page around the HTML body). A new
// language is a new directory with the same files: NewRenderer loads
// every directory and refuses one that lacks a file.
package mail

import (
	"bytes"
	"embed"
	"fmt"
	htmltemplate "html/template"
	"io/fs"
	"strings"
	texttemplate "text/template"

	"github.com/kassa-dev/kassa"
)

//go:embed templates
var files embed.FS

// DefaultLang is the language of a mail whose reader's language is not
// known.
const DefaultLang = "en"

// Content is a rendered mail.
type Content struct {
	Subject string
	Text    string // plain-text body
	HTML    string // HTML body
}

// Data is what the templates of a mail are given.
type Data struct {
	Order    *kassa.Order
	Amount   kassa.Money // the refunded amount, in a refund mail
	Shop     string      // the shop's name, e.g. its host name
	OrderURL string      // the customer's page of the order
	AdminURL string      // the shop owner's admin page of the order
	Endpoint string      // a webhook endpoint's URL (webhook-disabled)
	Reason   string      // why it was disabled
}

// Renderer renders the mails of every language it has templates for. It
// is safe for concurrent use.
type Renderer struct {
	langs map[string]map[kassa.MailKind]kind
}

// kind is the parsed templates of one kind of mail in one language.
type kind struct {
	text *texttemplate.Template // "subject", "text"
	html *htmltemplate.Template // "html"
}

// funcs are the functions the templates may call.
var funcs = map[string]any{"money": Money}

// NewRenderer parses the embedded templates of every language.
func NewRenderer() (*Renderer, error) {
	dirs, err := fs.ReadDir(files, "templates")
	if err != nil {
		return nil, fmt.Errorf("mail: %w", err)
	}
	r := &Renderer{langs: map[string]map[kassa.MailKind]kind{}}
	for _, d := range dirs {
		kinds, err := parseLang(d.Name())
		if err != nil {
			return nil, err
		}
		r.langs[d.Name()] = kinds
	}
	if r.langs[DefaultLang] == nil {
		return nil, fmt.Errorf("mail: no templates for %q", DefaultLang)
	}
	return r, nil
}

// parseLang parses the templates of every kind in language lang.
func parseLang(lang string) (map[kassa.MailKind]kind, error) {
	dir := "templates/" + lang + "/"
	kinds := map[kassa.MailKind]kind{}
	for _, k := range kassa.MailKinds {
		text, err := texttemplate.New("").Funcs(funcs).ParseFS(files, dir+"common.txt", dir+string(k)+".txt")
		if err != nil {
			return nil, fmt.Errorf("mail: %s: %w", lang, err)
		}
		html, err := htmltemplate.New("").Funcs(funcs).ParseFS(files, dir+"common.html", dir+string(k)+".html")
		if err != nil {
			return nil, fmt.Errorf("mail: %s: %w", lang, err)
		}
		kinds[k] = kind{text: text, html: html}
	}
	return kinds, nil
}

// Has reports whether r has templates for lang.
func (r *Renderer) Has(lang string) bool { return r.langs[lang] != nil }

// Render renders the mail of kind k in language lang; EINVALID for a
// kind or language without templates.
func (r *Renderer) Render(k kassa.MailKind, lang string, d Data) (Content, error) {
	t, ok := r.langs[lang][k]
	if !ok {
		return Content{}, kassa.Errorf(kassa.EINVALID, "There is no %q mail in language %q.", k, lang)
	}
	var subject, text, html bytes.Buffer
	if err := t.text.ExecuteTemplate(&subject, "subject", d); err != nil {
		return Content{}, fmt.Errorf("mail: render %s subject: %w", k, err)
	}
	if err := t.text.ExecuteTemplate(&text, "text", d); err != nil {
		return Content{}, fmt.Errorf("mail: render %s text: %w", k, err)
	}
	if err := t.html.ExecuteTemplate(&html, "page", d); err != nil {
		return Content{}, fmt.Errorf("mail: render %s html: %w", k, err)
	}
	return Content{Subject: oneLine(subject.String()),
		Text: strings.TrimSpace(text.String()) + "\n", HTML: html.String()}, nil
}

// oneLine joins the words of a subject with single spaces (no-break
// spaces are kept: they belong to amounts).
func oneLine(s string) string {
	return strings.Join(strings.FieldsFunc(s, func(r rune) bool { return r == ' ' || r == '\t' || r == '\r' || r == '\n' }), " ")
}

// Money formats m as the shop's pages do: 129900 as "1 299,00 kr", with
// no-break spaces.
func Money(m kassa.Money) string {
	s := m.String() // "-1299.00"
	var b strings.Builder
	if s[0] == '-' {
		b.WriteString("−")
		s = s[1:]
	}
	whole, frac := s[:len(s)-3], s[len(s)-2:]
	for i, c := range whole {
		if i > 0 && (len(whole)-i)%3 == 0 {
			b.WriteString("\u00a0")
		}
		b.WriteRune(c)
	}
	b.WriteString("," + frac + "\u00a0kr")
	return b.String()
}
