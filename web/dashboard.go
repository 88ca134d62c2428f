package web

import (
	"context"
	"fmt"
	"math"
	"net/http"
	"time"

	"github.com/kassa-dev/kassa"
	"github.com/kassa-dev/kassa/locale"
)

// bar is one bar of a server-rendered SVG chart (coordinates in the
// chart's viewBox).
type bar struct {
	Label  string
	Value  int
	X, Y   int
	W, H   int
	LabelX int
}

type statusCount struct {
	Status kassa.Status
	Count  int
}

type dashboardPage struct {
	Counts       []statusCount
	Placed       int
	Paid         int
	Conversion   string
	StatusBars   []bar
	HourBars     []bar
	HourZone     string // the zone of the hours, e.g. CET
	Callbacks24h int
	MAPIRate     string
	MAPICalls    int64
}

func (*dashboardPage) title(l *locale.Lang) string { return l.T("admin.nav.dashboard") }

const (
	chartW, chartH = 600, 160
	chartBase      = 130 // y of the bars' baseline; labels below
)

func (s *Server) handleDashboard(w http.ResponseWriter, r *http.Request) error {
	l := s.lang(r)
	p := &dashboardPage{}
	if err := s.countOrders(r.Context(), l, p); err != nil {
		return err
	}
	if err := s.countCallbacks(r.Context(), p); err != nil {
		return err
	}
	p.MAPIRate = l.T("admin.dashboard.no_data")
	if s.cfg.MAPIErrorRate != nil {
		if rate, calls := s.cfg.MAPIErrorRate(); calls > 0 {
			p.MAPIRate, p.MAPICalls = l.Percent(int64(math.Round(rate*1000))*10), calls
		}
	}
	s.render(w, r, http.StatusOK, "dashboard", p)
	return nil
}

// countOrders counts orders per status; conversion is the share of placed
// orders that Resurs accepted (processing, completed or refunded later),
// written in l to a tenth of a percent.
func (s *Server) countOrders(ctx context.Context, l *locale.Lang, p *dashboardPage) error {
	values := make([]int, len(kassa.Statuses))
	labels := make([]string, len(kassa.Statuses))
	counts, err := s.cfg.Store.OrderCounts(ctx)
	if err != nil {
		return err
	}
	for i, st := range kassa.Statuses {
		n := counts[st]
		p.Counts = append(p.Counts, statusCount{Status: st, Count: n})
		p.Placed += n
		if st == kassa.StatusProcessing || st == kassa.StatusCompleted || st == kassa.StatusRefunded {
			p.Paid += n
		}
		values[i], labels[i] = n, string(st)
	}
	p.Conversion = "–"
	if p.Placed > 0 {
		tenths := (int64(p.Paid)*2000 + int64(p.Placed)) / (2 * int64(p.Placed)) // rounded half up
		p.Conversion = l.Percent(tenths * 10)
	}
	p.StatusBars = bars(labels, values)
	return nil
}

// countCallbacks buckets the callbacks of the last 24 hours per hour,
// labelled with the hours of the shop's time zone.
func (s *Server) countCallbacks(ctx context.Context, p *dashboardPage) error {
	s.zone.ensure(ctx, s.cfg.Store, s.log)
	now := s.now()
	p.HourZone, _ = now.In(s.zone.get()).Zone()
	cbs, _, err := s.cfg.Store.Callbacks(ctx, kassa.CallbackFilter{Limit: 5000})
	if err != nil {
		return err
	}
	values := make([]int, 24)
	labels := make([]string, 24)
	start := now.Truncate(time.Hour).Add(-23 * time.Hour)
	for i := range labels {
		if h := start.Add(time.Duration(i) * time.Hour).In(s.zone.get()).Hour(); i%3 == 0 {
			labels[i] = fmt.Sprintf("%02d", h)
		}
	}
	for _, cb := range cbs {
		i := int(cb.ReceivedAt.Sub(start) / time.Hour)
		if cb.ReceivedAt.Before(start) || i >= 24 {
			continue
		}
		values[i]++
		p.Callbacks24h++
	}
	p.HourBars = bars(labels, values)
	return nil
}

// bars lays values out as bars across the chart, scaled to the largest.
func bars(labels []string, values []int) []bar {
	max := 1
	for _, v := range values {
		if v > max {
			max = v
		}
	}
	slot := chartW / len(values)
	out := make([]bar, len(values))
	for i, v := range values {
		h := v * (chartBase - 24) / max
		if v > 0 && h < 2 {
			h = 2
		}
		out[i] = bar{Label: labels[i], Value: v, X: i*slot + slot/8, W: slot * 3 / 4, H: h, Y: chartBase - h,
			LabelX: i*slot + slot/2}
	}
	return out
}
