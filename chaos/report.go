package chaos

import (
	"fmt"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/kassa-dev/kassa"
)

// maxTimelines bounds how many violating orders are printed with their timeline.
const maxTimelines = 30

// summary renders the run's tables and the violations.
func (r *runner) summary(outs []outcome, shop ShopState, bank BankState, hooks []Received, vs []Violation, sec *securityReport) string {
	var b strings.Builder
	fmt.Fprintf(&b, "\n== chaos run: %d journeys, seed %d, concurrency %d, store %s, sim speed ×%g, hold %s, %s\n",
		r.cfg.Orders, r.cfg.Seed, r.cfg.Concurrency, r.cfg.Store, r.cfg.SimSpeed, r.cfg.Hold, time.Since(r.begin).Round(time.Second))
	personaTable(&b, shop.Orders)
	journeyTable(&b, outs)
	callbackTable(&b, shop, bank)
	webhookTable(&b, shop, hooks, r.midDeliveryKills.Load())
	fmt.Fprintf(&b, "\nfaults injected by the bank:\n")
	tw := tabwriter.NewWriter(&b, 2, 0, 2, ' ', 0)
	for _, f := range r.bank.faultCounts() {
		fmt.Fprintf(tw, "  %s\t%d\n", f.k, f.v)
	}
	tw.Flush()
	if sec != nil {
		securityTable(&b, sec)
	}
	fmt.Fprintf(&b, "\nrestarts (SIGKILL): %d   orders in the shop: %d   payments at the bank: %d\n",
		r.restart.Load(), len(shop.Orders), len(bank.Payments))
	violationReport(&b, vs, shop)
	return b.String()
}

