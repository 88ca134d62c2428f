package chaos

import (
	"fmt"
	"sort"
	"time"

	"github.com/kassa-dev/kassa"
	"github.com/kassa-dev/kassa/mapi"
	"github.com/kassa-dev/kassa/mapisim"
)

// Rules checked by Check, as Violation.Rule.
const (
	RuleStatus         = "status"           // the order's status is not what the payment implies
	RuleAmounts        = "amounts"          // authorized/captured/refunded/canceled/total differ
	RulePaymentID      = "payment-id"       // the order names another or an unknown payment
	RuleTwoPayments    = "two-payments"     // more than one payment carries one order reference
	RuleOrphanPayment  = "payment-no-order" // a payment whose order reference names no order
	RuleActionTwice    = "action-twice"     // one transactionId executed twice for one action type
	RuleStockRelease   = "stock-release"    // stock released by an order that keeps it, or kept by one that released it
	RuleStock          = "stock"            // initial ≠ remaining + sold for a SKU
	RuleCallbackLost   = "callback-lost"    // a callback answered 2xx is missing from the inbox
	RulePendingPastTTL = "pending-past-ttl" // an order still pending after its time to live and grace
	RuleTimeline       = "timeline"         // the last applied event does not lead to the order's status
)

// Violation is one broken invariant.
type Violation struct {
	Rule      string
	OrderID   int64 // 0 when the violation belongs to no order
	Number    string
	PaymentID string
	Detail    string
}

func (v Violation) String() string {
	s := v.Rule
	if v.Number != "" {
		s += fmt.Sprintf(" order %d (%s)", v.OrderID, v.Number)
	}
	if v.PaymentID != "" {
		s += " payment " + v.PaymentID
	}
	return s + ": " + v.Detail
}

// ShopState is what the shop holds at the end of a run.
type ShopState struct {
	Orders    []*kassa.Order
	Events    map[int64][]kassa.Event // by order id, oldest first
	Callbacks []*kassa.Callback       // the whole inbox
	Stock     map[string]int64        // remaining stock by SKU
}

// BankState is the simulator's truth at the end of a run.
type BankState struct {
	Payments []mapi.Payment
	// TaskCompleted says, by payment id, whether the customer completed
	// the signing task; only needed for rejections without a deciding
	// category (see kassa.Target).
	TaskCompleted map[string]bool
	Deliveries    map[string][]mapisim.Delivery // callback log by payment id
}

// Limits are the run's fixed facts the checker compares against.
type Limits struct {
	InitialStock map[string]int64 // stock by SKU before the run
	Now          time.Time        // the shop's clock at the check
	Grace        time.Duration    // after Order.ExpiresAt before pending is a violation
}

// Check compares the shop's state with the bank's truth and returns every
// broken invariant, ordered by order id. It is pure.
func Check(shop ShopState, bank BankState, lim Limits) []Violation {
	var vs []Violation
	byRef := map[string][]mapi.Payment{}
	for _, p := range bank.Payments {
		byRef[p.Order.OrderReference] = append(byRef[p.Order.OrderReference], p)
	}
	numbers := map[string]bool{}
	for _, o := range shop.Orders {
		numbers[o.Number] = true
		vs = append(vs, checkOrder(o, byRef[o.Number], bank, shop.Events[o.ID], lim)...)
	}
	for _, p := range bank.Payments {
		if !numbers[p.Order.OrderReference] {
			vs = append(vs, Violation{Rule: RuleOrphanPayment, PaymentID: p.ID,
				Detail: fmt.Sprintf("payment %s for order reference %q, which the shop does not have", p.Status, p.Order.OrderReference)})
		}
		vs = append(vs, checkActionLog(p)...)
	}
	vs = append(vs, checkStock(shop, lim.InitialStock)...)
	vs = append(vs, checkInbox(shop.Callbacks, bank)...)
	sort.SliceStable(vs, func(i, j int) bool { return vs[i].OrderID < vs[j].OrderID })
	return vs
}

