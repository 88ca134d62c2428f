package storetest

import (
	"crypto/sha256"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/kassa-dev/kassa"
)

func testAnswers(t *testing.T, s kassa.Store) {
	if _, ok, err := s.Answer(ctx, "POST /api/orders\nk1"); err != nil || ok {
		t.Fatalf("Answer of an unknown key = %v, %v; want false, nil", ok, err)
	}
	first := kassa.Answer{Key: "POST /api/orders\nk1", BodyHash: sha256.Sum256([]byte(`{"a":1}`)),
		Status: 201, Body: []byte(`{"id":7}`), At: at.Add(123456 * time.Microsecond)}
	got, stored, err := s.PutAnswer(ctx, first)
	must(t, err)
	want := first
	want.At = first.At.Truncate(time.Millisecond)
	if !stored || !cmp.Equal(got, want) {
		t.Fatalf("PutAnswer = %+v, %v; want %+v, true", got, stored, want)
	}
	read, ok, err := s.Answer(ctx, first.Key)
	must(t, err)
	if !ok || !cmp.Equal(read, want) {
		t.Fatalf("Answer = %+v, %v; want %+v", read, ok, want)
	}

	// A second answer for the same key: the first one is kept and returned.
	second := first
	second.Status, second.Body, second.At = 500, []byte(`{"code":"internal"}`), at.Add(time.Minute)
	got, stored, err = s.PutAnswer(ctx, second)
	must(t, err)
	if stored || !cmp.Equal(got, want) {
		t.Fatalf("second PutAnswer = %+v, %v; want the first %+v, false", got, stored, want)
	}

	// Another key, an empty body; bad answers are refused.
	other := kassa.Answer{Key: "POST /api/orders/7/refund\nk1", Status: 409, At: at.Add(2 * time.Hour)}
	_, stored, err = s.PutAnswer(ctx, other)
	must(t, err)
	if read, _, _ := s.Answer(ctx, other.Key); !stored || read.Status != 409 || len(read.Body) != 0 {
		t.Fatalf("answer with an empty body read back as %+v (stored %v)", read, stored)
	}
	for _, bad := range []kassa.Answer{{Status: 200, At: at}, {Key: "x", Status: 0, At: at}, {Key: "x", Status: 200}} {
		_, _, err := s.PutAnswer(ctx, bad)
		wantCode(t, err, kassa.EINVALID)
	}
	if _, ok, _ := s.Answer(ctx, "x"); ok {
		t.Fatal("a refused answer was stored")
	}

	// DeleteAnswers removes those stored before the time only.
	n, err := s.DeleteAnswers(ctx, at.Add(time.Hour))
	must(t, err)
	if n != 1 {
		t.Fatalf("DeleteAnswers removed %d answers, want 1", n)
	}
	if _, ok, _ := s.Answer(ctx, first.Key); ok {
		t.Fatal("the old answer is still there")
	}
	if _, ok, _ := s.Answer(ctx, other.Key); !ok {
		t.Fatal("the newer answer was deleted")
	}
}
