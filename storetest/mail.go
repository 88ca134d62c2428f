package storetest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/kassa-dev/kassa"
)

// Mails is what TestMails holds a store to: the mail outbox, with the
// orders whose writes enqueue its mails (kassa.Tx).
type Mails interface {
	Orders
	kassa.Mails
}

// TestMails holds the stores open returns to kassa.Mails, and to
// kassa.Tx.AddMail in the TxFuncs of their writes.
func TestMails(t *testing.T, open Opener[Mails]) {
	run(t, open, []test[Mails]{
		{"AddMail", testAddMail},
		{"AddMailOnce", testAddMailOnce},
		{"AddMailRefused", testAddMailRefused},
		{"TxAddMailInUpdateOrder", testTxAddMail},
		{"TxAddMailRollsBack", testTxAddMailRollback},
		{"UpdateMail", testUpdateMail},
		{"MailsList", testMailsList},
		{"ClaimMails", testClaimMails},
		{"ClaimMailsConcurrent", testClaimMailsConcurrent},
	})
}

// mail returns a new queued mail of kind about o, due at at.
func mail(o *kassa.Order, kind kassa.MailKind) *kassa.Mail {
	return &kassa.Mail{OrderID: o.ID, Key: kassa.MailKey(o.ID, kind, ""), Kind: kind, Lang: "en",
		To: o.Customer.Email, Subject: "Order " + o.Number, Text: "Thank you, Åsa.", HTML: "<p>Thank you, Åsa.</p>",
		Amount: 4900, NextAttemptAt: at}
}

// mustMail stores m and fails t on error.
func mustMail(t *testing.T, s kassa.Mails, m *kassa.Mail) *kassa.Mail {
	t.Helper()
	must(t, s.AddMail(ctx, m))
	return m
}

// mailOrder stores an order to attach mails to.
func mailOrder(t *testing.T, s Mails, n int) *kassa.Order {
	t.Helper()
	put(t, s, product("A", 50))
	return create(t, s, order(n, line(1, "A", 1), shipping))
}

func testAddMail(t *testing.T, s Mails) {
	o := mailOrder(t, s, 1)
	m := mail(o, kassa.MailConfirmation)
	want := *m
	must(t, s.AddMail(ctx, m))
	if m.ID == 0 || m.State != kassa.MailQueued || !within(m.CreatedAt) {
		t.Fatalf("added mail: id %d, state %q, created %v; want an id, queued, now", m.ID, m.State, m.CreatedAt)
	}
	want.ID, want.State, want.CreatedAt = m.ID, kassa.MailQueued, m.CreatedAt
	if d := diff(&want, m); d != "" {
		t.Fatalf("AddMail changed more than it fills in (-want +got):\n%s", d)
	}
	got, err := s.Mail(ctx, m.ID)
	must(t, err)
	if d := diff(m, got); d != "" {
		t.Fatalf("Mail round trip (-want +got):\n%s", d)
	}
	_, err = s.Mail(ctx, m.ID+1)
	wantCode(t, err, kassa.ENOTFOUND)
}

func testAddMailOnce(t *testing.T, s Mails) {
	o := mailOrder(t, s, 1)
	first := mustMail(t, s, mail(o, kassa.MailConfirmation))
	again := mail(o, kassa.MailConfirmation)
	again.Subject = "another rendering"
	must(t, s.AddMail(ctx, again))
	if again.ID != 0 {
		t.Fatalf("a mail with an existing key got id %d; want none", again.ID)
	}
	list, n, err := s.Mails(ctx, kassa.MailFilter{})
	must(t, err)
	if n != 1 || len(list) != 1 || list[0].ID != first.ID || list[0].Subject != first.Subject {
		t.Fatalf("after adding one key twice: %d mails (%v); want the first only", n, list)
	}
}

