// Package locale holds the languages the shop speaks: the message
// catalogs (messages/<area>.<code>.json, an area being a part of the
// shop such as its storefront or admin, read with go-i18n),
// choosing a request's language (a remembered choice, Accept-Language,
// the store's country) and writing money, numbers and dates the way a
// reader of that language expects.
//
// The storefront speaks every language in Codes; the admin speaks
// AdminCodes. English is the catalog every other is checked against
// (locale_test.go): a message missing in any language fails the tests.
// docs/languages.md tells how to add a message or a language.
package locale

import (
	"embed"
	"encoding/json"
	"fmt"
	"html/template"
	"io/fs"
	"strings"
	"time"

	"github.com/nicksnyder/go-i18n/v2/i18n"
	"golang.org/x/text/language"

	"github.com/kassa-dev/kassa"
)

//go:embed messages/*.json
var files embed.FS

// Codes are the storefront's languages, in the order the language switch
// shows them.
var Codes = []string{"sv", "en", "nb", "fi", "da"}

// AdminCodes are the admin's languages.
var AdminCodes = []string{"en", "sv"}

// Lang is one language: its messages and its ways of writing numbers
// and dates. A Lang is immutable and safe for concurrent use.
type Lang struct {
	code  string
	name  string // the language's name in itself: "Svenska"
	loc   *i18n.Localizer
	plain map[string]string   // messages without placeholders, as written
	msgs  map[string]*message // every message of the language's catalogs
	num   numberFormat
}

var (
	langs   = map[string]*Lang{}
	bundle  *i18n.Bundle
	english *Lang
	// ids are the message ids of the English catalog, for the tests.
	ids []string
)

func init() {
	bundle = i18n.NewBundle(language.English)
	bundle.RegisterUnmarshalFunc("json", json.Unmarshal)
	for _, code := range Codes {
		langs[code] = &Lang{code: code, loc: i18n.NewLocalizer(bundle, code), plain: map[string]string{},
			msgs: map[string]*message{}, num: numberFormats[code]}
	}
	names, err := fs.Glob(files, "messages/*.json")
	if err != nil {
		panic(err)
	}
	for _, name := range names {
		if err := load(name); err != nil {
			panic(fmt.Sprintf("locale: %v", err))
		}
	}
	for _, l := range langs {
		l.name = l.plain["language.name"]
	}
	english = langs["en"]
}

// load reads one catalog file, messages/<area>.<code>.json.
func load(name string) error {
	f, err := bundle.LoadMessageFileFS(files, name)
	if err != nil {
		return fmt.Errorf("catalog %s: %w", name, err)
	}
	l, ok := langs[f.Tag.String()]
	if !ok {
		return fmt.Errorf("catalog %s: language %s is not one of %v", name, f.Tag, Codes)
	}
	for _, m := range f.Messages {
		if m.Other != "" && !strings.Contains(m.Other, "{{") && m.One == "" {
			l.plain[m.ID] = m.Other
		}
		if msg, ok := compile(m); ok {
			l.msgs[m.ID] = msg
		}
		if l.code == "en" {
			ids = append(ids, m.ID)
		}
	}
	return nil
}

// Get returns the language with code, or English for a code the shop does
// not speak.
func Get(code string) *Lang {
	if l, ok := langs[code]; ok {
		return l
	}
	return english
}

// English is the language of logs, the JSON API's messages and the
// fallback for a message a catalog lacks.
func English() *Lang { return english }

// Supported reports whether the storefront speaks code.
func Supported(code string) bool { _, ok := langs[code]; return ok }

// ForCountry returns the language of a Resurs store's country: Swedish
// for SE, Norwegian (bokmål) for NO, Finnish for FI, Danish for DK and
// English for anything else.
func ForCountry(country string) *Lang {
	switch strings.ToUpper(country) {
	case "SE":
		return langs["sv"]
	case "NO":
		return langs["nb"]
	case "FI":
		return langs["fi"]
	case "DK":
		return langs["da"]
	}
	return english
}

// Code is the language's code, as <html lang> and the switch write it.
func (l *Lang) Code() string { return l.code }

// Name is the language's name in itself ("Svenska", "Suomi").
func (l *Lang) Name() string { return l.name }

// Admin returns the admin's language for a shopper language l: Swedish
// stays Swedish, every other language is English.
func (l *Lang) Admin() *Lang {
	if l.code == "sv" {
		return l
	}
	return english
}

// T returns the message id in l, with its placeholders ({{.Name}})
// filled from args, given as name, value pairs. A message l lacks is
// written in English; an id no catalog has comes back as "[[id]]", which
// the tests look for on every page.
func (l *Lang) T(id string, args ...any) string {
	if len(args) == 0 {
		if s, ok := l.plain[id]; ok {
			return s
		}
	}
	return l.localize(id, nil, args)
}

// N is T for a message with plural forms, chosen by n; the placeholder
// {{.Count}} is n.
func (l *Lang) N(id string, n int64, args ...any) string {
	return l.localize(id, n, append(args, "Count", n))
}

// HTML is T for a message that holds markup (its id ends in "_html"):
// the message is trusted, its arguments are escaped.
func (l *Lang) HTML(id string, args ...any) template.HTML {
	esc := make([]any, len(args))
	for i, a := range args {
		if m, ok := a.(ID); ok {
			a = l.T(string(m))
		}
		if i%2 == 1 {
			if h, ok := a.(template.HTML); ok {
				esc[i] = string(h)
				continue
			}
			esc[i] = template.HTMLEscapeString(fmt.Sprint(a))
			continue
		}
		esc[i] = a
	}
	return template.HTML(l.T(id, esc...))
}

// ID is a message id given as an argument of another message: T
// writes the message it names, in the same language, in its place
// ("{{.Label}} is required." with Label the id of "First name"). An
// argument of type kassa.Said (another error's message, "Line 4:
// {{.Message}}") is written likewise, with its own arguments.
type ID string

// Duration is a length of time given as an argument of a message: T
// writes it in words ("2 timmar", "90 minutes").
type Duration time.Duration

// Duration writes d in words, in whole hours when it is whole hours and
// in minutes otherwise.
func (l *Lang) Duration(d time.Duration) string {
	if d%time.Hour == 0 {
		return l.N("duration.hours", int64(d/time.Hour))
	}
	return l.N("duration.minutes", int64(d/time.Minute))
}

func (l *Lang) localize(id string, count any, args []any) string {
	msg := l.msgs[id]
	if msg == nil && l != english {
		msg = english.msgs[id] // the English text is the better answer for the reader
	}
	if msg != nil {
		return msg.write(l, count, args)
	}
	return l.localizeTemplate(id, count, args)
}

// localizeTemplate says a message that uses more of text/template than
// placeholders through go-i18n.
func (l *Lang) localizeTemplate(id string, count any, args []any) string {
	data := make(map[string]any, len(args)/2)
	for i := 0; i+1 < len(args); i += 2 {
		v := args[i+1]
		switch m := v.(type) {
		case ID:
			v = l.T(string(m))
		case Duration:
			v = l.Duration(time.Duration(m))
		case kassa.Said:
			v = l.T(m.ID, m.Args...)
		}
		data[fmt.Sprint(args[i])] = v
	}
	// A message this catalog lacks comes back in English, with an error
	// saying so: the English text is the better answer for the reader.
	s, _ := l.loc.Localize(&i18n.LocalizeConfig{MessageID: id, TemplateData: data, PluralCount: count})
	if s == "" {
		return "[[" + id + "]]"
	}
	return s
}
