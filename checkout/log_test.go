package checkout_test

import (
	"bytes"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"

	"github.com/kassa-dev/kassa"
	"github.com/kassa-dev/kassa/checkout"
	"github.com/kassa-dev/kassa/mapisim"
)

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// TestLogsHoldNoSecrets: order keys, callback tokens and full government
// ids never reach the logs, also when things go wrong.
func TestLogsHoldNoSecrets(t *testing.T) {
	t.Parallel()
	var buf lockedBuffer
	log := slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	e := newEnv(t, envOptions{config: func(c *checkout.Config) { c.Logger = log }})
	o, _ := e.place(govAccepted)
	e.sign(o, mapisim.Approve)
	r, _ := e.place(govRejected)
	e.sign(r, mapisim.Approve)
	bad := fmt.Sprintf("%d.%s", o.ID, r.CallbackToken)
	e.eng.ReceiveCallback(e.ctx, kassa.CallbackAuthorization, bad, authBody(o.PaymentID, "AUTHORIZED"))
	e.sim.SetFaults(faults("*", mapisim.EndpointFault{Error5xx: 1}))
	e.eng.Return(e.ctx, o.ID, o.Key)
	e.eng.PlaceOrder(e.ctx, orderRequest(govAccepted), kassa.SourceCheckout)
	out := buf.String()
	if !strings.Contains(out, "order placed") {
		t.Fatalf("nothing logged:\n%s", out)
	}
	for name, secret := range map[string]string{
		"order key": o.Key, "callback token": o.CallbackToken, "other token": r.CallbackToken,
		"government id": govAccepted, "rejected government id": govRejected,
	} {
		if strings.Contains(out, secret) {
			t.Errorf("the logs contain the %s", name)
		}
	}
	if !strings.Contains(out, "********7715") {
		t.Errorf("the masked government id is not logged:\n%s", out)
	}
}
