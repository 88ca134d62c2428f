package web

import (
	"cmp"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"html/template"
	"io"
	"log/slog"
	"net/http"
	"net/netip"
	"strings"
	"time"

	"github.com/kassa-dev/kassa"
	"github.com/kassa-dev/kassa/checkout"
	"github.com/kassa-dev/kassa/locale"
	"github.com/kassa-dev/kassa/mapi"
)

// Engine is what the web layer asks of the checkout engine; *checkout.Engine
// implements it. Errors are *kassa.Error (see error.go for their answers).
type Engine interface {
	Quote(ctx context.Context, lines []kassa.LineRequest) ([]kassa.Line, kassa.Money, error)
	QuoteOrder(ctx context.Context, req kassa.OrderRequest) ([]kassa.Line, kassa.Money, error)
	Pricing(ctx context.Context) (checkout.Pricing, error)
	SetPricing(ctx context.Context, p checkout.Pricing) error
	PaymentMethods(ctx context.Context, amount kassa.Money, ct kassa.CustomerType) ([]mapi.PaymentMethod, error)
	PlaceOrder(ctx context.Context, req kassa.OrderRequest, src kassa.Source) (*kassa.Order, string, error)
	Replace(ctx context.Context, id int64, by *kassa.Order) (*kassa.Order, error)
	Return(ctx context.Context, id int64, key string) (*kassa.Order, error)
	Fail(ctx context.Context, id int64, key string) (*kassa.Order, error)
	ReceiveCallback(ctx context.Context, kind kassa.CallbackKind, token string, body []byte) error
	Sync(ctx context.Context, id int64, src kassa.Source) (*kassa.Order, error)
	ReprocessCallback(ctx context.Context, callbackID int64) error
	CustomerOrder(ctx context.Context, id int64, key string) (*kassa.Order, []kassa.Event, error)

	// After the sale (see checkout.Engine for the error contract).
	Capture(ctx context.Context, orderID int64, req checkout.ActionRequest) (*kassa.Order, *kassa.Action, error)
	Cancel(ctx context.Context, orderID int64, req checkout.ActionRequest) (*kassa.Order, *kassa.Action, error)
	Refund(ctx context.Context, orderID int64, req checkout.ActionRequest) (*kassa.Order, *kassa.Action, error)
	Modify(ctx context.Context, orderID int64, req checkout.ModifyRequest) (*kassa.Order, *kassa.Action, error)
	CreateCheckout(ctx context.Context, req checkout.CheckoutRequest, src kassa.Source) (*kassa.Order, error)
	HostedOrder(ctx context.Context, id int64, key string) (*kassa.Order, error)
	PayCheckout(ctx context.Context, id int64, key string, req kassa.OrderRequest) (*kassa.Order, string, error)
	ResendWebhook(ctx context.Context, deliveryID int64) (*kassa.WebhookDelivery, error)
	// MailContent returns a mail with its body (a kept mail's is rendered
	// when it is read).
	MailContent(ctx context.Context, m *kassa.Mail) (*kassa.Mail, error)
	RetryAction(ctx context.Context, actionID int64, src kassa.Source) (*kassa.Order, *kassa.Action, error)
	OrderActions(ctx context.Context, orderID int64) ([]*kassa.Action, error)
	Actions(ctx context.Context, f kassa.ActionFilter) ([]*kassa.Action, int, error)
}

// Bank is the part of the MAPI client the pages read directly (catalog
// price signage, getAddress, the admin's live payment view and settings);
// *mapi.Client implements it.
type Bank interface {
	Stores(ctx context.Context) ([]mapi.Store, error)
	PaymentMethods(ctx context.Context, storeID string, amount *mapi.Decimal) ([]mapi.PaymentMethod, error)
	PriceSignage(ctx context.Context, storeID, methodID string, amount mapi.Decimal) (*mapi.PriceSignage, error)
	AnnuityFactors(ctx context.Context, storeID, methodID string) ([]mapi.AnnuityFactor, error)
	GetAddress(ctx context.Context, req mapi.GetAddressRequest) (*mapi.Address, error)
	GetPayment(ctx context.Context, paymentID string) (*mapi.Payment, error)
	TestCallback(ctx context.Context, url string) (*mapi.CallbackTestResult, error)
}