func personaTable(b *strings.Builder, orders []*kassa.Order) {
	counts := map[string]map[kassa.Status]int{}
	for _, o := range orders {
		p := personaOf(o.Customer.GovernmentID)
		if counts[p] == nil {
			counts[p] = map[kassa.Status]int{}
		}
		counts[p][o.Status]++
	}
	fmt.Fprintf(b, "\norders per persona × final status:\n")
	tw := tabwriter.NewWriter(b, 2, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(tw, "persona\t")
	for _, s := range kassa.Statuses {
		fmt.Fprintf(tw, "%s\t", s)
	}
	fmt.Fprintf(tw, "total\t\n")
	total := map[kassa.Status]int{}
	for _, p := range append(Personas, Persona{Name: "other"}) {
		row, n := counts[p.Name], 0
		if row == nil {
			continue
		}
		fmt.Fprintf(tw, "%s\t", p.Name)
		for _, s := range kassa.Statuses {
			fmt.Fprintf(tw, "%d\t", row[s])
			n += row[s]
			total[s] += row[s]
		}
		fmt.Fprintf(tw, "%d\t\n", n)
	}
	fmt.Fprintf(tw, "all\t")
	for _, s := range kassa.Statuses {
		fmt.Fprintf(tw, "%d\t", total[s])
	}
	fmt.Fprintf(tw, "%d\t\n", len(orders))
	tw.Flush()
}

func journeyTable(b *strings.Builder, outs []outcome) {
	count := func(key func(outcome) string) string {
		m := map[string]int{}
		for _, o := range outs {
			if k := key(o); k != "" {
				m[k]++
			}
		}
		keys := make([]string, 0, len(m))
		for k := range m {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		parts := make([]string, len(keys))
		for i, k := range keys {
			parts[i] = fmt.Sprintf("%s %d", k, m[k])
		}
		return strings.Join(parts, ", ")
	}
	fmt.Fprintf(b, "\njourneys:\n")
	fmt.Fprintf(b, "  checkout:   %s\n", count(func(o outcome) string { return o.created }))
	fmt.Fprintf(b, "  signing:    %s\n", count(func(o outcome) string {
		if o.created != "created" {
			return ""
		}
		return o.plan.sign
	}))
	fmt.Fprintf(b, "  comes back: %s\n", count(func(o outcome) string {
		if o.created != "created" || o.plan.sign == signAbandon {
			return ""
		}
		return o.plan.back
	}))
	fmt.Fprintf(b, "  after-sale: %s\n", count(func(o outcome) string { return o.afterSale }))
	errs := 0
	for _, o := range outs {
		if o.err != nil {
			if errs < 5 {
				fmt.Fprintf(b, "  error: journey %d: %v\n", o.plan.index, o.err)
			}
			errs++
		}
	}
	if errs > 0 {
		fmt.Fprintf(b, "  journeys with a client-side error: %d\n", errs)
	}
}

func callbackTable(b *strings.Builder, shop ShopState, bank BankState) {
	var attempts, ok, failed, dropped, dup, delayed, reordered int
	for _, ds := range bank.Deliveries {
		for _, d := range ds {
			switch {
			case d.Fault == "dropped":
				dropped++
				continue
			case d.Fault == "duplicate":
				dup++
			case d.Fault == "delayed" && d.Attempt == 1:
				delayed++
			case d.Fault == "reordered" && d.Attempt == 1:
				reordered++
			}
			attempts++
			if d.OK() {
				ok++
			} else {
				failed++
			}
		}
	}
	states := map[kassa.CallbackState]int{}
	for _, cb := range shop.Callbacks {
		states[cb.State]++
	}
	fmt.Fprintf(b, "\ncallbacks (bank side): attempts %d, delivered 2xx %d, failed attempts %d (shop down or refused, retried), dropped %d, duplicated %d, delayed %d, reordered %d\n",
		attempts, ok, failed, dropped, dup, delayed, reordered)
	fmt.Fprintf(b, "callbacks (shop inbox): %d total", len(shop.Callbacks))
	for _, s := range []kassa.CallbackState{kassa.CallbackReceived, kassa.CallbackProcessed, kassa.CallbackDuplicate,
		kassa.CallbackQuarantined, kassa.CallbackFailed} {
		fmt.Fprintf(b, ", %s %d", s, states[s])
	}
	fmt.Fprintln(b)
}

func webhookTable(b *strings.Builder, shop ShopState, got []Received, mid int32) {
	var refused, unverified, repeats, again, changes int
	seen, accepted := map[string]bool{}, map[string]bool{}
	for _, d := range got {
		switch {
		case !d.Verified:
			unverified++
		case d.Refused:
			refused++
		}
		if seen[d.ID] {
			repeats++
		}
		if accepted[d.ID] {
			again++
		}
		seen[d.ID], accepted[d.ID] = true, accepted[d.ID] || (d.Verified && !d.Refused)
	}
	for _, o := range shop.Orders {
		changes += len(timeline(shop.Events[o.ID])) - 1
	}
	fmt.Fprintf(b, "webhooks (receiver): %d deliveries of %d events, %d repeats (same webhook-id; %d of an event already accepted), %d answered 503 (injected), %d not verifying; status changes in the timelines: %d; shop killed mid-delivery %d time(s)\n",
		len(got), len(seen), repeats, again, refused, unverified, changes, mid)
}

func securityTable(b *strings.Builder, sec *securityReport) {
	fmt.Fprintf(b, "\nsecurity cases (answers):\n")
	names := make([]string, 0, len(sec.answers))
	for n := range sec.answers {
		names = append(names, n)
	}
	sort.Strings(names)
	tw := tabwriter.NewWriter(b, 2, 0, 2, ' ', 0)
	for _, n := range names {
		var parts []string
		codes := make([]int, 0, len(sec.answers[n]))
		for c := range sec.answers[n] {
			codes = append(codes, c)
		}
		sort.Ints(codes)
		for _, c := range codes {
			parts = append(parts, fmt.Sprintf("%d×%d", sec.answers[n][c], c))
		}
		fmt.Fprintf(tw, "  %s\t%s\n", n, strings.Join(parts, " "))
	}
	tw.Flush()
}

func violationReport(b *strings.Builder, vs []Violation, shop ShopState) {
	byRule := map[string]int{}
	for _, v := range vs {
		byRule[v.Rule]++
	}
	fmt.Fprintf(b, "violations: %d", len(vs))
	rules := make([]string, 0, len(byRule))
	for r := range byRule {
		rules = append(rules, r)
	}
	sort.Strings(rules)
	for _, r := range rules {
		fmt.Fprintf(b, "  %s %d", r, byRule[r])
	}
	fmt.Fprintln(b)
	if len(vs) == 0 {
		return
	}
	orders := map[int64]*kassa.Order{}
	for _, o := range shop.Orders {
		orders[o.ID] = o
	}
	shown := map[int64]bool{}
	for _, v := range vs {
		fmt.Fprintf(b, "  - %s\n", v)
		o := orders[v.OrderID]
		if o == nil || shown[o.ID] || len(shown) >= maxTimelines {
			continue
		}
		shown[o.ID] = true
		fmt.Fprintf(b, "    order %d %s persona %s, created %s, expires %s, status %s, payment %s\n", o.ID, o.Number,
			personaOf(o.Customer.GovernmentID), o.CreatedAt.Format("15:04:05.000"), o.ExpiresAt.Format("15:04:05.000"), o.Status, o.PaymentID)
		for _, e := range shop.Events[o.ID] {
			mark := " "
			if e.Applied {
				mark = "*"
			}
			fmt.Fprintf(b, "     %s %s %-9s %s → %s [%s] %s\n", mark, e.At.Format("15:04:05.000"), e.Source, e.From, e.To, e.PaymentStatus, e.Note)
		}
	}
}
