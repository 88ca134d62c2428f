package chaos

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/kassa-dev/kassa"
)

// RuleSecurity marks a forged, tampered or replayed request that was
// answered wrongly or changed an order.
const RuleSecurity = "security"

// securityReport is what the security phase sent and saw.
type securityReport struct {
	answers    map[string]map[int]int // case → HTTP status → count
	violations []Violation
}

// fingerprint is what a forged request must not change. Open orders are
// compared without their version: the sweeper legitimately stores its next
// read time on them.
type fingerprint struct {
	status               kassa.Status
	version              int64
	paymentID, payStatus string
	authorized, captured kassa.Money
	refunded, canceled   kassa.Money
}

func fingerprints(orders []*kassa.Order) map[int64]fingerprint {
	m := make(map[int64]fingerprint, len(orders))
	for _, o := range orders {
		fp := fingerprint{status: o.Status, paymentID: o.PaymentID, payStatus: o.PaymentStatus,
			authorized: o.Authorized, captured: o.Captured, refunded: o.Refunded, canceled: o.Canceled}
		if !o.Status.Open() {
			fp.version = o.Version
		}
		m[o.ID] = fp
	}
	return m
}

// secCase is one forged request and the answers that are acceptable.
type secCase struct {
	name   string
	method string
	path   string
	body   []byte
	auth   string // "", or "user:password" for Basic
	want   []int
}

// security sends forged callbacks, tampered return/fail URLs, replayed
// callbacks, oversized and malformed bodies and unauthenticated admin
// calls, then checks that no order changed and nothing crashed.
func (r *runner) security(ctx context.Context, st kassa.Orders) (*securityReport, error) {
	orders, err := allOrders(ctx, st)
	if err != nil {
		return nil, err
	}
	before := fingerprints(orders)
	cases := r.securityCases(orders)
	rep := &securityReport{answers: map[string]map[int]int{}}
	for _, c := range cases {
		status := r.send(ctx, c)
		if rep.answers[c.name] == nil {
			rep.answers[c.name] = map[int]int{}
		}
		rep.answers[c.name][status]++
		if !contains(c.want, status) {
			rep.violations = append(rep.violations, Violation{Rule: RuleSecurity,
				Detail: fmt.Sprintf("%s: %s %s answered %d, want one of %v", c.name, c.method, truncate(c.path, 120), status, c.want)})
		}
	}
	r.logf("security: %d forged/tampered/replayed requests sent; waiting for the shop to process them", len(cases))
	select { // let the callbacks that were stored be processed
	case <-ctx.Done():
	case <-time.After(5 * time.Second):
	}
	r.bank.sim.Flush()
	after, err := allOrders(ctx, st)
	if err != nil {
		return nil, err
	}
	for id, fp := range fingerprints(after) {
		if b, ok := before[id]; ok && b != fp {
			rep.violations = append(rep.violations, Violation{Rule: RuleSecurity, OrderID: id,
				Detail: fmt.Sprintf("order changed during the security phase: %+v → %+v", b, fp)})
		}
	}
	for _, sh := range r.shops {
		if err := sh.waitHealthy(ctx, 5*time.Second); err != nil {
			rep.violations = append(rep.violations, Violation{Rule: RuleSecurity, Detail: "shop not healthy after the security phase: " + err.Error()})
		}
	}
	return rep, nil
}

// send sends one case; 0 means no answer (connection failed).
func (r *runner) send(ctx context.Context, c secCase) int {
	req, err := http.NewRequestWithContext(ctx, c.method, r.front+c.path, bytes.NewReader(c.body))
	if err != nil {
		return -1
	}
	if c.body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if user, pass, ok := strings.Cut(c.auth, ":"); ok {
		req.SetBasicAuth(user, pass)
	}
	resp, err := r.cust.hc.Do(req)
	if err != nil {
		return 0
	}
	resp.Body.Close()
	return resp.StatusCode
}

func contains(xs []int, x int) bool {
	for _, v := range xs {
		if v == x {
			return true
		}
	}
	return false
}