// checkOrder checks one order against the payments carrying its number.
func checkOrder(o *kassa.Order, pays []mapi.Payment, bank BankState, evs []kassa.Event, lim Limits) []Violation {
	var vs []Violation
	add := func(rule, format string, args ...any) {
		vs = append(vs, Violation{Rule: rule, OrderID: o.ID, Number: o.Number, PaymentID: o.PaymentID,
			Detail: fmt.Sprintf(format, args...)})
	}
	if len(pays) > 1 {
		ids := make([]string, len(pays))
		for i, p := range pays {
			ids[i] = p.ID + " " + string(p.Status)
		}
		add(RuleTwoPayments, "%d payments carry this order reference: %v", len(pays), ids)
	}
	if len(pays) == 0 {
		if o.PaymentID != "" {
			add(RulePaymentID, "the order names payment %s, which the bank does not know", o.PaymentID)
		}
		if o.Status != kassa.StatusFailed && o.Status != kassa.StatusCancelled {
			add(RuleStatus, "shop says %s, but no payment exists at the bank (want failed or cancelled)", o.Status)
		}
	} else {
		vs = append(vs, checkAgainstPayment(o, pays[0], bank.TaskCompleted[pays[0].ID])...)
	}
	if o.Status.ReleasesStock() != o.StockReleased {
		add(RuleStockRelease, "status %s but stock released = %v", o.Status, o.StockReleased)
	}
	if o.Status == kassa.StatusPending && !o.ExpiresAt.IsZero() && lim.Now.After(o.ExpiresAt.Add(lim.Grace)) {
		add(RulePendingPastTTL, "still pending %s after its hold ended at %s", lim.Now.Sub(o.ExpiresAt).Round(time.Second),
			o.ExpiresAt.Format(time.RFC3339))
	}
	if last, ok := lastApplied(evs); ok && last.To != o.Status {
		add(RuleTimeline, "last applied event (%s, %s → %s) does not lead to status %s", last.Source, last.From, last.To, o.Status)
	}
	return vs
}

// checkAgainstPayment compares status, payment id and amounts.
func checkAgainstPayment(o *kassa.Order, p mapi.Payment, taskCompleted bool) []Violation {
	var vs []Violation
	add := func(rule, format string, args ...any) {
		vs = append(vs, Violation{Rule: rule, OrderID: o.ID, Number: o.Number, PaymentID: p.ID,
			Detail: fmt.Sprintf(format, args...)})
	}
	if o.PaymentID != "" && o.PaymentID != p.ID {
		add(RulePaymentID, "the order names payment %s, the bank's payment for its reference is %s", o.PaymentID, p.ID)
	}
	snap := Snapshot(p, taskCompleted)
	want, ok := kassa.Target(snap)
	switch {
	case !ok:
		add(RuleStatus, "bank payment status %q implies no order status", p.Status)
	case o.Status != want:
		add(RuleStatus, "shop says %s, bank payment %s implies %s", o.Status, describe(snap), want)
	}
	type pair struct {
		name       string
		shop, bank kassa.Money
	}
	for _, x := range []pair{
		{"authorized", o.Authorized, snap.Authorized}, {"captured", o.Captured, snap.Captured},
		{"refunded", o.Refunded, snap.Refunded}, {"canceled", o.Canceled, snap.Canceled},
		{"total", o.Total, snap.Total},
	} {
		if x.shop != x.bank {
			add(RuleAmounts, "%s: shop %s, bank %s", x.name, x.shop, x.bank)
		}
	}
	return vs
}

// Snapshot turns the bank's payment into the snapshot the shop would read.
func Snapshot(p mapi.Payment, taskCompleted bool) kassa.PaymentSnapshot {
	s := kassa.PaymentSnapshot{
		Status:        string(p.Status),
		TaskCompleted: taskCompleted,
		Total:         kassa.Money(p.Order.TotalOrderAmount),
		Authorized:    kassa.Money(p.Order.AuthorizedAmount),
		Captured:      kassa.Money(p.Order.CapturedAmount),
		Refunded:      kassa.Money(p.Order.RefundedAmount),
		Canceled:      kassa.Money(p.Order.CanceledAmount),
	}
	if p.RejectedReason != nil {
		s.RejectedCategory = string(p.RejectedReason.Category)
	}
	return s
}

// NeedsTaskStatus reports whether Target depends on the task status of p.
func NeedsTaskStatus(p mapi.Payment) bool {
	if p.Status != mapi.StatusRejected || p.RejectedReason == nil {
		return p.Status == mapi.StatusRejected
	}
	switch string(p.RejectedReason.Category) {
	case kassa.RejectedCreditDenied, kassa.RejectedAbortedByCustomer, kassa.RejectedTimeout, kassa.RejectedCanceled:
		return false
	}
	return true
}

