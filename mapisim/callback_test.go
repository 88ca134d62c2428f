package mapisim_test

import (
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/kassa-dev/kassa/mapi"
	"github.com/kassa-dev/kassa/mapisim"
)

func TestCallbackRetriesAfter503(t *testing.T) {
	e := newEnv(t, mapisim.Options{})
	e.cb.script(503, 503, 500)
	p := e.create(e.createReq("198305147715"))
	e.sign(p.ID, mapisim.Approve)
	e.sim.Flush()
	e.advance(time.Second)     // attempt 2 (503)
	e.advance(5 * time.Second) // attempt 3 (500)
	e.advance(29 * time.Second)
	if n := len(e.sim.Deliveries(p.ID)); n != 3 {
		t.Fatalf("%d attempts before the 30 s backoff ran out, want 3", n)
	}
	e.advance(time.Second) // attempt 4 (204)
	e.advance(24 * time.Hour)
	var got []int
	for _, d := range e.sim.Deliveries(p.ID) {
		got = append(got, d.Status)
		if d.Kind != "authorization" || d.URL != e.cb.url()+"/cb?type=AUTHORIZATION" {
			t.Errorf("delivery %+v", d)
		}
	}
	if diff := cmp.Diff([]int{503, 503, 500, 204}, got); diff != "" {
		t.Errorf("attempt statuses (-want +got):\n%s", diff)
	}
	ds := e.sim.Deliveries(p.ID)
	if !ds[3].Time.Equal(t0.Add(36*time.Second)) || ds[3].Attempt != 4 {
		t.Errorf("last attempt #%d at %v, want #4 at t0+36s", ds[3].Attempt, ds[3].Time)
	}
	var cb mapi.AuthorizationCallback
	if err := json.Unmarshal([]byte(ds[3].Body), &cb); err != nil || cb.PaymentID != p.ID || cb.Status != mapi.CallbackAuthorized {
		t.Errorf("body %s (%v)", ds[3].Body, err)
	}
	// The stream endpoint shows the same log.
	var stream struct{ Content []mapisim.Delivery }
	e.must(http.StatusOK, "GET", "/v2/callbacks/payments/"+p.ID+"/stream", nil, &stream)
	if len(stream.Content) != 4 {
		t.Errorf("stream has %d entries, want 4", len(stream.Content))
	}
}

func TestCallbackGivesUpAfterTenAttempts(t *testing.T) {
	e := newEnv(t, mapisim.Options{})
	e.cb.script(500, 500, 500, 500, 500, 500, 500, 500, 500, 500, 500, 500)
	p := e.create(e.createReq("198305147715"))
	e.sign(p.ID, mapisim.Approve)
	e.sim.Flush()
	for i := 0; i < 30; i++ {
		e.advance(time.Hour)
	}
	if n := len(e.sim.Deliveries(p.ID)); n != 10 {
		t.Errorf("%d attempts, want 10", n)
	}
}

func TestNoCallbackURLNoCallbacks(t *testing.T) {
	e := newEnv(t, mapisim.Options{})
	req := e.createReq("198305147715")
	delete(req["options"].(map[string]any), "callbacks")
	p := e.create(req)
	e.sign(p.ID, mapisim.Approve)
	e.sim.Flush()
	if n := len(e.sim.Deliveries(p.ID)) + len(e.cb.received()); n != 0 {
		t.Errorf("%d callbacks for a payment without callback URLs", n)
	}
}

// faultRun runs 40 payments through approve and capture with callback
// faults and returns every payment's delivery log without times.
func faultRun(t *testing.T, seed int64) [][]string {
	e := newEnv(t, mapisim.Options{Seed: seed, Faults: mapisim.Faults{Callbacks: mapisim.CallbackFaults{
		Drop: 0.15, Duplicate: 0.15, Delay: 0.15, Reorder: 0.15, MaxDelay: 10 * time.Second}}})
	var out [][]string
	var ids []string
	for i := 0; i < 40; i++ {
		p := e.create(e.createReq("198305147715"))
		e.sign(p.ID, mapisim.Approve)
		e.sim.Flush()
		e.must(http.StatusOK, "POST", "/v2/payments/"+p.ID+"/capture", "", nil)
		e.sim.Flush()
		ids = append(ids, p.ID)
	}
	e.advance(time.Minute)
	for _, id := range ids {
		var log []string
		for _, d := range e.sim.Deliveries(id) {
			var b struct{ Status, Action string }
			if err := json.Unmarshal([]byte(d.Body), &b); err != nil {
				t.Fatalf("payment %s: delivery body %q: %v", id, d.Body, err)
			}
			if b.Status+b.Action == "" {
				t.Fatalf("payment %s: delivery body %q has neither status nor action", id, d.Body)
			}
			log = append(log, d.Kind+" "+b.Status+b.Action+" "+d.Fault)
		}
		out = append(out, log)
	}
	return out
}

func TestCallbackFaultsDeterministic(t *testing.T) {
	a, b := faultRun(t, 7), faultRun(t, 7)
	if diff := cmp.Diff(a, b); diff != "" {
		t.Errorf("same seed, different faults (-first +second):\n%s", diff)
	}
	seen := map[string]int{}
	for _, log := range a {
		for _, l := range log {
			for _, f := range []string{"dropped", "duplicate", "delayed", "reordered"} {
				if len(l) > len(f) && l[len(l)-len(f):] == f {
					seen[f]++
				}
			}
		}
	}
	for _, f := range []string{"dropped", "duplicate", "delayed", "reordered"} {
		if seen[f] == 0 {
			t.Errorf("no %s callback in 80 callbacks at probability 0.15", f)
		}
	}
	if c := faultRun(t, 8); cmp.Equal(a, c) {
		t.Error("seeds 7 and 8 gave identical faults")
	}
}

func TestCallbackReorder(t *testing.T) {
	e := newEnv(t, mapisim.Options{Faults: mapisim.Faults{Callbacks: mapisim.CallbackFaults{Reorder: 1, MaxDelay: time.Minute}}})
	req := e.createReq("198001010001") // FROZEN, then AUTHORIZED after 5 s
	p := e.create(req)
	e.sign(p.ID, mapisim.Approve)
	e.sim.Flush()
	if n := len(e.cb.received()); n != 0 {
		t.Fatalf("held callback was sent at once (%d)", n)
	}
	e.advance(time.Minute) // FROZEN's hold runs out before AUTHORIZED (also held) exists
	e.advance(time.Minute)
	if diff := cmp.Diff([]string{"FROZEN", "AUTHORIZED"}, e.cb.statuses()); diff != "" {
		t.Errorf("callbacks (-want +got):\n%s", diff)
	}
}

func TestCallbackTestEndpoint(t *testing.T) {
	e := newEnv(t, mapisim.Options{})
	var res mapi.CallbackTestResult
	e.must(http.StatusOK, "POST", "/v2/callbacks/test", map[string]any{"url": e.cb.url() + "/test"}, &res)
	if res.Status != mapi.CallbackTestOK || res.Code != 204 {
		t.Errorf("got %+v, want OK 204", res)
	}
	e.cb.script(500)
	e.must(http.StatusOK, "POST", "/v2/callbacks/test", map[string]any{"url": e.cb.url() + "/test"}, &res)
	if res.Status != mapi.CallbackTestFailed || res.Code != 500 {
		t.Errorf("got %+v, want FAILED 500", res)
	}
	e.must(http.StatusOK, "POST", "/v2/callbacks/test", map[string]any{"url": "not a url"}, &res)
	if res.Status != mapi.CallbackTestInvalidURL {
		t.Errorf("got %+v, want INVALID_URL", res)
	}
}