// Store is what the server reads and writes itself (the engine does the
// rest): the catalog, orders and their events, the callback inbox for the
// admin pages, settings, the answers of idempotent API requests (and of
// purchases), the admin sessions, the checkout states, the mail outbox
// (the E-mails page) and the limits on sign-ins and address lookups.
type Store interface {
	kassa.Catalog
	kassa.Orders
	kassa.Inbox
	kassa.Settings
	kassa.Discounts
	kassa.Answers
	kassa.Sessions
	kassa.CheckoutStates
	kassa.Mails
	kassa.APIKeys
	kassa.Webhooks
	kassa.Limits
}

// Config holds the server's dependencies and settings.
type Config struct {
	Engine        Engine
	Store         Store
	Bank          Bank
	StoreID       string // MAPI store id
	BaseURL       string // public base URL of the shop, no trailing slash
	AdminPassword string // required; HTTP Basic (user "admin") and the login form, until changed (adminPassword)
	Logger        *slog.Logger
	Sim           http.Handler // mounted at /sim/ (prefix stripped) when non-nil
	Secure        bool         // cookies only over HTTPS
	Now           func() time.Time
	// MAPIErrorRate, when set, returns the share of failed MAPI calls and
	// the number of calls (for the dashboard), e.g. read from Prometheus.
	MAPIErrorRate func() (rate float64, calls int64)
	// Settings shown on the settings page that are not stored: the
	// environment and client id the process runs with.
	Environment string
	ClientID    string
	// MaxAddressLookups is how many times one client (limits.go) may
	// fetch its address in AddressLookupWindow (default 10 minutes): that
	// many at once, then one per window, counted in the store's limits;
	// 0 = no limit.
	MaxAddressLookups   int
	AddressLookupWindow time.Duration
	// MailConfigured says that the shop e-mails its customers, so the
	// pages may promise an e-mail (the thank-you page of an order on
	// hold). Default false: no page promises one.
	MailConfigured bool
	// Country and Currency are the Resurs store's (SE and SEK when
	// empty): the storefront's default language is the country's
	// (package locale), and prices are in the currency.
	Country  string
	Currency string
	// TrustedProxies are the load balancers and reverse proxies whose
	// X-Forwarded-For header names the client (clientip.go); a request
	// from any other peer is the peer's. Empty: the peer is the client.
	TrustedProxies []netip.Prefix
	// Shared says that other servers (processes) share the store, as
	// several instances on one PostgreSQL database do. The settings that
	// pages show (terms, time zone) are then read again when older than
	// SharedSettingsTTL, and the admin password is checked against the
	// store's at every sign-in, so that a change made on one instance
	// holds on all.
	Shared bool
}

// Server is the HTTP server of the shop.
type Server struct {
	cfg     Config
	log     *slog.Logger
	now     func() time.Time
	key     []byte                                   // HMAC key of cookies and CSRF tokens
	pages   map[string]map[string]*template.Template // by language code, then page
	langs   map[string]*locale.Lang                  // the languages as spoken in the store's country
	handler http.Handler
	idem    *idempotency
	prices  *priceCache
	logins  *authLimiter
	passwd  *adminPassword
	lookups *lookupLimiter              // address lookups per client
	forms   *checkoutStates             // the checkout form's state per cart session
	xorigin *http.CrossOriginProtection // admin API CSRF check
	zone    shopZone                    // the time zone pages show times in (settings.go)
	terms   shopTermsCache              // legal links and part-payment settings (legal.go)
}

// SharedSettingsTTL is how long a server sharing its store with others
// (Config.Shared) keeps the settings its pages show before reading them
// again: a change saved on one instance shows on the others within it.
const SharedSettingsTTL = 5 * time.Second

