package checkout_test

import (
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/kassa-dev/kassa"
	"github.com/kassa-dev/kassa/checkout"
	"github.com/kassa-dev/kassa/mapisim"
)

func TestMetrics(t *testing.T) {
	t.Parallel()
	reg := prometheus.NewPedanticRegistry()
	m := checkout.NewMetrics(reg)
	e := newEnv(t, envOptions{config: func(c *checkout.Config) { c.Metrics = m }})
	o, _ := e.place(govAccepted)
	e.sign(o, mapisim.Approve)
	e.eng.ReceiveCallback(e.ctx, kassa.CallbackAuthorization, "", authBody(o.PaymentID, "AUTHORIZED"))
	m.ObserveMAPI("GET /v2/payments/{id}", 200, nil, 1000)
	m.ObserveMAPI("POST /v2/payments", 0, errTest, 1000)
	want := `
# HELP kassa_orders Orders by status, counted at scrape time.
# TYPE kassa_orders gauge
kassa_orders{status="cancelled"} 0
kassa_orders{status="completed"} 0
kassa_orders{status="failed"} 0
kassa_orders{status="on-hold"} 0
kassa_orders{status="pending"} 0
kassa_orders{status="processing"} 1
kassa_orders{status="refunded"} 0
# HELP kassa_callbacks_total Callbacks received from Resurs, by kind and result (accepted, duplicate, quarantined, rejected, error).
# TYPE kassa_callbacks_total counter
kassa_callbacks_total{kind="authorization",result="accepted"} 1
kassa_callbacks_total{kind="authorization",result="rejected"} 1
# HELP kassa_mapi_requests_total MAPI calls by endpoint and outcome (2xx, 4xx, 5xx, error).
# TYPE kassa_mapi_requests_total counter
kassa_mapi_requests_total{endpoint="GET /v2/payments/{id}",outcome="2xx"} 1
kassa_mapi_requests_total{endpoint="POST /v2/payments",outcome="error"} 1
`
	if err := testutil.GatherAndCompare(reg, strings.NewReader(want),
		"kassa_orders", "kassa_callbacks_total", "kassa_mapi_requests_total"); err != nil {
		t.Error(err)
	}
	if n := testutil.CollectAndCount(reg, "kassa_transitions_total"); n == 0 {
		t.Error("no transitions counted")
	}
	if n := testutil.CollectAndCount(reg, "kassa_callback_applied_seconds"); n != 1 {
		t.Errorf("callback latency series = %d", n)
	}
}

var errTest = errTestType{}

type errTestType struct{}

func (errTestType) Error() string { return "test error" }
