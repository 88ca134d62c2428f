package storetest

import (
	"crypto/sha256"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/kassa-dev/kassa"
)

func testAnswers(t *testing.T, s kassa.Answers) {
	const key = "POST /api/orders\nk1"
	if _, ok, err := s.Answer(ctx, key); err != nil || ok {
		t.Fatalf("Answer of an unknown key = %v, %v; want false, nil", ok, err)
	}
	claim := kassa.Answer{Key: key, BodyHash: sha256.Sum256([]byte(`{"a":1}`)), At: at.Add(123456 * time.Microsecond)}
	var never time.Time // takes over nothing, expires nothing
	got, claimed, err := s.ClaimAnswer(ctx, claim, never, never)
	must(t, err)
	wantClaim := claim
	wantClaim.At, wantClaim.Body = claim.At.Truncate(time.Millisecond), []byte{}
	if !claimed || !cmp.Equal(got, wantClaim) {
		t.Fatalf("ClaimAnswer = %+v, %v; want %+v, true", got, claimed, wantClaim)
	}

	// A second claim finds the first and stores nothing.
	second := claim
	second.BodyHash, second.At = sha256.Sum256([]byte(`{"a":2}`)), at.Add(time.Minute)
	got, claimed, err = s.ClaimAnswer(ctx, second, never, never)
	must(t, err)
	if claimed || !cmp.Equal(got, wantClaim) {
		t.Fatalf("second ClaimAnswer = %+v, %v; want the first claim %+v, false", got, claimed, wantClaim)
	}

	// A claim is taken over only when it is older than takeOver and for
	// the same body; expired concerns answers, not claims.
	_, claimed, err = s.ClaimAnswer(ctx, second, wantClaim.At.Add(time.Hour), wantClaim.At.Add(time.Hour))
	must(t, err)
	if claimed {
		t.Fatal("a claim for another body was taken over")
	}
	retry := claim
	retry.At = at.Add(90 * time.Second)
	_, claimed, err = s.ClaimAnswer(ctx, retry, wantClaim.At, wantClaim.At.Add(time.Hour))
	must(t, err)
	if claimed {
		t.Fatal("a claim stored at takeOver, not before, was taken over")
	}
	got, claimed, err = s.ClaimAnswer(ctx, retry, wantClaim.At.Add(time.Millisecond), never)
	must(t, err)
	if !claimed || !got.At.Equal(retry.At) {
		t.Fatalf("taking over an old claim = %+v, %v; want the new claim, true", got, claimed)
	}
	if read, _, err := s.Answer(ctx, key); err != nil || !read.At.Equal(retry.At) || read.Status != 0 {
		t.Fatalf("after the take-over the key holds %+v, want the new claim", read)
	}

	// The answer replaces the claim; a later answer does not replace it.
	answer := claim
	answer.Status, answer.Body, answer.At = 201, []byte(`{"id":7}`), at.Add(2*time.Second)
	must(t, s.PutAnswer(ctx, answer))
	late := answer
	late.Status, late.Body = 500, []byte(`{"code":"internal"}`)
	must(t, s.PutAnswer(ctx, late))
	read, ok, err := s.Answer(ctx, key)
	must(t, err)
	if !ok || !cmp.Equal(read, answer) {
		t.Fatalf("Answer = %+v, %v; want %+v", read, ok, answer)
	}
	got, claimed, err = s.ClaimAnswer(ctx, claim, at.Add(time.Hour), answer.At)
	must(t, err)
	if claimed || !cmp.Equal(got, answer) {
		t.Fatalf("ClaimAnswer over an answer = %+v, %v; want the answer, false (answers are not taken over, and this one is not older than expired)", got, claimed)
	}

	// An answer without a claim (the claim was deleted) is stored too.
	other := kassa.Answer{Key: "POST /api/orders/7/refund\nk1", Status: 409, At: at.Add(2 * time.Hour)}
	must(t, s.PutAnswer(ctx, other))
	if read, _, _ := s.Answer(ctx, other.Key); read.Status != 409 || len(read.Body) != 0 {
		t.Fatalf("answer with an empty body read back as %+v", read)
	}
	for _, bad := range []kassa.Answer{{Status: 200, At: at}, {Key: "x", Status: 0, At: at}, {Key: "x", Status: 200}} {
		wantCode(t, s.PutAnswer(ctx, bad), kassa.EINVALID)
	}
	for _, bad := range []kassa.Answer{{At: at}, {Key: "x", Status: 200, At: at}, {Key: "x"}} {
		_, _, err := s.ClaimAnswer(ctx, bad, never, never)
		wantCode(t, err, kassa.EINVALID)
	}
	if _, ok, _ := s.Answer(ctx, "x"); ok {
		t.Fatal("a refused answer was stored")
	}

	// DeleteAnswers removes the answers stored before the time only, and
	// never a claim (a request cut off by a crash must not run again).
	cut := kassa.Answer{Key: "POST /api/admin/orders/7/capture\nk1", At: at}
	_, claimed, err = s.ClaimAnswer(ctx, cut, never, never)
	must(t, err)
	if !claimed {
		t.Fatal("claim of a new key refused")
	}
	n, err := s.DeleteAnswers(ctx, at.Add(time.Hour))
	must(t, err)
	if n != 1 {
		t.Fatalf("DeleteAnswers removed %d answers, want 1", n)
	}
	for k, want := range map[string]bool{key: false, other.Key: true, cut.Key: true} {
		if _, ok, err := s.Answer(ctx, k); err != nil || ok != want {
			t.Fatalf("after DeleteAnswers, %q stored = %v, %v; want %v", k, ok, err, want)
		}
	}

	// An answer older than expired gives way to a new claim.
	fresh := kassa.Answer{Key: other.Key, BodyHash: sha256.Sum256([]byte(`{}`)), At: at.Add(3 * time.Hour)}
	_, claimed, err = s.ClaimAnswer(ctx, fresh, never, other.At)
	must(t, err)
	if claimed {
		t.Fatal("an answer stored at expired, not before, gave way")
	}
	_, claimed, err = s.ClaimAnswer(ctx, fresh, never, other.At.Add(time.Millisecond))
	must(t, err)
	read, _, err = s.Answer(ctx, other.Key)
	must(t, err)
	if !claimed || read.Status != 0 || read.BodyHash != fresh.BodyHash || !read.At.Equal(fresh.At) {
		t.Fatalf("claim over an expired answer: claimed %v, stored %+v; want the new claim", claimed, read)
	}
}
