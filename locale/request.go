package locale

import (
	"net/http"
	"time"

	"golang.org/x/text/language"
)

// Cookie is the name of the cookie that remembers the shopper's choice
// of language.
const Cookie = "kassa_lang"

// matcher matches a browser's languages against the storefront's. Its
// first tag is what it answers when nothing matches; Choose tells that
// apart by the confidence.
var matcher = func() language.Matcher {
	tags := make([]language.Tag, len(Codes))
	for i, c := range Codes {
		tags[i] = language.MustParse(c)
	}
	return language.NewMatcher(tags)
}()

// Choose returns the language of a request: the choice the shopper made
// with the language switch (the cookie) first, then the best match of
// the browser's Accept-Language, then fallback — the language of the
// store's country.
func Choose(r *http.Request, fallback *Lang) *Lang {
	if c, err := r.Cookie(Cookie); err == nil && Supported(c.Value) {
		return langs[c.Value]
	}
	if l := FromAcceptLanguage(r.Header.Get("Accept-Language")); l != nil {
		return l
	}
	return fallback
}

// FromAcceptLanguage returns the language of the storefront's that best
// matches an Accept-Language header, or nil when none does ("de-DE", an
// empty or unreadable header). Norwegian "no" and "nn" match bokmål.
func FromAcceptLanguage(header string) *Lang {
	if header == "" {
		return nil
	}
	tags, _, err := language.ParseAcceptLanguage(header)
	if err != nil || len(tags) == 0 {
		return nil
	}
	_, i, conf := matcher.Match(tags...)
	if conf < language.High {
		return nil
	}
	return langs[Codes[i]]
}

// Remember sets the cookie that keeps the shopper's choice of language
// for a year.
func Remember(w http.ResponseWriter, l *Lang, secure bool) {
	http.SetCookie(w, &http.Cookie{
		Name: Cookie, Value: l.code, Path: "/", MaxAge: int(365 * 24 * time.Hour / time.Second),
		HttpOnly: true, Secure: secure, SameSite: http.SameSiteLaxMode,
	})
}