// sessionKeySetting is the settings key of the cookie signing key. It is
// created at first start so sessions and carts survive restarts.
const sessionKeySetting = "web.session_key"

// New builds a server. It loads (or creates) the cookie signing key from
// the store and parses the templates.
func New(cfg Config) (*Server, error) {
	switch {
	case cfg.Engine == nil, cfg.Store == nil, cfg.Bank == nil:
		return nil, errors.New("web.New: Engine, Store and Bank are required")
	case cfg.AdminPassword == "":
		return nil, errors.New("web.New: AdminPassword is required")
	}
	s := &Server{cfg: cfg, log: cfg.Logger, now: cfg.Now}
	if s.log == nil {
		s.log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if s.now == nil {
		s.now = time.Now
	}
	s.cfg.BaseURL = strings.TrimRight(cfg.BaseURL, "/")
	key, err := loadKey(context.Background(), cfg.Store)
	if err != nil {
		return nil, fmt.Errorf("web.New: %w", err)
	}
	s.key = key
	s.langs = s.shopLangs()
	if s.pages, err = s.parseLanguages(); err != nil {
		return nil, fmt.Errorf("web.New: %w", err)
	}
	s.idem = newIdempotency(cfg.Store, s.now, 24*time.Hour, s.log)
	s.prices = newPriceCache(cfg.Bank, cfg.StoreID, s.now, 10*time.Minute)
	limits := newLimitPurge(cfg.Store, s.log)
	s.logins = &authLimiter{store: cfg.Store, now: s.now, mac: s.mac, log: s.log, purge: limits}
	if s.passwd, err = loadPassword(context.Background(), cfg.Store, cfg.AdminPassword); err != nil {
		return nil, fmt.Errorf("web.New: %w", err)
	}
	if cfg.Shared {
		s.terms.ttl, s.zone.ttl, s.passwd.shared = SharedSettingsTTL, SharedSettingsTTL, true
	}
	s.terms.now, s.zone.now = s.now, s.now
	s.lookups = &lookupLimiter{max: cfg.MaxAddressLookups, window: cmp.Or(cfg.AddressLookupWindow, 10*time.Minute),
		store: cfg.Store, purge: limits}
	s.xorigin = http.NewCrossOriginProtection()
	s.forms = &checkoutStates{store: cfg.Store, now: s.now, log: s.log, purges: throttle{every: time.Hour}}
	s.handler = s.routes()
	return s, nil
}

// loadKey returns the stored cookie key, creating it on first use (or
// replacing a stored value that is not a key). Servers starting together
// on one database agree on it: each offers a key, exactly one is stored
// (SwapSetting from what was read), and all read back that one.
func loadKey(ctx context.Context, st kassa.Settings) ([]byte, error) {
	seen := ""
	for range 3 {
		k := make([]byte, 32)
		if _, err := rand.Read(k); err != nil {
			return nil, fmt.Errorf("session key: %w", err)
		}
		if _, err := st.SwapSetting(ctx, sessionKeySetting, seen, hex.EncodeToString(k)); err != nil {
			return nil, fmt.Errorf("store session key: %w", err)
		}
		v, _, err := st.Setting(ctx, sessionKeySetting)
		if err != nil {
			return nil, fmt.Errorf("read session key: %w", err)
		}
		if k, err := hex.DecodeString(v); err == nil && len(k) == 32 {
			return k, nil
		}
		seen = v
	}
	return nil, fmt.Errorf("the stored session key (%s) keeps changing", sessionKeySetting)
}

// Handler returns the root handler with all middleware.
func (s *Server) Handler() http.Handler { return s.handler }

// routes is the one table of every route the shop serves.
func (s *Server) routes() http.Handler {
	mux := http.NewServeMux()
	// Storefront.
	mux.Handle("GET /{$}", s.h(s.handleCatalog))
	mux.Handle("GET /products/{sku}", s.h(s.handleProduct))
	mux.Handle("GET /cart", s.h(s.handleCart))
	mux.Handle("POST /cart/items", s.h(s.handleCartAdd))
	mux.Handle("POST /cart/items/{sku}", s.h(s.handleCartUpdate))
	mux.Handle("POST /cart/items/{sku}/delete", s.h(s.handleCartRemove))
	mux.Handle("POST /cart/discount", s.h(s.handleCartDiscount))
	mux.Handle("POST /cart/shipping", s.h(s.handleCartShipping))
	mux.Handle("GET /checkout", s.h(s.handleCheckout))
	mux.Handle("POST /checkout", s.h(s.handleCheckoutPost))
	mux.Handle("GET /checkout/hosted/{id}", s.h(s.handleHosted))
	mux.Handle("POST /checkout/hosted/{id}", s.h(s.handleHostedPost))
	mux.Handle("GET /checkout/orders/{id}/return", s.h(s.handleReturn))
	mux.Handle("GET /checkout/orders/{id}/fail", s.h(s.handleFail))
	mux.Handle("GET /static/", s.h(s.handleStatic))
	mux.Handle("GET /terms", s.h(s.handleLegal("terms")))
	mux.Handle("GET /privacy", s.h(s.handleLegal("privacy")))
	mux.Handle("GET /withdrawal", s.h(s.handleLegal("withdrawal")))
	mux.Handle("GET /lang", s.h(s.handleLang))

	// JSON API (its OpenAPI document: web/openapi.json).
	mux.Handle("GET /api/openapi.json", s.h(s.apiOpenAPI))
	mux.Handle("GET /api/products", s.h(s.apiProducts))
	mux.Handle("GET /api/payment-methods", s.h(s.apiPaymentMethods))
	mux.Handle("POST /api/orders", s.h(s.apiCreateOrder))
	mux.Handle("GET /api/orders/{id}", s.h(s.apiOrder))
	mux.Handle("POST /api/checkouts", s.basic(s.h(s.apiCreateCheckout)))
	mux.Handle("GET /api/checkouts/{id}", s.basic(s.h(s.apiGetCheckout)))
	mux.Handle("GET /api/admin/orders", s.basic(s.h(s.apiAdminOrders)))
	mux.Handle("GET /api/admin/orders/{id}", s.basic(s.h(s.apiAdminOrder)))
	mux.Handle("POST /api/admin/orders/{id}/sync", s.basic(s.h(s.apiAdminSync)))
	mux.Handle("GET /api/admin/callbacks", s.basic(s.h(s.apiAdminCallbacks)))
	mux.Handle("GET /api/admin/products", s.basic(s.h(s.apiAdminProducts)))
	mux.Handle("GET /api/admin/products/{sku}", s.basic(s.h(s.apiAdminProduct)))
	mux.Handle("PUT /api/admin/products/{sku}", s.basic(s.h(s.apiPutProduct)))
	mux.Handle("PATCH /api/admin/products/{sku}", s.basic(s.h(s.apiPatchProduct)))
	mux.Handle("DELETE /api/admin/products/{sku}", s.basic(s.h(s.apiDeleteProduct)))
	mux.Handle("GET /api/admin/pricing", s.basic(s.h(s.apiPricing)))
	mux.Handle("PUT /api/admin/pricing", s.basic(s.h(s.apiPutPricing)))
	mux.Handle("GET /api/admin/discounts", s.basic(s.h(s.apiDiscounts)))
	mux.Handle("GET /api/admin/discounts/{code}", s.basic(s.h(s.apiDiscount)))
	mux.Handle("PUT /api/admin/discounts/{code}", s.basic(s.h(s.apiPutDiscount)))
	mux.Handle("DELETE /api/admin/discounts/{code}", s.basic(s.h(s.apiDeleteDiscount)))
	mux.Handle("POST /api/admin/orders/{id}/capture", s.basic(s.h(s.apiAdminAction(kassa.ActionCapture))))
	mux.Handle("POST /api/admin/orders/{id}/cancel", s.basic(s.h(s.apiAdminAction(kassa.ActionCancel))))
	mux.Handle("POST /api/admin/orders/{id}/refund", s.basic(s.h(s.apiAdminAction(kassa.ActionRefund))))
	mux.Handle("POST /api/admin/orders/{id}/lines", s.basic(s.h(s.apiAdminModify)))
	mux.Handle("GET /api/admin/actions", s.basic(s.h(s.apiAdminActions)))
	mux.Handle("POST /api/admin/actions/{id}/retry", s.basic(s.h(s.apiAdminRetry)))
	mux.Handle("GET /api/admin/webhooks", s.basic(s.h(s.apiWebhooks)))
	mux.Handle("POST /api/admin/webhooks", s.basic(s.h(s.apiCreateWebhook)))
	mux.Handle("GET /api/admin/webhooks/{id}", s.basic(s.h(s.apiWebhook)))
	mux.Handle("PATCH /api/admin/webhooks/{id}", s.basic(s.h(s.apiPatchWebhook)))
	mux.Handle("DELETE /api/admin/webhooks/{id}", s.basic(s.h(s.apiDeleteWebhook)))
	mux.Handle("GET /api/admin/webhooks/{id}/deliveries", s.basic(s.h(s.apiWebhookDeliveries)))
	mux.Handle("POST /api/admin/webhook-deliveries/{id}/resend", s.basic(s.h(s.apiResendDelivery)))

	// Resurs callbacks: no session, no CSRF; the token in the URL authenticates.
	mux.HandleFunc("POST /callbacks/resurs/authorization", s.callback(kassa.CallbackAuthorization))
	mux.HandleFunc("POST /callbacks/resurs/management", s.callback(kassa.CallbackManagement))
	mux.HandleFunc("/callbacks/resurs/test", s.handleCallbackTest)

	// Admin pages.
	mux.Handle("GET /admin/login", s.h(s.handleLogin))
	mux.Handle("POST /admin/login", s.h(s.handleLoginPost))
	mux.Handle("POST /admin/logout", s.admin(s.handleLogout))
	mux.Handle("GET /admin", s.admin(s.handleDashboard))
	mux.Handle("GET /admin/orders", s.admin(s.handleAdminOrders))
	mux.Handle("GET /admin/orders/{id}", s.admin(s.handleAdminOrder))
	mux.Handle("POST /admin/orders/{id}/sync", s.admin(s.handleAdminSync))
	mux.Handle("POST /admin/orders/{id}/lines", s.admin(s.handleAdminModify))
	mux.Handle("POST /admin/orders/{id}/{kind}", s.admin(s.handleAdminAction)) // capture, cancel, refund
	mux.Handle("GET /admin/products", s.admin(s.handleAdminProducts))
	mux.Handle("POST /admin/products", s.admin(s.handleAdminSaveProduct))
	mux.Handle("GET /admin/products/new", s.admin(s.handleAdminNewProduct))
	mux.Handle("GET /admin/products/{sku}", s.admin(s.handleAdminProduct))
	mux.Handle("POST /admin/products/{sku}", s.admin(s.handleAdminSaveProduct))
	mux.Handle("POST /admin/products/{sku}/stock", s.admin(s.handleAdminStock))
	mux.Handle("GET /admin/products.csv", s.admin(s.handleAdminExport))
	mux.Handle("POST /admin/products.csv", s.admin(s.handleAdminImport))
	mux.Handle("GET /admin/actions", s.admin(s.handleAdminActions))
	mux.Handle("POST /admin/actions/{id}/retry", s.admin(s.handleAdminRetry))
	mux.Handle("GET /admin/callbacks", s.admin(s.handleAdminCallbacks))
	mux.Handle("POST /admin/callbacks/{id}/process", s.admin(s.handleAdminReprocess))
	mux.Handle("GET /admin/emails", s.admin(s.handleAdminMails))
	mux.Handle("GET /admin/emails/{id}", s.admin(s.handleAdminMail))
	mux.Handle("GET /admin/shipping", s.admin(s.handleCharges))
	mux.Handle("POST /admin/shipping", s.admin(s.handleChargesSave))
	mux.Handle("POST /admin/discounts", s.admin(s.handleDiscountSave))
	mux.Handle("POST /admin/discounts/{code}/delete", s.admin(s.handleDiscountDelete))
	mux.Handle("GET /admin/settings", s.admin(s.handleSettings))
	mux.Handle("POST /admin/settings", s.admin(s.handleSettingsPost))
	mux.Handle("POST /admin/settings/test-callback", s.admin(s.handleTestCallback))
	mux.Handle("GET /admin/sessions", s.admin(s.handleSessions))
	mux.Handle("POST /admin/sessions/{id}/end", s.admin(s.handleEndSession))
	mux.Handle("POST /admin/password", s.admin(s.handlePasswordPost))
	mux.Handle("GET /admin/webhooks", s.admin(s.handleWebhooks))
	mux.Handle("POST /admin/webhooks", s.admin(s.handleWebhookCreate))
	mux.Handle("GET /admin/webhooks/{id}", s.admin(s.handleWebhook))
	mux.Handle("POST /admin/webhooks/{id}", s.admin(s.handleWebhookChange))
	mux.Handle("POST /admin/webhook-deliveries/{id}/resend", s.admin(s.handleResendDelivery))
	mux.Handle("GET /admin/keys", s.admin(s.handleKeys))
	mux.Handle("POST /admin/keys", s.admin(s.handleKeyCreate))
	mux.Handle("POST /admin/keys/{id}/revoke", s.admin(s.handleKeyRevoke))

	// Operations (metrics are served on a listener of their own: cmd/kassa).
	mux.HandleFunc("GET /healthz", s.handleHealth)
	mux.Handle("/", s.h(s.unrouted(mux)))

	root := http.NewServeMux()
	root.Handle("/", withBodyLimit(s.withForm(mux), maxBody))
	root.Handle("POST /admin/products.csv", withBodyLimit(mux, maxImport)) // an uploaded file
	if s.cfg.Sim != nil {
		// The simulator's pages replace the shop's security headers with
		// their own (they have inline styles).
		root.Handle("/sim/", http.StripPrefix("/sim", s.cfg.Sim))
	}
	h := withSecurityHeaders(s.withoutDotSegments(root))
	if strings.HasPrefix(s.cfg.BaseURL, "https://") {
		h = withHSTS(h)
	}
	return s.withRecover(s.withLogging(h))
}

// allowProbes are the methods tried on a path no route takes with the
// request's method; GET routes take HEAD too.
var allowProbes = []string{http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete}

// unrouted answers a request no route of mux takes: 405 with Allow when
// the path has routes for other methods, else the 404 page. (The mux's
// own 405 never happens: this catch-all route matches first.)
func (s *Server) unrouted(mux *http.ServeMux) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		var allow []string
		for _, m := range allowProbes {
			probe := *r // a shallow copy, only to ask the mux
			probe.Method = m
			if _, pattern := mux.Handler(&probe); pattern != "/" {
				allow = append(allow, m)
			}
		}
		if len(allow) == 0 {
			return errPageNotFound
		}
		w.Header().Set("Allow", strings.Join(allow, ", "))
		return &statusError{status: http.StatusMethodNotAllowed, err: kassa.Errorf(kassa.EINVALID,
			"%s is not allowed here; this address takes %s.", r.Method, strings.Join(allow, ", "))}
	}
}

// handlerFunc is a handler that returns its error instead of writing it.
type handlerFunc func(w http.ResponseWriter, r *http.Request) error

// h adapts a handlerFunc: a returned error is answered once, by s.error.
func (s *Server) h(fn handlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := fn(w, r); err != nil {
			s.error(w, r, err)
		}
	})
}

func (s *Server) handleHealth(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	if _, _, err := s.cfg.Store.Setting(ctx, sessionKeySetting); err != nil {
		s.log.Error("health check", "err", err)
		http.Error(w, "store unavailable", http.StatusServiceUnavailable)
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	io.WriteString(w, "ok\n")
}
