package checkout

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"net/url"
	"strconv"
	"strings"

	"github.com/kassa-dev/kassa"
)

// newSecret returns 32 random bytes, base64url without padding.
func newSecret() string {
	b := make([]byte, 32)
	rand.Read(b) // never fails (crypto/rand documents it)
	return base64.RawURLEncoding.EncodeToString(b)
}

// sameSecret compares two secrets in constant time; an empty want never matches.
func sameSecret(got, want string) bool {
	return want != "" && subtle.ConstantTimeCompare([]byte(got), []byte(want)) == 1
}

// ReturnPath is the path of o's success URL: /checkout/orders/{id}/return?key=….
func ReturnPath(o *kassa.Order) string { return orderPath(o, "return") }

// FailPath is the path of o's fail URL: /checkout/orders/{id}/fail?key=….
func FailPath(o *kassa.Order) string { return orderPath(o, "fail") }

func orderPath(o *kassa.Order, page string) string {
	return fmt.Sprintf("/checkout/orders/%d/%s?key=%s", o.ID, page, url.QueryEscape(o.Key))
}

// callbackToken is the t parameter of o's callback URLs: "<id>.<secret>", so
// the order is found by id and the secret compared in constant time.
func callbackToken(o *kassa.Order) string {
	return strconv.FormatInt(o.ID, 10) + "." + o.CallbackToken
}

// callbackPath is the path of o's callback URL for kind.
func callbackPath(o *kassa.Order, kind kassa.CallbackKind) string {
	return "/callbacks/resurs/" + string(kind) + "?t=" + url.QueryEscape(callbackToken(o))
}

// splitToken returns the order id of a callback token and its secret.
func splitToken(t string) (int64, string, bool) {
	ids, secret, ok := strings.Cut(t, ".")
	if !ok || secret == "" {
		return 0, "", false
	}
	id, err := strconv.ParseInt(ids, 10, 64)
	if err != nil || id <= 0 {
		return 0, "", false
	}
	return id, secret, true
}

// orderWithKey loads an order and checks its key.
func (e *Engine) orderWithKey(ctx context.Context, id int64, key string) (*kassa.Order, error) {
	o, err := e.store.Order(ctx, id)
	if err != nil {
		return nil, err
	}
	if err := checkKey(o, key); err != nil {
		return nil, err
	}
	return o, nil
}

// checkKey compares key with o's in constant time; EUNAUTHORIZED when
// they differ.
func checkKey(o *kassa.Order, key string) error {
	if !sameSecret(key, o.Key) {
		return &kassa.Error{Code: kassa.EUNAUTHORIZED, Op: "checkout.order",
			Message: "This order link is not valid."}
	}
	return nil
}

// maskID masks all but the last 4 characters of a government id, for logs.
func maskID(s string) string {
	if len(s) <= 4 {
		return strings.Repeat("*", len(s))
	}
	return strings.Repeat("*", len(s)-4) + s[len(s)-4:]
}