func testAddMailRefused(t *testing.T, s Mails) {
	o := mailOrder(t, s, 1)
	for name, mutate := range map[string]func(*kassa.Mail){
		"kind":     func(m *kassa.Mail) { m.Kind = "postcard" },
		"state":    func(m *kassa.Mail) { m.State = "lost" },
		"key":      func(m *kassa.Mail) { m.Key = " " },
		"to":       func(m *kassa.Mail) { m.To = "" },
		"lang":     func(m *kassa.Mail) { m.Lang = "" },
		"attempts": func(m *kassa.Mail) { m.Attempts = -1 },
	} {
		m := mail(o, kassa.MailConfirmation)
		mutate(m)
		err := s.AddMail(ctx, m)
		wantCode(t, err, kassa.EINVALID)
		contains(t, err, name)
	}
	ghost := mail(o, kassa.MailConfirmation)
	ghost.OrderID = o.ID + 100
	wantCode(t, s.AddMail(ctx, ghost), kassa.ENOTFOUND)
	if _, n, err := s.Mails(ctx, kassa.MailFilter{}); err != nil || n != 0 {
		t.Fatalf("after refused mails: %d stored, %v; want none", n, err)
	}
}

// addMails returns a TxFunc adding ms through the transaction.
func addMails(ms ...*kassa.Mail) kassa.TxFunc {
	return func(ctx context.Context, tx kassa.Tx) error {
		for _, m := range ms {
			if err := tx.AddMail(ctx, m); err != nil {
				return err
			}
		}
		return nil
	}
}

func testTxAddMail(t *testing.T, s Mails) {
	o := mailOrder(t, s, 1)
	o.Status = kassa.StatusProcessing
	m := mail(o, kassa.MailConfirmation)
	must(t, s.UpdateOrder(ctx, o, nil, addMails(m)))
	if m.ID == 0 {
		t.Fatal("Tx.AddMail stored no mail")
	}
	// A retried write enqueues the same key: the order write still commits.
	o.Status = kassa.StatusCompleted
	dup := mail(o, kassa.MailConfirmation)
	must(t, s.UpdateOrder(ctx, o, nil, addMails(dup)))
	if dup.ID != 0 || get(t, s, o.ID).Status != kassa.StatusCompleted {
		t.Fatalf("repeated key in a write: mail id %d, order %s; want no mail and the write committed",
			dup.ID, get(t, s, o.ID).Status)
	}
	if _, n, err := s.Mails(ctx, kassa.MailFilter{OrderID: o.ID}); err != nil || n != 1 {
		t.Fatalf("mails of the order: %d, %v; want 1", n, err)
	}
}

func testTxAddMailRollback(t *testing.T, s Mails) {
	o := mailOrder(t, s, 1)
	o.Status = kassa.StatusProcessing
	fail := func(ctx context.Context, tx kassa.Tx) error {
		if err := addMails(mail(o, kassa.MailConfirmation))(ctx, tx); err != nil {
			return err
		}
		return errHook
	}
	if err := s.UpdateOrder(ctx, o, nil, fail); !errors.Is(err, errHook) {
		t.Fatalf("UpdateOrder with a failing hook: %v; want %v", err, errHook)
	}
	if _, n, err := s.Mails(ctx, kassa.MailFilter{}); err != nil || n != 0 {
		t.Fatalf("after a rolled-back write: %d mails, %v; want none", n, err)
	}
	if got := get(t, s, o.ID).Status; got != kassa.StatusPending {
		t.Fatalf("order after a rolled-back write: %s; want pending", got)
	}
}

func testUpdateMail(t *testing.T, s Mails) {
	o := mailOrder(t, s, 1)
	m := mustMail(t, s, mail(o, kassa.MailConfirmation))
	m.State, m.Attempts, m.Error, m.SentAt, m.NextAttemptAt = kassa.MailSent, 2, "451 busy", at, time.Time{}
	must(t, s.UpdateMail(ctx, m))
	got, err := s.Mail(ctx, m.ID)
	must(t, err)
	if d := diff(m, got); d != "" {
		t.Fatalf("UpdateMail round trip (-want +got):\n%s", d)
	}
	bad := *m
	bad.State = "lost"
	wantCode(t, s.UpdateMail(ctx, &bad), kassa.EINVALID)
	bad = *m
	bad.Attempts = -1
	wantCode(t, s.UpdateMail(ctx, &bad), kassa.EINVALID)
	bad = *m
	bad.ID += 100
	wantCode(t, s.UpdateMail(ctx, &bad), kassa.ENOTFOUND)
}

