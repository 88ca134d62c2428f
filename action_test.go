package kassa_test

import (
	"testing"

	"github.com/kassa-dev/kassa"
)

func TestTransactionID(t *testing.T) {
	if got, want := kassa.TransactionID("K000042", kassa.ActionRefund, 2), "K000042-refund-2"; got != want {
		t.Fatalf("TransactionID = %q, want %q", got, want)
	}
}

func TestActionKindsAndStates(t *testing.T) {
	for _, k := range kassa.ActionKinds {
		if !k.Valid() {
			t.Errorf("%q not valid", k)
		}
	}
	if kassa.ActionKind("void").Valid() || kassa.ActionState("done").Valid() {
		t.Error("unknown kind or state reported valid")
	}
	final := map[kassa.ActionState]bool{kassa.ActionSucceeded: true, kassa.ActionRefused: true}
	for _, s := range kassa.ActionStates {
		if !s.Valid() || s.Final() != final[s] {
			t.Errorf("state %q: valid %v, final %v", s, s.Valid(), s.Final())
		}
	}
}

func TestActionErrorString(t *testing.T) {
	for _, tt := range []struct {
		e    kassa.ActionError
		want string
	}{
		{kassa.ActionError{Code: "400", Message: "Cannot capture", TraceID: "abc"}, "400: Cannot capture [trace abc]"},
		{kassa.ActionError{Message: "no answer"}, "no answer"},
		{kassa.ActionError{}, ""},
	} {
		if got := tt.e.String(); got != tt.want {
			t.Errorf("%+v.String() = %q, want %q", tt.e, got, tt.want)
		}
	}
}

func TestCallbackStates(t *testing.T) {
	for _, s := range kassa.CallbackStates {
		if !s.Valid() {
			t.Errorf("%q not valid", s)
		}
	}
	if kassa.CallbackState("done").Valid() || kassa.CallbackState("").Valid() {
		t.Error("unknown callback state reported valid")
	}
}
