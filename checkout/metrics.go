package checkout

import (
	"context"
	"errors"
	"strconv"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/sony/gobreaker/v2"

	"github.com/kassa-dev/kassa"
	"github.com/kassa-dev/kassa/mapi"
)

// Metrics are the engine's Prometheus metrics. A nil *Metrics records
// nothing, so every method is safe to call on nil.
type Metrics struct {
	callbacks     *prometheus.CounterVec   // by kind and result
	transitions   *prometheus.CounterVec   // by source and result (applied, refused, noop)
	mapiCalls     *prometheus.CounterVec   // by endpoint and outcome
	mapiLatency   *prometheus.HistogramVec // by endpoint
	syncLatency   prometheus.Histogram
	callbackDelay prometheus.Histogram // callback received → processed
	breaker       prometheus.Gauge
	orders        *orderCollector
	actions       *prometheus.CounterVec // after-sale calls by kind and outcome
	paidClosed    prometheus.Counter     // accepted payments read on cancelled or failed orders
	sharedReads   *prometheus.CounterVec // syncs answered by another sync's newer read, by source
}

// NewMetrics creates the metrics and registers them with reg (nil: not
// registered, still usable).
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		callbacks: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "kassa_callbacks_total",
			Help: "Callbacks received from Resurs, by kind and result (accepted, duplicate, quarantined, rejected, error)."},
			[]string{"kind", "result"}),
		transitions: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "kassa_transitions_total",
			Help: "Attempted order transitions, by source and result (applied, refused, noop)."},
			[]string{"source", "result"}),
		mapiCalls: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "kassa_mapi_requests_total",
			Help: "MAPI calls by endpoint and outcome (2xx, 4xx, 5xx, error)."}, []string{"endpoint", "outcome"}),
		mapiLatency: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "kassa_mapi_request_seconds",
			Help: "MAPI call latency by endpoint.", Buckets: prometheus.ExponentialBuckets(0.001, 2.5, 12)},
			[]string{"endpoint"}),
		syncLatency: prometheus.NewHistogram(prometheus.HistogramOpts{Name: "kassa_sync_seconds",
			Help: "Time to read a payment and apply the transition.", Buckets: prometheus.ExponentialBuckets(0.001, 2.5, 12)}),
		callbackDelay: prometheus.NewHistogram(prometheus.HistogramOpts{Name: "kassa_callback_applied_seconds",
			Help: "Time from receiving a callback to having processed it.", Buckets: prometheus.ExponentialBuckets(0.005, 2, 14)}),
		breaker: prometheus.NewGauge(prometheus.GaugeOpts{Name: "kassa_mapi_breaker_open",
			Help: "1 while the MAPI circuit breaker is open, 0.5 half-open, 0 closed."}),
		actions: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "kassa_aftersale_actions_total",
			Help: "After-sale calls to Resurs (capture, cancel, refund, modify) by outcome (succeeded, refused, no_answer, failed)."},
			[]string{"kind", "outcome"}),
		paidClosed: prometheus.NewCounter(prometheus.CounterOpts{Name: "kassa_paid_but_closed_total",
			Help: "Payment reads that found an accepted payment holding money on a cancelled or failed order (refund the payment or revive the order)."}),
		sharedReads: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "kassa_payment_reads_shared_total",
			Help: "Syncs (by source) whose trigger was answered by another sync's payment read that began after it arrived, instead of a read of their own."},
			[]string{"source"}),
		orders: &orderCollector{desc: prometheus.NewDesc("kassa_orders",
			"Orders by status, counted at scrape time.", []string{"status"}, nil)},
	}
	if reg != nil {
		reg.MustRegister(m.callbacks, m.transitions, m.mapiCalls, m.mapiLatency,
			m.syncLatency, m.callbackDelay, m.breaker, m.orders, m.actions, m.paidClosed, m.sharedReads)
	}
	return m
}

// ObserveMAPI records one MAPI call; plug it into mapi.Config.Observe.
func (m *Metrics) ObserveMAPI(endpoint string, status int, err error, d time.Duration) {
	if m == nil {
		return
	}
	outcome := "error"
	if status > 0 {
		outcome = strconv.Itoa(status/100) + "xx"
	}
	var me *mapi.Error
	if err != nil && status == 0 && errors.As(err, &me) && me.HTTPStatus > 0 {
		outcome = strconv.Itoa(me.HTTPStatus/100) + "xx"
	}
	m.mapiCalls.WithLabelValues(endpoint, outcome).Inc()
	m.mapiLatency.WithLabelValues(endpoint).Observe(d.Seconds())
}

func (m *Metrics) callback(kind kassa.CallbackKind, result string) {
	if m != nil {
		m.callbacks.WithLabelValues(string(kind), result).Inc()
	}
}

func (m *Metrics) transition(src kassa.Source, result string) {
	if m != nil {
		m.transitions.WithLabelValues(string(src), result).Inc()
	}
}

func (m *Metrics) readShared(src kassa.Source) {
	if m != nil {
		m.sharedReads.WithLabelValues(string(src)).Inc()
	}
}

func (m *Metrics) action(kind kassa.ActionKind, outcome string) {
	if m != nil {
		m.actions.WithLabelValues(string(kind), outcome).Inc()
	}
}

func (m *Metrics) paidButClosedOrder() {
	if m != nil {
		m.paidClosed.Inc()
	}
}

func (m *Metrics) synced(d time.Duration) {
	if m != nil {
		m.syncLatency.Observe(d.Seconds())
	}
}

func (m *Metrics) callbackApplied(d time.Duration) {
	if m != nil {
		m.callbackDelay.Observe(d.Seconds())
	}
}

func (m *Metrics) breakerState(s gobreaker.State) {
	if m == nil {
		return
	}
	v := map[gobreaker.State]float64{gobreaker.StateClosed: 0, gobreaker.StateHalfOpen: 0.5, gobreaker.StateOpen: 1}[s]
	m.breaker.Set(v)
}

// watch makes the order gauge count the orders of store at scrape time.
func (m *Metrics) watch(store kassa.Orders) {
	if m != nil {
		m.orders.set(store)
	}
}

// orderCollector counts orders per status at scrape time.
type orderCollector struct {
	desc  *prometheus.Desc
	mu    sync.Mutex
	store kassa.Orders
}

func (c *orderCollector) set(s kassa.Orders) {
	c.mu.Lock()
	c.store = s
	c.mu.Unlock()
}

// Describe implements prometheus.Collector.
func (c *orderCollector) Describe(ch chan<- *prometheus.Desc) { ch <- c.desc }

// Collect implements prometheus.Collector. It reports all statuses or,
// when the store cannot answer in time, none (never a partial picture).
func (c *orderCollector) Collect(ch chan<- prometheus.Metric) {
	c.mu.Lock()
	store := c.store
	c.mu.Unlock()
	if store == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	counts, err := store.OrderCounts(ctx)
	if err != nil {
		return
	}
	for _, s := range kassa.Statuses {
		ch <- prometheus.MustNewConstMetric(c.desc, prometheus.GaugeValue, float64(counts[s]), string(s))
	}
}