func testMailsList(t *testing.T, s Mails) {
	o1, o2 := mailOrder(t, s, 1), create(t, s, order(2, shipping))
	a := mustMail(t, s, mail(o1, kassa.MailConfirmation))
	b := mustMail(t, s, mail(o1, kassa.MailNewOrder))
	c := mail(o2, kassa.MailConfirmation)
	c.State, c.NextAttemptAt = kassa.MailKept, time.Time{}
	mustMail(t, s, c)
	ids := func(f kassa.MailFilter) ([]int64, int) {
		list, n, err := s.Mails(ctx, f)
		must(t, err)
		var got []int64
		for _, m := range list {
			got = append(got, m.ID)
		}
		return got, n
	}
	for _, tt := range []struct {
		f     kassa.MailFilter
		want  []int64
		total int
	}{
		{kassa.MailFilter{}, []int64{c.ID, b.ID, a.ID}, 3},
		{kassa.MailFilter{OrderID: o1.ID}, []int64{b.ID, a.ID}, 2},
		{kassa.MailFilter{State: kassa.MailKept}, []int64{c.ID}, 1},
		{kassa.MailFilter{Limit: 1, Offset: 1}, []int64{b.ID}, 3},
		{kassa.MailFilter{After: c.ID}, []int64{b.ID, a.ID}, 3},
		{kassa.MailFilter{Limit: 1, Before: a.ID}, []int64{b.ID}, 3},
	} {
		got, n := ids(tt.f)
		if d := diff(tt.want, got); d != "" || n != tt.total {
			t.Errorf("Mails(%+v): total %d (-want +got):\n%s; want total %d", tt.f, n, d, tt.total)
		}
	}
}

func testClaimMails(t *testing.T, s Mails) {
	o := mailOrder(t, s, 1)
	later := mail(o, kassa.MailNewOrder)
	later.NextAttemptAt = at.Add(time.Minute)
	mustMail(t, s, later)
	first := mustMail(t, s, mail(o, kassa.MailConfirmation))
	kept := mail(o, kassa.MailOnHold)
	kept.State = kassa.MailKept
	mustMail(t, s, kept)
	lease := at.Add(time.Hour)

	wantCode(t, claimErr(s, at, at, 1), kassa.EINVALID)
	wantCode(t, claimErr(s, at, lease, 0), kassa.EINVALID)
	got, err := s.ClaimMails(ctx, at, lease, 10)
	must(t, err)
	if len(got) != 1 || got[0].ID != first.ID || !got[0].NextAttemptAt.Equal(lease) {
		t.Fatalf("claim at %v: %v; want the due queued mail %d, leased", at, got, first.ID)
	}
	if again, err := s.ClaimMails(ctx, at.Add(2*time.Minute), lease, 10); err != nil ||
		len(again) != 1 || again[0].ID != later.ID {
		t.Fatalf("second claim: %v, %v; want only the mail due later (the first is leased)", again, err)
	}
	if stored, err := s.Mail(ctx, first.ID); err != nil || !stored.NextAttemptAt.Equal(lease) {
		t.Fatalf("stored lease: %v, %v; want %v", stored, err, lease)
	}
}

// claimErr is the error of a claim.
func claimErr(s kassa.Mails, now, lease time.Time, limit int) error {
	_, err := s.ClaimMails(ctx, now, lease, limit)
	return err
}

func testClaimMailsConcurrent(t *testing.T, s Mails) {
	o := mailOrder(t, s, 1)
	const n = 20
	for i := range n {
		m := mail(o, kassa.MailRefunded)
		m.Key = kassa.MailKey(o.ID, kassa.MailRefunded, fmt.Sprint(i))
		mustMail(t, s, m)
	}
	var mu sync.Mutex
	seen := map[int64]int{}
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for {
				ms, err := s.ClaimMails(ctx, at, at.Add(time.Hour), 3)
				if err != nil {
					t.Error(err)
					return
				}
				if len(ms) == 0 {
					return
				}
				mu.Lock()
				for _, m := range ms {
					seen[m.ID]++
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if len(seen) != n {
		t.Fatalf("claimed %d distinct mails; want %d", len(seen), n)
	}
	for id, k := range seen {
		if k != 1 {
			t.Fatalf("mail %d claimed %d times; want once", id, k)
		}
	}
}