func describe(s kassa.PaymentSnapshot) string {
	d := s.Status
	if s.RejectedCategory != "" {
		d += "/" + s.RejectedCategory
	}
	if s.Captured != 0 || s.Refunded != 0 || s.Canceled != 0 {
		d += fmt.Sprintf(" [authorized %s captured %s refunded %s canceled %s]", s.Authorized, s.Captured, s.Refunded, s.Canceled)
	}
	return d
}

func lastApplied(evs []kassa.Event) (kassa.Event, bool) {
	for i := len(evs) - 1; i >= 0; i-- {
		if evs[i].Applied {
			return evs[i], true
		}
	}
	return kassa.Event{}, false
}

// checkActionLog finds a transactionId used twice for one action type.
func checkActionLog(p mapi.Payment) []Violation {
	var vs []Violation
	seen := map[string]int{}
	for _, a := range p.Order.ActionLog {
		if a.TransactionID == nil || *a.TransactionID == "" {
			continue
		}
		seen[string(a.Type)+" "+*a.TransactionID]++
	}
	keys := make([]string, 0, len(seen))
	for k := range seen {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if seen[k] > 1 {
			vs = append(vs, Violation{Rule: RuleActionTwice, PaymentID: p.ID, Number: p.Order.OrderReference,
				Detail: fmt.Sprintf("action %s executed %d times", k, seen[k])})
		}
	}
	return vs
}

// checkStock checks initial = remaining + sold per SKU, where sold counts
// the units of orders whose stock is not released.
func checkStock(shop ShopState, initial map[string]int64) []Violation {
	sold := map[string]int64{}
	for _, o := range shop.Orders {
		if o.StockReleased {
			continue
		}
		for _, l := range o.Lines {
			if l.SKU != "" {
				sold[l.SKU] += l.Quantity
			}
		}
	}
	skus := make([]string, 0, len(initial))
	for sku := range initial {
		skus = append(skus, sku)
	}
	sort.Strings(skus)
	var vs []Violation
	for _, sku := range skus {
		rem, ok := shop.Stock[sku]
		if !ok {
			vs = append(vs, Violation{Rule: RuleStock, Detail: fmt.Sprintf("%s: product missing at the end", sku)})
			continue
		}
		if initial[sku] != rem+sold[sku] {
			vs = append(vs, Violation{Rule: RuleStock, Detail: fmt.Sprintf("%s: initial %d ≠ remaining %d + sold %d (%+d)",
				sku, initial[sku], rem, sold[sku], rem+sold[sku]-initial[sku])})
		}
	}
	return vs
}

// checkInbox checks that every callback the bank delivered with a 2xx
// answer is in the shop's inbox, as often as it was delivered.
func checkInbox(inbox []*kassa.Callback, bank BankState) []Violation {
	stored := map[string]int{}
	orderOf := map[string]int64{}
	for _, cb := range inbox {
		k := cb.PaymentID + "\x00" + string(cb.Body)
		stored[k]++
		if cb.OrderID != 0 {
			orderOf[cb.PaymentID] = cb.OrderID
		}
	}
	delivered := map[string]int{}
	var keys []string
	ref := map[string]string{}
	for _, p := range bank.Payments {
		ref[p.ID] = p.Order.OrderReference
		for _, d := range bank.Deliveries[p.ID] {
			if !d.OK() || (d.Kind != string(kassa.CallbackAuthorization) && d.Kind != string(kassa.CallbackManagement)) {
				continue
			}
			k := p.ID + "\x00" + d.Body
			if delivered[k] == 0 {
				keys = append(keys, k)
			}
			delivered[k]++
		}
	}
	var vs []Violation
	for _, k := range keys {
		if stored[k] < delivered[k] {
			id, body, _ := cut(k)
			vs = append(vs, Violation{Rule: RuleCallbackLost, OrderID: orderOf[id], Number: ref[id], PaymentID: id,
				Detail: fmt.Sprintf("delivered with 2xx %d time(s), %d in the inbox: %s", delivered[k], stored[k], body)})
		}
	}
	return vs
}

func cut(k string) (string, string, bool) {
	for i := 0; i < len(k); i++ {
		if k[i] == 0 {
			return k[:i], k[i+1:], true
		}
	}
	return k, "", false
}
