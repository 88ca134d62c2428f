package mapi

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParseError(t *testing.T) {
	tests := []struct {
		name   string
		status int
		body   string
		want   *Error
		text   string
	}{
		{
			name:   "validationErrors shape",
			status: 400,
			body: `{"code":"400","message":"Validation error","timestamp":"2019-11-21T09:52:34.678",
				"traceId":"033c6a06-1d2c-498f-81a0-02b5f8aac79e",
				"validationErrors":[{"fieldName":"email","message":"Email address must contain '@' character."}]}`,
			want: &Error{HTTPStatus: 400, Code: "400", Message: "Validation error", Timestamp: "2019-11-21T09:52:34.678",
				TraceID: "033c6a06-1d2c-498f-81a0-02b5f8aac79e",
				Fields:  []FieldError{{"email", "Email address must contain '@' character."}}},
			text: "mapi: CreatePayment: HTTP 400: 400, Validation error [Trace ID: 033c6a06-1d2c-498f-81a0-02b5f8aac79e] (email: Email address must contain '@' character.)",
		},
		{
			name:   "parameters shape, numeric code",
			status: 400,
			body: `{"traceId":"t1","code":400,"message":"Bad request","timestamp":"2024-01-01T00:00:00Z",
				"parameters":{"order.orderLines[1].totalAmountIncludingVat":"numeric value out of bounds (<10 digits>.<2 digits> expected)",
				"customer.email":"invalid","a.count":3}}`,
			want: &Error{HTTPStatus: 400, Code: "400", Message: "Bad request", Timestamp: "2024-01-01T00:00:00Z", TraceID: "t1",
				Fields: []FieldError{{"a.count", "3"}, {"customer.email", "invalid"},
					{"order.orderLines[1].totalAmountIncludingVat", "numeric value out of bounds (<10 digits>.<2 digits> expected)"}}},
			text: "mapi: CreatePayment: HTTP 400: 400, Bad request [Trace ID: t1] (a.count: 3; customer.email: invalid; order.orderLines[1].totalAmountIncludingVat: numeric value out of bounds (<10 digits>.<2 digits> expected))",
		},
		{
			name:   "both shapes",
			status: 400,
			body:   `{"code":"400","message":"m","validationErrors":[{"fieldName":"x","message":"a"}],"parameters":{"y":"b","x":"a"}}`,
			want:   &Error{HTTPStatus: 400, Code: "400", Message: "m", Fields: []FieldError{{"x", "a"}, {"y", "b"}}},
			text:   "mapi: CreatePayment: HTTP 400: 400, m (x: a; y: b)",
		},
		{
			name:   "oauth",
			status: 400,
			body:   `{"error":"invalid_client","error_description":"Bad client credentials"}`,
			want:   &Error{HTTPStatus: 400, OAuthError: "invalid_client", OAuthDescription: "Bad client credentials"},
			text:   "mapi: CreatePayment: HTTP 400: invalid_client: Bad client credentials",
		},
		{
			name:   "html page",
			status: 502,
			body:   "<html>\n<head><title>502 Bad Gateway</title></head>\n<body>\n<center><h1>502 Bad Gateway</h1></center>\n</body>\n</html>\n",
			want: &Error{HTTPStatus: 502, ambiguous: true,
				Body: "<html> <head><title>502 Bad Gateway</title></head> <body> <center><h1>502 Bad Gateway</h1></center> </body> </html>"},
			text: `mapi: CreatePayment: HTTP 502: "<html> <head><title>502 Bad Gateway</title></head> <body> <center><h1>502 Bad Gateway</h1></center> </body> </html>"`,
		},
		{
			name:   "empty body",
			status: 500,
			body:   "",
			want:   &Error{HTTPStatus: 500, ambiguous: true},
			text:   "mapi: CreatePayment: HTTP 500",
		},
		{
			name:   "json without known fields",
			status: 404,
			body:   `{"status":404}`,
			want:   &Error{HTTPStatus: 404, Body: `{"status":404}`},
			text:   `mapi: CreatePayment: HTTP 404: "{\"status\":404}"`,
		},
		{
			name:   "message only",
			status: 409,
			body:   `{"message":"Already captured","code":null}`,
			want:   &Error{HTTPStatus: 409, Message: "Already captured"},
			text:   "mapi: CreatePayment: HTTP 409: Already captured",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := parseError("CreatePayment", tc.status, []byte(tc.body))
			tc.want.Op = "CreatePayment"
			if diff := cmp.Diff(tc.want, got, cmp.AllowUnexported(Error{})); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
			if got.Error() != tc.text {
				t.Errorf("Error() = %q\nwant      %q", got.Error(), tc.text)
			}
		})
	}
}

func TestExcerptBounded(t *testing.T) {
	body := strings.Repeat("å", 300) // 2 bytes each
	got := parseError("x", 500, []byte(body)).Body
	if !strings.HasSuffix(got, "…") || len(got) > maxExcerpt+len("…") || !strings.HasPrefix(got, "ååå") {
		t.Errorf("excerpt = %q (%d bytes)", got, len(got))
	}
	if s := excerpt([]byte("a\xffb")); s != "a?b" {
		t.Errorf("invalid UTF-8 excerpt = %q", s)
	}
}

func TestErrorWrapping(t *testing.T) {
	cause := errors.New("connection reset")
	e := &Error{Op: "Capture", Err: cause, ambiguous: true}
	wrapped := fmt.Errorf("checkout: capture order 7: %w", e)
	var got *Error
	if !errors.As(wrapped, &got) || got != e {
		t.Fatal("errors.As through wrapping failed")
	}
	if !errors.Is(wrapped, cause) || !Ambiguous(wrapped) || IsNotFound(wrapped) {
		t.Errorf("Is %v Ambiguous %v IsNotFound %v", errors.Is(wrapped, cause), Ambiguous(wrapped), IsNotFound(wrapped))
	}
	if got, want := e.Error(), "mapi: Capture: connection reset"; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
	nf := fmt.Errorf("x: %w", &Error{HTTPStatus: 404})
	if !IsNotFound(nf) || Ambiguous(nf) || IsNotFound(errors.New("404")) || Ambiguous(nil) {
		t.Error("IsNotFound/Ambiguous misclassify")
	}
	inv := validateCreate(&CreatePaymentRequest{})
	if !errors.Is(inv, ErrInvalidRequest) {
		t.Fatalf("validation error %v does not wrap ErrInvalidRequest", inv)
	}
	want := "mapi: CreatePayment: invalid request, not sent (storeId: is required; paymentMethodId: is required; order.orderLines: must have at least 1 line)"
	if inv.Error() != want {
		t.Errorf("Error() = %q\nwant      %q", inv.Error(), want)
	}
}
