package bench

import (
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"slices"
	"text/tabwriter"
)

// WriteJSON writes r as one indented JSON object.
func (r *Result) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}

// WriteText writes r as a table for people.
func (r *Result) WriteText(w io.Writer) error {
	m := r.Machine
	fmt.Fprintf(w, "kassa bench: %s store, %d customers, %s measured per phase in %d alternating rounds (%s warm-up each), seed %d\n",
		r.Config.Store, r.Config.Concurrency, r.Config.Duration, r.Config.Rounds, r.Config.Warmup, r.Config.Seed)
	fmt.Fprintf(w, "machine: %d CPUs (GOMAXPROCS %d), %s, %s %s, load average at start %s\n\n",
		m.CPUs, m.GOMAXPROCS, m.CPUModel, m.GoVersion, m.OS, m.LoadAvg)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "phase\tjourneys\terrors\tjourneys/s\tp50 ms\tp95 ms\tp99 ms\tCPU ms/journey\tallocs/journey\tKB/journey\tpeak RSS MB\tCPU: machine\tbench\tothers\t")
	for _, p := range []struct {
		name string
		p    Phase
	}{{"bare MAPI", r.Bare}, {"shop", r.Shop}} {
		fmt.Fprintf(tw, "%s\t%d\t%d\t%.1f\t%.2f\t%.2f\t%.2f\t%.2f\t%.0f\t%.1f\t%.1f\t%.2f\t%.2f\t%.2f\t\n", p.name,
			p.p.Journeys, p.p.Errors, p.p.PerSecond, p.p.Latency.P50, p.p.Latency.P95, p.p.Latency.P99,
			p.p.CPUMsPerJourney, p.p.AllocsPerJourney, p.p.BytesPerJourney/1024, float64(p.p.PeakRSSBytes)/(1<<20),
			p.p.Load.MachineCores, p.p.Load.OwnCores, p.p.Load.OtherCores)
	}
	tw.Flush()
	fmt.Fprintf(w, "\nratio shop/bare: %.2f measured; %.2f from CPU per journey (expected when CPU-bound on an idle machine)\n", r.Ratio, r.CPUCostRatio)
	if len(r.RoundRatios) > 1 {
		lo, hi := slices.Min(r.RoundRatios), slices.Max(r.RoundRatios)
		fmt.Fprintf(w, "ratio of each round alone: %.2f–%.2f over %d rounds\n", lo, hi, len(r.RoundRatios))
	}
	fmt.Fprintf(w, "write pool: %.2f waits/journey, %.2f ms waited/journey\n\n", r.Shop.WriteWaitsPerJourney, r.Shop.WriteWaitMsPerJourney)
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "shop side (handler time)\trequests\tp50 ms\tp95 ms\tp99 ms\tmax ms\t")
	row := func(name string, l Latency) {
		fmt.Fprintf(tw, "%s\t%d\t%.2f\t%.2f\t%.2f\t%.2f\t\n", name, l.Count, l.P50, l.P95, l.P99, l.Max)
	}
	for _, ep := range endpoints {
		row(ep, r.Endpoints[ep])
	}
	row("all of the above", r.ShopRequests)
	row("callback → processed", r.CallbackApplied)
	tw.Flush()
	if r.ShopServerErrors > 0 {
		fmt.Fprintf(w, "shop answered %d requests with a 5xx status\n", r.ShopServerErrors)
	}
	fmt.Fprintln(w)
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "store calls (shop phase)\tper journey\tp50 ms\tp95 ms\tp99 ms\t")
	for _, m := range storeMethods {
		if c, ok := r.StoreCalls[m]; ok {
			fmt.Fprintf(tw, "%s\t%.2f\t%.2f\t%.2f\t%.2f\t\n", m, c.PerJourney, c.P50, c.P95, c.P99)
		}
	}
	tw.Flush()
	if len(r.BankCalls) > 0 {
		fmt.Fprintln(w)
		tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
		fmt.Fprintln(tw, "shop's MAPI calls\tper journey\t")
		for _, route := range slices.Sorted(maps.Keys(r.BankCalls)) {
			fmt.Fprintf(tw, "%s\t%.2f\t\n", route, r.BankCalls[route])
		}
		tw.Flush()
	}
	for _, p := range []struct {
		name string
		p    Phase
	}{{"bare", r.Bare}, {"shop", r.Shop}} {
		if p.p.FirstError != "" {
			fmt.Fprintf(w, "\n%s: first error: %s\n", p.name, p.p.FirstError)
		}
	}
	return nil
}
