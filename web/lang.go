package web

import (
	"net/http"
	"strings"

	"github.com/kassa-dev/kassa/locale"
)

// langChoice is one language of the language switch.
type langChoice struct {
	Code, Name string
	Current    bool
}

// lang returns the language of r's page: the storefront's choice
// (locale.Choose: the switch, then Accept-Language, then the store
// country's language), which the admin speaks if it can, English if not.
func (s *Server) lang(r *http.Request) *locale.Lang {
	l := locale.Choose(r, locale.ForCountry(s.country()))
	if strings.HasPrefix(r.URL.Path, "/admin") {
		l = l.Admin()
	}
	return s.langs[l.Code()]
}

// shopLangs returns every language the shop speaks as it speaks it in
// the store's country (locale.Lang.In), by code.
func (s *Server) shopLangs() map[string]*locale.Lang {
	m := make(map[string]*locale.Lang, len(locale.Codes))
	for _, c := range locale.Codes {
		m[c] = locale.Get(c).In(s.country())
	}
	return m
}

// country is the Resurs store's country (Config.Country), SE by default.
func (s *Server) country() string {
	if s.cfg.Country == "" {
		return "SE"
	}
	return s.cfg.Country
}

// currency is the Resurs store's currency (Config.Currency), SEK by
// default.
func (s *Server) currency() string {
	if s.cfg.Currency == "" {
		return "SEK"
	}
	return s.cfg.Currency
}

// langChoices are the languages the switch offers on a storefront or an
// admin page, current marking the page's.
func (s *Server) langChoices(admin bool, current *locale.Lang) []langChoice {
	codes := locale.Codes
	if admin {
		codes = locale.AdminCodes
	}
	out := make([]langChoice, len(codes))
	for i, c := range codes {
		out[i] = langChoice{Code: c, Name: locale.Get(c).Name(), Current: c == current.Code()}
	}
	return out
}

// backPath is where the language switch brings the shopper back to: the
// page itself when it was fetched with GET, its path after a POST (the
// form's answer cannot be fetched again).
func backPath(r *http.Request) string {
	if r.Method == http.MethodGet {
		return r.URL.RequestURI()
	}
	return r.URL.Path
}

// handleLang is the language switch: GET /lang?to=sv&back=/cart
// remembers the choice in a cookie and goes back to the page. back must
// be a path of this shop; anything else goes to the front page.
func (s *Server) handleLang(w http.ResponseWriter, r *http.Request) error {
	to := r.URL.Query().Get("to")
	if !locale.Supported(to) {
		return invalid("to", "Unknown language "+to+"; the shop speaks "+strings.Join(locale.Codes, ", ")+".")
	}
	locale.Remember(w, locale.Get(to), s.cfg.Secure)
	back := r.URL.Query().Get("back")
	if !strings.HasPrefix(back, "/") || strings.HasPrefix(back, "//") || strings.HasPrefix(back, "/\\") {
		back = "/"
	}
	http.Redirect(w, r, back, http.StatusSeeOther)
	return nil
}
