package main

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/kassa-dev/kassa/mail/mailtest"
)

// clearMailEnv keeps the e-mail variables of the environment out of a test.
func clearMailEnv(t *testing.T) {
	for _, k := range []string{"KASSA_SMTP_URL", "KASSA_MAIL_FROM", "KASSA_SHOP_EMAIL"} {
		t.Setenv(k, "")
	}
}

func TestMailFlags(t *testing.T) {
	clearMailEnv(t)
	c, err := parseServeFlags(nil, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if m, err := c.Mail.mailer(); err != nil || m != nil {
		t.Fatalf("default: mailer %v, %v; want none (mails are kept)", m, err)
	}
	t.Setenv("KASSA_SMTP_URL", "smtp://user:secret@mail.example:587")
	t.Setenv("KASSA_MAIL_FROM", "Shop <shop@example.com>")
	if c, err = parseServeFlags([]string{"--shop-email", "owner@example.com"}, io.Discard); err != nil {
		t.Fatal(err)
	}
	if c.Mail != (mailConfig{SMTPURL: "smtp://user:secret@mail.example:587", From: "Shop <shop@example.com>",
		ShopEmail: "owner@example.com"}) {
		t.Fatalf("from the environment and flags: %+v", c.Mail)
	}
	if m, err := c.Mail.mailer(); err != nil || m == nil {
		t.Fatalf("configured: mailer %v, %v; want one", m, err)
	}
	if d := c.Mail.describe(); strings.Contains(d, "secret") || !strings.Contains(d, "mail.example") {
		t.Errorf("banner %q shows the password or not the server", d)
	}
	for _, tt := range []struct {
		m    mailConfig
		flag string
	}{
		{mailConfig{SMTPURL: "smtp://mail.example"}, "--mail-from"},
		{mailConfig{SMTPURL: "imap://mail.example", From: "shop@example.com"}, "--smtp-url"},
		{mailConfig{SMTPURL: "smtp://mail.example", From: "a shop"}, "--mail-from"},
		{mailConfig{ShopEmail: "owner"}, "--shop-email"},
	} {
		if _, err := tt.m.mailer(); err == nil || !strings.Contains(err.Error(), tt.flag) {
			t.Errorf("%+v: %v; want an error naming %s", tt.m, err, tt.flag)
		}
	}
}

// TestServeSendsMail runs `kassa serve` with an SMTP server: an approved
// order mails the customer and the owner, both in Swedish (the store is
// Swedish and the API order names no language).
func TestServeSendsMail(t *testing.T) {
	clearMailEnv(t)
	srv := mailtest.Start(t)
	base, banner, stop := startServe(t, "--data", t.TempDir(), "--admin-password", "secret-pw",
		"--smtp-url", srv.URL, "--mail-from", "Shop <shop@example.com>", "--shop-email", "owner@example.com")
	defer stop()
	if !strings.Contains(banner, "e-mails:   sent via "+srv.URL) {
		t.Errorf("banner:\n%s", banner)
	}
	c := noRedirectClient()
	resp := mustDo(t, c, http.MethodPost, base+"/api/orders", "application/json", bookOrderJSON)
	var created struct{ RedirectURL string }
	if resp.code != http.StatusCreated || json.Unmarshal([]byte(resp.body), &created) != nil {
		t.Fatalf("place order: %d %s", resp.code, resp.body)
	}
	signed := mustDo(t, c, http.MethodPost, created.RedirectURL, "application/x-www-form-urlencoded",
		url.Values{"decision": {"approve"}}.Encode())
	mustDo(t, c, http.MethodGet, signed.header.Get("Location"), "", "")
	deadline := time.Now().Add(20 * time.Second)
	for len(srv.Messages()) < 2 && time.Now().Before(deadline) {
		select {
		case <-srv.Arrived():
		case <-time.After(time.Until(deadline)):
		}
	}
	var to []string
	for _, m := range srv.Messages() {
		to = append(to, m.To[0]+": "+m.Header("Subject"))
	}
	sort.Strings(to)
	if len(to) != 2 || !strings.HasPrefix(to[0], "a@example.com: Din beställning K") ||
		!strings.HasPrefix(to[1], "owner@example.com: Ny beställning K") {
		t.Fatalf("messages: %q; want the confirmation and the owner's new order", to)
	}
}
