package web

import (
	"cmp"
	"context"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
	_ "time/tzdata" // the shop's time zone must load whatever zone files the host has

	"github.com/kassa-dev/kassa"
	"github.com/kassa-dev/kassa/locale"
	"github.com/kassa-dev/kassa/mapi"
)

// Settings keys written by the settings page. `kassa serve` reads them at
// start when the matching flag or KASSA_* variable is not given, so a
// change takes effect after a restart.
const (
	SettingMAPIEnv      = "mapi.env" // simulator | test | production
	SettingClientID     = "mapi.client_id"
	SettingClientSecret = "mapi.client_secret" // write-only: never shown back
	SettingStoreID      = "mapi.store_id"
	// SettingTimeZone is the IANA name of the zone the admin pages show
	// times in (DefaultTimeZone until one is stored). It applies at once.
	SettingTimeZone = "shop.time_zone"
	// The shop's legal pages (legal.go): URLs of its terms, privacy policy
	// and right of withdrawal; empty = the built-in demo page. They apply
	// at once.
	SettingTermsURL      = "shop.terms_url"
	SettingPrivacyURL    = "shop.privacy_url"
	SettingWithdrawalURL = "shop.withdrawal_url"
	// The part-payment line (legal.go): the method id (empty = the store's
	// first part-payment method), the period in months (empty = the lowest
	// monthly cost) and the lowest product price that shows it, in
	// hundredths. They apply at once.
	SettingPartMethod   = "partpayment.method_id"
	SettingPartMonths   = "partpayment.months"
	SettingPartMinPrice = "partpayment.min_price"
)

// DefaultTimeZone is the shop's time zone until the admin sets another.
const DefaultTimeZone = "Europe/Stockholm"

// shopZone is the time zone pages show times in, read from the settings
// once (or once per ttl, when other servers share the store) and replaced
// when the admin saves another.
type shopZone struct {
	loc  atomic.Pointer[time.Location]
	read atomic.Int64 // when loc was read, unix nanoseconds
	ttl  time.Duration
	now  func() time.Time
}

// get returns the zone, DefaultTimeZone until one was loaded.
func (z *shopZone) get() *time.Location {
	if loc := z.loc.Load(); loc != nil {
		return loc
	}
	return defaultZone()
}

// ensure loads the stored zone unless one is loaded already (within ttl,
// if set). A stored name that no longer loads, or a store that cannot be
// read, leaves the default (and the next page tries again).
func (z *shopZone) ensure(ctx context.Context, st kassa.Settings, log *slog.Logger) {
	old := z.loc.Load()
	if old != nil && (z.ttl == 0 || z.now().UnixNano()-z.read.Load() < int64(z.ttl)) {
		return
	}
	read := z.now().UnixNano()
	name, ok, err := st.Setting(ctx, SettingTimeZone)
	if err != nil {
		log.Warn("read the shop's time zone", "err", err)
		return
	}
	if !ok {
		name = DefaultTimeZone
	}
	loc, err := loadZone(name)
	if err != nil {
		log.Warn("the stored time zone does not load; using "+DefaultTimeZone, "zone", name, "err", err)
		loc = defaultZone()
	}
	if z.loc.CompareAndSwap(old, loc) {
		z.read.Store(read)
	}
}

// loadZone loads an IANA zone name as the settings page accepts it: not
// empty and not the host's "Local".
func loadZone(name string) (*time.Location, error) {
	if name == "" || name == "Local" || len(name) > 100 {
		return nil, errBadZone
	}
	return time.LoadLocation(name)
}

var errBadZone = kassa.Errorf(kassa.EINVALID, "Not a time zone name.")

// defaultZone is DefaultTimeZone, or UTC should it not load.
func defaultZone() *time.Location {
	if loc, err := time.LoadLocation(DefaultTimeZone); err == nil {
		return loc
	}
	return time.UTC
}

// Environments the settings page offers.
var environments = []string{"simulator", "test", "production"}

type settingsPage struct {
	Running     string // environment the process runs with
	RunningID   string // client id the process runs with
	RunningSt   string // store id the process runs with
	Env         string
	ClientID    string
	SecretSet   bool
	StoreID     string
	TimeZone    string // IANA name, e.g. Europe/Stockholm
	Shop        shopForm
	Stores      []mapi.Store
	StoresE     string
	Methods     []mapi.PaymentMethod
	CallbackURL string
	LastTest    string
	Envs        []string
	Notice      string
	Problem     string
	Errors      map[string]string
}

func (*settingsPage) title(l *locale.Lang) string { return l.T("admin.nav.settings") }

func (p *settingsPage) Err(field string) string { return p.Errors[field] }

func (s *Server) handleSettings(w http.ResponseWriter, r *http.Request) error {
	l := s.lang(r)
	p, err := s.settingsPage(r.Context(), l)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	switch {
	case q.Get("saved") == "1":
		p.Notice = l.T("admin.settings.saved")
	case q.Get("test") != "":
		st := mapi.CallbackTestStatus(q.Get("test"))
		if st == mapi.CallbackTestOK {
			p.Notice = l.T("admin.settings.test_ok")
		} else {
			p.Problem = l.T("admin.settings.test_failed", "Status", knownTestStatus(st), "URL", p.CallbackURL)
		}
	}
	s.render(w, r, http.StatusOK, "settings", p)
	return nil
}

