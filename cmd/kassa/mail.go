package main

import (
	"errors"
	"flag"
	"fmt"
	"net/mail"
	"net/url"

	"github.com/kassa-dev/kassa/checkout"
	kmail "github.com/kassa-dev/kassa/mail"
)

// mailConfig is where order e-mails go (README.md §E-mails). Without an
// SMTP URL they are rendered and kept for the admin's E-mails page.
type mailConfig struct {
	SMTPURL   string // smtp://[user:pass@]host:port or smtps://…
	From      string // the sender's address
	ShopEmail string // the shop owner's address for owner mails
}

// defineMail registers the e-mail flags on fs with their KASSA_* defaults.
func (c *serveConfig) defineMail(fs *flag.FlagSet) {
	m := &c.Mail
	fs.StringVar(&m.SMTPURL, "smtp-url", envOr("KASSA_SMTP_URL", ""), "SMTP server `URL` for order e-mails: smtp://[user:pass@]host:port (STARTTLS when offered) or smtps://… (TLS from the start); empty: e-mails are only kept for the admin (KASSA_SMTP_URL)")
	fs.StringVar(&m.From, "mail-from", envOr("KASSA_MAIL_FROM", ""), "sender `address` of order e-mails, e.g. \"Shop <shop@example.com>\"; needed with --smtp-url (KASSA_MAIL_FROM)")
	fs.StringVar(&m.ShopEmail, "shop-email", envOr("KASSA_SHOP_EMAIL", ""), "the shop owner's e-mail `address` for new orders and alerts; empty: none (KASSA_SHOP_EMAIL)")
}

// mailer returns the engine's Mailer, or nil without an SMTP URL; an
// error names the flag that is wrong.
func (m mailConfig) mailer() (checkout.Mailer, error) {
	if m.ShopEmail != "" {
		if _, err := mail.ParseAddress(m.ShopEmail); err != nil {
			return nil, fmt.Errorf("--shop-email %q is not an e-mail address", m.ShopEmail)
		}
	}
	if m.SMTPURL == "" {
		return nil, nil
	}
	if m.From == "" {
		return nil, errors.New("--mail-from (KASSA_MAIL_FROM) is needed with --smtp-url")
	}
	s, err := kmail.NewSender(m.SMTPURL, m.From)
	if err != nil {
		return nil, fmt.Errorf("--smtp-url or --mail-from: %w", err)
	}
	return s, nil
}

// describe says where mails go, for the banner; the password is hidden.
func (m mailConfig) describe() string {
	if m.SMTPURL == "" {
		return "kept for the admin (no --smtp-url)"
	}
	u, err := url.Parse(m.SMTPURL)
	if err != nil {
		return "(bad --smtp-url)"
	}
	return "sent via " + u.Redacted() + " from " + m.From
}
