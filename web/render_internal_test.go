package web

import (
	"math"
	"testing"

	"github.com/kassa-dev/kassa"
)

func TestFormatMoney(t *testing.T) {
	for _, tt := range []struct {
		m    kassa.Money
		want string
	}{
		{0, "0,00\u00a0kr"},
		{5, "0,05\u00a0kr"},
		{99999, "999,99\u00a0kr"},
		{129900, "1\u00a0299,00\u00a0kr"},
		{100000000, "1\u00a0000\u00a0000,00\u00a0kr"},
		{-4242, "−42,42\u00a0kr"},
		{math.MinInt64, "−92\u00a0233\u00a0720\u00a0368\u00a0547\u00a0758,08\u00a0kr"},
	} {
		if got := formatMoney(tt.m); got != tt.want {
			t.Errorf("formatMoney(%d) = %q, want %q", int64(tt.m), got, tt.want)
		}
	}
}