// securityCases builds the forged requests from up to 20 orders that have
// a payment (their real ids, keys and callback tokens, mixed up).
func (r *runner) securityCases(orders []*kassa.Order) []secCase {
	var sample []*kassa.Order
	for _, o := range orders {
		if o.PaymentID != "" && len(sample) < 20 {
			sample = append(sample, o)
		}
	}
	var cs []secCase
	const (
		authPath = "/callbacks/resurs/authorization?t="
		mgmtPath = "/callbacks/resurs/management?t="
	)
	now := time.Now().UTC().Format("2006-01-02T15:04:05.000Z")
	auth := func(pid, status string) []byte {
		b, _ := json.Marshal(map[string]string{"paymentId": pid, "status": status, "created": now})
		return b
	}
	mgmt := func(pid, action string, n int) []byte {
		actionID := fmt.Sprintf("0000f00d-0000-4000-8000-%012d", n)
		b, _ := json.Marshal(map[string]string{"paymentId": pid, "action": action, "actionId": actionID, "created": now})
		return b
	}
	refused := []int{http.StatusForbidden}
	stored := []int{http.StatusAccepted, http.StatusOK, http.StatusNoContent}
	notFound := []int{http.StatusNotFound}
	// Wrong admin credentials are refused, and after a few tries from one
	// client the limiter refuses before checking them.
	refusedAuth := []int{http.StatusUnauthorized, http.StatusTooManyRequests}
	for i, o := range sample {
		other := sample[(i+1)%len(sample)]
		tok := url.QueryEscape(strconv.FormatInt(o.ID, 10) + "." + o.CallbackToken)
		cs = append(cs,
			secCase{"callback: random token", "POST", authPath + fmt.Sprintf("%d.forged%d", 1+i*7919, i), auth(o.PaymentID, "AUTHORIZED"), "", refused},
			secCase{"callback: right id, wrong secret", "POST", authPath + strconv.FormatInt(o.ID, 10) + ".AAAAwrongsecret", auth(o.PaymentID, "AUTHORIZED"), "", refused},
			secCase{"callback: other order's secret", "POST", authPath + strconv.FormatInt(o.ID, 10) + "." + url.QueryEscape(other.CallbackToken), auth(o.PaymentID, "AUTHORIZED"), "", refused},
			secCase{"callback: no token", "POST", "/callbacks/resurs/authorization", auth(o.PaymentID, "AUTHORIZED"), "", refused},
			secCase{"callback: another order's payment id", "POST", authPath + tok, auth(other.PaymentID, "AUTHORIZED"), "", stored},
			secCase{"callback: lying status", "POST", authPath + tok, auth(o.PaymentID, lie(o)), "", stored},
			secCase{"callback: lying management action", "POST", mgmtPath + tok, mgmt(o.PaymentID, "REFUND", i), "", stored},
			secCase{"callback: malformed JSON", "POST", authPath + tok, []byte(`{"paymentId":`), "", []int{http.StatusBadRequest}},
			secCase{"callback: wrong types", "POST", authPath + tok, []byte(`{"paymentId":42,"status":["AUTHORIZED"]}`), "", []int{http.StatusBadRequest}},
			secCase{"callback: oversized body", "POST", authPath + tok, bytes.Repeat([]byte("x"), 2<<20), "", []int{http.StatusRequestEntityTooLarge}},
			secCase{"return: other order's key", "GET", fmt.Sprintf("/checkout/orders/%d/return?key=%s", o.ID, url.QueryEscape(other.Key)), nil, "", notFound},
			secCase{"fail: other order's key", "GET", fmt.Sprintf("/checkout/orders/%d/fail?key=%s", o.ID, url.QueryEscape(other.Key)), nil, "", notFound},
			secCase{"return: wrong key", "GET", fmt.Sprintf("/checkout/orders/%d/return?key=%s", o.ID, url.QueryEscape(o.Key+"x")), nil, "", notFound},
			secCase{"fail: no key", "GET", fmt.Sprintf("/checkout/orders/%d/fail", o.ID), nil, "", notFound},
			secCase{"admin API: no credentials", "POST", fmt.Sprintf("/api/admin/orders/%d/sync", o.ID), nil, "", refusedAuth},
			secCase{"admin API: wrong password", "GET", fmt.Sprintf("/api/admin/orders/%d", o.ID), nil, "admin:guess", refusedAuth},
		)
		for _, d := range r.bank.sim.Deliveries(o.PaymentID) {
			if d.OK() && (d.Kind == "authorization" || d.Kind == "management") {
				u, err := url.Parse(d.URL)
				if err == nil {
					cs = append(cs, secCase{"callback: replayed", "POST", u.RequestURI(), []byte(d.Body), "", stored})
				}
			}
		}
	}
	cs = append(cs,
		secCase{"return: unknown order", "GET", "/checkout/orders/999999999/return?key=abc", nil, "", notFound},
		secCase{"return: id not a number", "GET", "/checkout/orders/1%27%20OR%201=1/return?key=abc", nil, "", notFound},
		secCase{"admin API: no credentials", "GET", "/api/admin/orders", nil, "", []int{http.StatusUnauthorized}},
	)
	sort.SliceStable(cs, func(i, j int) bool { return cs[i].name < cs[j].name })
	return cs
}

// lie is a status the order's payment does not have.
func lie(o *kassa.Order) string {
	if o.Status == kassa.StatusProcessing || o.Status == kassa.StatusCompleted {
		return "REJECTED"
	}
	return "AUTHORIZED"
}
