package mapi

import (
	"context"
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

const pid = "8f0e3c1a-1111-4222-8333-444455556666"

func TestParseAuthorizationCallback(t *testing.T) {
	good := []struct {
		body string
		want AuthorizationCallback
	}{
		{`{"paymentId":"` + pid + `","status":"AUTHORIZED","created":"2021-09-01T12:00:00.000Z"}`,
			AuthorizationCallback{PaymentID: pid, Status: CallbackAuthorized, Created: Time{time.Date(2021, 9, 1, 12, 0, 0, 0, time.UTC)}}},
		{`{"paymentId":"` + pid + `","status":"SOMETHING_NEW","created":"2021-09-01T12:00:00.123456789","checkoutId":"c","x":1}`,
			AuthorizationCallback{PaymentID: pid, Status: "SOMETHING_NEW", CheckoutID: "c", Created: Time{time.Date(2021, 9, 1, 12, 0, 0, 123456789, time.UTC)}}},
		{` {"paymentId":"8F0E3C1A-1111-4222-8333-444455556666","status":"REJECTED"}`,
			AuthorizationCallback{PaymentID: "8F0E3C1A-1111-4222-8333-444455556666", Status: CallbackRejected}},
	}
	for _, tc := range good {
		got, err := ParseAuthorizationCallback([]byte(tc.body))
		if err != nil {
			t.Errorf("%s: %v", tc.body, err)
			continue
		}
		if diff := cmp.Diff(&tc.want, got); diff != "" {
			t.Errorf("%s (-want +got):\n%s", tc.body, diff)
		}
	}
	bad := []string{
		``, `null`, `[]`, `"x"`, `{`,
		`{"paymentId":"123","status":"AUTHORIZED"}`,
		`{"paymentId":"` + pid + `"}`,
		`{"paymentId":"` + pid + `","status":"AUTHORIZED","created":"yesterday"}`,
		`{"paymentId":"` + pid + `x","status":"AUTHORIZED"}`,
		`{"paymentId":"` + pid + `","status":"AUTHORIZED"} trailing`,
	}
	for _, b := range bad {
		if _, err := ParseAuthorizationCallback([]byte(b)); !errors.Is(err, ErrBadCallback) {
			t.Errorf("%q: err = %v, want ErrBadCallback", b, err)
		}
	}
}

func TestParseManagementCallback(t *testing.T) {
	aid := "0a1b2c3d-4e5f-4a6b-8c7d-8e9fa0b1c2d3"
	got, err := ParseManagementCallback([]byte(`{"paymentId":"` + pid + `","action":"CAPTURE","actionId":"` + aid + `","created":"2024-05-01T10:00:00+02:00"}`))
	if err != nil {
		t.Fatal(err)
	}
	want := &ManagementCallback{PaymentID: pid, Action: ManagementCapture, ActionID: aid, Created: Time{time.Date(2024, 5, 1, 8, 0, 0, 0, time.UTC)}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	for _, b := range []string{
		`{"paymentId":"` + pid + `","action":"CAPTURE"}`,
		`{"paymentId":"nope","action":"CAPTURE","actionId":"` + aid + `"}`,
		`{"paymentId":"` + pid + `","action":"CAPTURE","actionId":"` + aid + `","created":1}`,
		``,
	} {
		if _, err := ParseManagementCallback([]byte(b)); !errors.Is(err, ErrBadCallback) {
			t.Errorf("%q: err = %v, want ErrBadCallback", b, err)
		}
	}
}

func TestTestCallback(t *testing.T) {
	f := newFake(t, answer(200, `{"status":"OK","code":202}`))
	c, _ := testClient(f.srv.URL, nil)
	r, err := c.TestCallback(context.Background(), "https://shop.example/cb")
	if err != nil || *r != (CallbackTestResult{Status: CallbackTestOK, Code: 202}) {
		t.Fatalf("result %+v, err %v", r, err)
	}
	req := f.apiRequests()[0]
	if req.Path != "/v2/callbacks/test" || string(req.Body) != `{"url":"https://shop.example/cb"}` || req.Method != http.MethodPost {
		t.Errorf("request %s %s %s", req.Method, req.Path, req.Body)
	}
}
