// Command shop is an example of a merchant's own web shop that takes its
// payments through kassa (README.md §Use kassa from your own shop): a
// product page whose Buy button creates a checkout at kassa over the API
// and sends the shopper to it, a webhook endpoint that verifies kassa's
// signed events (Standard Webhooks) and marks the shop's orders paid, and
// a page listing those orders.
//
//	go run ./examples/shop --kassa http://localhost:8080 --api-key kassa_… --register
//
// It keeps its orders in memory: it shows the integration, not a shop to
// run.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	if err != nil && !errors.Is(err, flag.ErrHelp) {
		fmt.Fprintln(os.Stderr, "shop:", err)
		os.Exit(1)
	}
}

// flags are the command's settings.
type flags struct {
	addr, public, kassa, apiKey, secret string
	register                            bool
}

func parseFlags(args []string, stderr io.Writer) (flags, error) {
	var f flags
	fs := flag.NewFlagSet("shop", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&f.addr, "addr", "localhost:8090", "listen address of the shop")
	fs.StringVar(&f.public, "public-url", "", "the shop's URL as shoppers and kassa reach it [http://<addr>]")
	fs.StringVar(&f.kassa, "kassa", "http://localhost:8080", "kassa's base URL")
	fs.StringVar(&f.apiKey, "api-key", os.Getenv("KASSA_API_KEY"), "kassa API key, kassa_… (KASSA_API_KEY)")
	fs.StringVar(&f.secret, "webhook-secret", os.Getenv("KASSA_WEBHOOK_SECRET"),
		"signing secret of the shop's webhook endpoint at kassa, whsec_… (KASSA_WEBHOOK_SECRET)")
	fs.BoolVar(&f.register, "register", false, "register the shop's webhook endpoint at kassa (or reuse it) and take its secret")
	if err := fs.Parse(args); err != nil {
		return f, err
	}
	switch {
	case fs.NArg() > 0:
		return f, fmt.Errorf("unexpected arguments %q", fs.Args())
	case f.apiKey == "":
		return f, errors.New("--api-key (or KASSA_API_KEY) is required")
	case f.secret == "" && !f.register:
		return f, errors.New("--webhook-secret (or KASSA_WEBHOOK_SECRET) or --register is required")
	}
	return f, nil
}

// run serves the shop until ctx ends.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	f, err := parseFlags(args, stderr)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", f.addr)
	if err != nil {
		return err
	}
	defer ln.Close()
	public := strings.TrimRight(f.public, "/")
	if public == "" {
		public = "http://" + ln.Addr().String()
	}
	kc := newKassaClient(f.kassa, f.apiKey)
	if f.register {
		if f.secret, err = kc.registerWebhook(ctx, public+webhookPath); err != nil {
			return fmt.Errorf("register the webhook endpoint: %w", err)
		}
	}
	log := slog.New(slog.NewTextHandler(stderr, nil))
	s, err := newShop(Config{Kassa: kc, Secret: f.secret, PublicURL: public, Logger: log})
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "shop: %s (orders: %s/orders), paying through kassa at %s\n", public, public, f.kassa)
	srv := &http.Server{Handler: s.Handler(), ReadHeaderTimeout: 10 * time.Second}
	go func() {
		<-ctx.Done()
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(sctx)
	}()
	if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
