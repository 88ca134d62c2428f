package mail

import (
	"context"
	"fmt"
	"net/mail"
	"net/url"
	"strconv"
	"strings"
	"time"

	gomail "github.com/wneessen/go-mail"

	"github.com/kassa-dev/kassa"
)

// sendTimeout bounds the connection to the SMTP server.
const sendTimeout = 30 * time.Second

// Sender sends mails through one SMTP server. It is safe for concurrent
// use: each Send has a connection of its own.
type Sender struct {
	host       string
	port       int
	tls        bool // TLS from the start (smtps); else STARTTLS when offered
	user, pass string
	from       string
	domain     string // of from, for Message-IDs
}

// NewSender returns a Sender for the server at rawURL, sending from the
// address from. rawURL is smtp://[user:pass@]host[:port] (port 587 by
// default; STARTTLS when the server offers it) or smtps://… (port 465 by
// default; TLS from the start). EINVALID for a bad URL or address.
func NewSender(rawURL, from string) (*Sender, error) {
	u, err := url.Parse(rawURL)
	if err != nil || u.Hostname() == "" || (u.Scheme != "smtp" && u.Scheme != "smtps") {
		return nil, kassa.Errorf(kassa.EINVALID, "The SMTP URL must be smtp://[user:pass@]host:port or smtps://…, not %q.", redact(rawURL))
	}
	addr, err := mail.ParseAddress(from)
	if err != nil {
		return nil, kassa.Errorf(kassa.EINVALID, "The sender address %q is not an e-mail address: %v.", from, err)
	}
	s := &Sender{host: u.Hostname(), port: 587, tls: u.Scheme == "smtps", from: addr.String(),
		domain: addr.Address[strings.LastIndexByte(addr.Address, '@')+1:]}
	if s.tls {
		s.port = 465
	}
	if p := u.Port(); p != "" {
		if s.port, err = strconv.Atoi(p); err != nil || s.port < 1 || s.port > 65535 {
			return nil, kassa.Errorf(kassa.EINVALID, "The SMTP URL has a bad port %q.", p)
		}
	}
	if u.User != nil {
		s.user = u.User.Username()
		s.pass, _ = u.User.Password()
	}
	return s, nil
}

// redact hides the password of an SMTP URL for messages.
func redact(rawURL string) string {
	if u, err := url.Parse(rawURL); err == nil {
		return u.Redacted()
	}
	return "(unparsable)"
}

// Send delivers m to its recipient. The Message-ID is derived from m's
// idempotency key, so that a mail sent again after a crash between sending
// and recording it is recognisably the same message.
func (s *Sender) Send(ctx context.Context, m *kassa.Mail) error {
	msg, err := s.message(m)
	if err != nil {
		return err
	}
	c, err := gomail.NewClient(s.host, s.options()...)
	if err != nil {
		return fmt.Errorf("mail: client: %w", err)
	}
	if err := c.DialAndSendWithContext(ctx, msg); err != nil {
		return fmt.Errorf("mail: send mail %d to %s: %w", m.ID, m.To, err)
	}
	return nil
}

// options are the client options of s.
func (s *Sender) options() []gomail.Option {
	opts := []gomail.Option{gomail.WithPort(s.port), gomail.WithTimeout(sendTimeout)}
	if s.tls {
		opts = append(opts, gomail.WithSSL())
	} else {
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSOpportunistic))
	}
	if s.user != "" {
		opts = append(opts, gomail.WithSMTPAuth(gomail.SMTPAuthAutoDiscover),
			gomail.WithUsername(s.user), gomail.WithPassword(s.pass))
	}
	return opts
}

// message builds the message of m: a plain-text body with the HTML body
// as its alternative.
func (s *Sender) message(m *kassa.Mail) (*gomail.Msg, error) {
	msg := gomail.NewMsg()
	if err := msg.From(s.from); err != nil {
		return nil, fmt.Errorf("mail: from: %w", err)
	}
	if err := msg.To(m.To); err != nil {
		return nil, kassa.Errorf(kassa.EINVALID, "The recipient %q is not an e-mail address: %v.", m.To, err)
	}
	msg.Subject(m.Subject)
	msg.SetDate()
	msg.SetMessageIDWithValue(strings.ReplaceAll(m.Key, "/", ".") + "@" + s.domain)
	msg.SetGenHeader(gomail.HeaderContentLang, m.Lang)
	msg.SetBodyString(gomail.TypeTextPlain, m.Text)
	msg.AddAlternativeString(gomail.TypeTextHTML, m.HTML)
	return msg, nil
}