// settingsPage reads the settings page, in l.
func (s *Server) settingsPage(ctx context.Context, l *locale.Lang) (*settingsPage, error) {
	p := &settingsPage{Running: s.cfg.Environment, RunningID: s.cfg.ClientID, RunningSt: s.cfg.StoreID,
		Envs: environments, Errors: map[string]string{}, CallbackURL: s.cfg.BaseURL + "/callbacks/resurs/test"}
	var err error
	get := func(key, def string) string {
		if err != nil {
			return def
		}
		v, ok, e := s.cfg.Store.Setting(ctx, key)
		if err = e; !ok || v == "" {
			return def
		}
		return v
	}
	p.Env = get(SettingMAPIEnv, s.cfg.Environment)
	p.ClientID = get(SettingClientID, s.cfg.ClientID)
	p.SecretSet = get(SettingClientSecret, "") != ""
	p.StoreID = get(SettingStoreID, s.cfg.StoreID)
	p.LastTest = get(callbackTestSetting, "")
	p.TimeZone = get(SettingTimeZone, DefaultTimeZone)
	p.Shop = shopForm{TermsURL: get(SettingTermsURL, ""), PrivacyURL: get(SettingPrivacyURL, ""),
		WithdrawalURL: get(SettingWithdrawalURL, ""), PartMethod: get(SettingPartMethod, ""),
		PartMonths: get(SettingPartMonths, "")}
	if min := get(SettingPartMinPrice, ""); min != "" {
		n, _ := strconv.ParseInt(min, 10, 64)
		p.Shop.PartMinPrice = mapi.Decimal(n).String()
	}
	if err != nil {
		return nil, err
	}
	bctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if p.Stores, err = s.cfg.Bank.Stores(bctx); err != nil {
		s.log.Warn("settings: stores", "err", err)
		p.StoresE = l.T("admin.settings.stores_unreadable")
	}
	if p.Methods, err = s.cfg.Bank.PaymentMethods(bctx, s.cfg.StoreID, nil); err != nil {
		s.log.Warn("settings: payment methods", "err", err)
	}
	return p, nil
}

// handleSettingsPost stores the MAPI settings. An empty secret keeps the
// stored one (the secret is never shown back).
func (s *Server) handleSettingsPost(w http.ResponseWriter, r *http.Request) error {
	env := r.PostFormValue("env")
	id := strings.TrimSpace(r.PostFormValue("clientId"))
	secret := r.PostFormValue("clientSecret")
	store := strings.TrimSpace(r.PostFormValue("storeId"))
	l := s.lang(r)
	zone, loc, zoneErr := zoneField(l, r)
	shop, shopPut, errs := shopFields(l, r)
	if zoneErr != "" {
		errs["timeZone"] = zoneErr
	}
	if !contains(environments, env) {
		errs["env"] = l.T("admin.settings.err.env")
	}
	if len(id) > 200 || strings.ContainsAny(id, " \t\r\n") {
		errs["clientId"] = l.T("admin.settings.err.client_id")
	}
	if len(secret) > 500 {
		errs["clientSecret"] = l.T("admin.settings.err.secret")
	}
	if len(store) > 100 || strings.ContainsAny(store, " \t\r\n/?#") {
		errs["storeId"] = l.T("admin.settings.err.store")
	}
	if len(errs) > 0 {
		p, err := s.settingsPage(r.Context(), l)
		if err != nil {
			return err
		}
		p.Env, p.ClientID, p.StoreID, p.TimeZone, p.Errors = env, id, store, zone, errs
		if len(shopPut) > 0 {
			p.Shop = shop
		}
		p.Problem = l.T("admin.settings.not_saved")
		s.render(w, r, http.StatusUnprocessableEntity, "settings", p)
		return nil
	}
	put := []struct{ k, v string }{{SettingMAPIEnv, env}, {SettingClientID, id}, {SettingStoreID, store}}
	if secret != "" {
		put = append(put, struct{ k, v string }{SettingClientSecret, secret})
	}
	if loc != nil {
		put = append(put, struct{ k, v string }{SettingTimeZone, loc.String()})
	}
	put = append(put, shopPut...)
	for _, kv := range put {
		if err := s.cfg.Store.PutSetting(r.Context(), kv.k, kv.v); err != nil {
			return err
		}
	}
	if loc != nil {
		s.zone.loc.Store(loc)
		s.zone.read.Store(s.now().UnixNano())
	}
	s.terms.t.Store(nil) // read again by the next page
	s.log.Info("admin: settings saved", "env", env, "storeId", store, "timeZone", zone)
	http.Redirect(w, r, "/admin/settings?saved=1", http.StatusSeeOther)
	return nil
}

