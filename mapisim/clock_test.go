package mapisim_test

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/kassa-dev/kassa/mapisim"
)

func TestManualClockOrder(t *testing.T) {
	c := mapisim.NewManualClock(t0)
	var got []string
	c.AfterFunc(3*time.Second, func() { got = append(got, "c") })
	c.AfterFunc(time.Second, func() {
		got = append(got, "a")
		c.AfterFunc(time.Second, func() { got = append(got, "b") }) // due at 2 s, inside the same Advance
	})
	stop := c.AfterFunc(2*time.Second, func() { got = append(got, "stopped") })
	if !stop() || stop() {
		t.Error("stop: want true then false")
	}
	c.AfterFunc(10*time.Second, func() { got = append(got, "late") })
	c.Advance(5 * time.Second)
	if diff := cmp.Diff([]string{"a", "b", "c"}, got); diff != "" {
		t.Errorf("order (-want +got):\n%s", diff)
	}
	if !c.Now().Equal(t0.Add(5*time.Second)) || c.Pending() != 1 {
		t.Errorf("now %v pending %d", c.Now(), c.Pending())
	}
}
