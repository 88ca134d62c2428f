package storetest

import (
	"crypto/sha256"
	"testing"
	"time"

	"github.com/kassa-dev/kassa"
)

func testCheckoutStates(t *testing.T, s kassa.CheckoutStates) {
	a := kassa.CheckoutState{ID: sha256.Sum256([]byte("a")), Data: []byte(`{"form":1}`),
		UpdatedAt: at.Add(123456 * time.Microsecond)}
	_, err := s.CheckoutState(ctx, a.ID)
	wantCode(t, err, kassa.ENOTFOUND)
	must(t, s.PutCheckoutState(ctx, a))
	want := a
	want.UpdatedAt = a.UpdatedAt.Truncate(time.Millisecond)
	got, err := s.CheckoutState(ctx, a.ID)
	must(t, err)
	if d := diff(want, got); d != "" {
		t.Fatalf("CheckoutState (-want +got):\n%s", d)
	}

	// A second put replaces the state.
	want.Data, want.UpdatedAt = []byte(`{"form":2}`), at.Add(time.Hour)
	must(t, s.PutCheckoutState(ctx, want))
	if got, err = s.CheckoutState(ctx, a.ID); err != nil || diff(want, got) != "" {
		t.Fatalf("CheckoutState after a second put = %+v, %v; want %+v", got, err, want)
	}

	must(t, s.DeleteCheckoutState(ctx, a.ID))
	_, err = s.CheckoutState(ctx, a.ID)
	wantCode(t, err, kassa.ENOTFOUND)
	must(t, s.DeleteCheckoutState(ctx, a.ID))
	wantCode(t, s.PutCheckoutState(ctx, kassa.CheckoutState{Data: []byte("x"), UpdatedAt: at}), kassa.EINVALID)
}

func testPurgeCheckoutStates(t *testing.T, s kassa.CheckoutStates) {
	old := kassa.CheckoutState{ID: sha256.Sum256([]byte("old")), Data: []byte("o"), UpdatedAt: at}
	fresh := kassa.CheckoutState{ID: sha256.Sum256([]byte("fresh")), Data: []byte("f"), UpdatedAt: at.Add(time.Hour)}
	must(t, s.PutCheckoutState(ctx, old))
	must(t, s.PutCheckoutState(ctx, fresh))
	n, err := s.PurgeCheckoutStates(ctx, fresh.UpdatedAt)
	if err != nil || n != 1 {
		t.Fatalf("PurgeCheckoutStates = %d, %v; want 1, nil", n, err)
	}
	_, err = s.CheckoutState(ctx, old.ID)
	wantCode(t, err, kassa.ENOTFOUND)
	if _, err := s.CheckoutState(ctx, fresh.ID); err != nil {
		t.Fatalf("a state stored at the purge's time was purged: %v", err)
	}
}