// shopForm is the settings form's legal links and part-payment line, as typed.
type shopForm struct {
	TermsURL, PrivacyURL, WithdrawalURL string
	PartMethod, PartMonths              string
	PartMinPrice                        string // kronor, e.g. "500" or "500,00"
}

// shopFields reads the legal links and part-payment fields of the settings
// form: the form as typed, the settings to store and what is wrong (in l).
// A form without them stores none.
func shopFields(l *locale.Lang, r *http.Request) (f shopForm, put []struct{ k, v string }, errs map[string]string) {
	errs = map[string]string{}
	if _, given := r.PostForm["termsUrl"]; !given {
		return f, nil, errs
	}
	v := func(name string) string { return strings.TrimSpace(r.PostFormValue(name)) }
	f = shopForm{TermsURL: v("termsUrl"), PrivacyURL: v("privacyUrl"), WithdrawalURL: v("withdrawalUrl"),
		PartMethod: v("partMethod"), PartMonths: v("partMonths"), PartMinPrice: v("partMinPrice")}
	for _, u := range []struct{ field, key, v string }{{"termsUrl", SettingTermsURL, f.TermsURL},
		{"privacyUrl", SettingPrivacyURL, f.PrivacyURL}, {"withdrawalUrl", SettingWithdrawalURL, f.WithdrawalURL}} {
		if !pageURL(u.v) {
			errs[u.field] = l.T("admin.settings.err.url")
		}
		put = append(put, struct{ k, v string }{u.key, u.v})
	}
	if len(f.PartMethod) > 100 || strings.ContainsAny(f.PartMethod, " \t\r\n/?#") {
		errs["partMethod"] = l.T("admin.settings.err.part_method")
	}
	months, err := strconv.Atoi(cmp.Or(f.PartMonths, "0"))
	if err != nil || months < 0 || months > 120 {
		errs["partMonths"] = l.T("admin.settings.err.part_months")
	}
	min, err := mapi.ParseDecimal(strings.ReplaceAll(cmp.Or(f.PartMinPrice, "0"), ",", "."))
	if err != nil || min < 0 {
		errs["partMinPrice"] = l.T("admin.settings.err.part_min")
	}
	put = append(put, struct{ k, v string }{SettingPartMethod, f.PartMethod},
		struct{ k, v string }{SettingPartMonths, f.PartMonths},
		struct{ k, v string }{SettingPartMinPrice, strconv.FormatInt(min.Hundredths(), 10)})
	return f, put, errs
}

// pageURL reports whether u may be linked as a legal page: empty (the
// demo page), a path on the shop, or an http(s) address.
func pageURL(u string) bool {
	if u == "" {
		return true
	}
	p, err := url.Parse(u)
	if err != nil || len(u) > 500 {
		return false
	}
	return (strings.HasPrefix(u, "/") && !strings.HasPrefix(u, "//")) ||
		((p.Scheme == "https" || p.Scheme == "http") && p.Host != "")
}

// zoneField reads the time zone field of the settings form: the name as
// typed, its zone, or what is wrong with it (in l). A form without the
// field gives no zone and no problem: the stored zone stays.
func zoneField(l *locale.Lang, r *http.Request) (name string, loc *time.Location, problem string) {
	name = strings.TrimSpace(r.PostFormValue("timeZone"))
	if _, given := r.PostForm["timeZone"]; !given {
		return name, nil, ""
	}
	loc, err := loadZone(name)
	if err != nil {
		return name, nil, l.T("admin.settings.err.zone")
	}
	return name, loc, ""
}

// handleTestCallback asks Resurs to call the shop's callback test URL.
func (s *Server) handleTestCallback(w http.ResponseWriter, r *http.Request) error {
	nonce, err := s.issueTestNonce(r.Context())
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(r.Context(), 15*time.Second)
	defer cancel()
	res, err := s.cfg.Bank.TestCallback(ctx, s.cfg.BaseURL+"/callbacks/resurs/test?n="+nonce)
	// Resurs calls back before it answers: use the nonce up if it was not.
	if _, perr := s.takeTestNonce(r.Context(), nonce); perr != nil {
		s.log.Warn("admin: callback test", "err", perr)
	}
	status := mapi.CallbackTestError
	if err == nil {
		status = knownTestStatus(res.Status)
	} else {
		s.log.Warn("admin: callback test", "err", err)
	}
	http.Redirect(w, r, "/admin/settings?test="+string(status), http.StatusSeeOther)
	return nil
}

func knownTestStatus(st mapi.CallbackTestStatus) mapi.CallbackTestStatus {
	switch st {
	case mapi.CallbackTestOK, mapi.CallbackTestFailed, mapi.CallbackTestInvalidURL, mapi.CallbackTestError,
		mapi.CallbackTestTimeout, mapi.CallbackTestRateLimited:
		return st
	}
	return mapi.CallbackTestError
}

func contains(list []string, v string) bool {
	for _, s := range list {
		if s == v {
			return true
		}
	}
	return false
}
