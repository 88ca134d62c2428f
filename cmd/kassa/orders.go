package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/kassa-dev/kassa"
	"github.com/kassa-dev/kassa/checkout"
	"github.com/kassa-dev/kassa/mapi"
)

func init() {
	register(command{name: "orders", summary: "list, show, capture, cancel, refund, modify or sync orders", run: orders})
}

const ordersUsage = `usage: kassa orders [shop flags] COMMAND [ARGS]

commands:
  list [--status S] [--q TEXT]              orders, newest first
  show ID                                   an order, its actions and timeline
  capture ID (--line SKU:QTY ... | --all)   capture the lines, or everything authorized
  cancel ID (--line SKU:QTY ... | --all)    cancel the lines, or everything not captured
                                            (a pending order: its unsigned payment and the order)
  refund ID (--line SKU:QTY ... | --amount 100.00 | --all)
  modify ID --line SKU:QTY ...              the order's new product lines (before capture)
  sync ID                                   read the payment at Resurs and apply it
  actions [--state failed]                  after-sale actions across orders
  retry ACTION-ID                           retry a pending or failed action

The shop flags are serve's (--data, --addr/--base-url, --mapi-*; see kassa serve -h):
the command works on the same database and Resurs account as the running shop.
With the built-in simulator, the shop must be running on the same --data.
A line is given by its SKU, or "shipping" for the shipping line.`

// orders runs one order-management command against the shop's database and
// MAPI, through the same engine functions as the admin and the API.
func orders(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	cfg, cmd, rest, err := shopCommand("orders", ordersUsage, args, stderr)
	if err != nil {
		return err
	}
	if cfg.BaseURL == "" {
		cfg.BaseURL = "http://" + cfg.Addr
	}
	cfg.BaseURL = strings.TrimRight(cfg.BaseURL, "/")
	cli, err := openOrdersCLI(ctx, cfg, stdout, stderr)
	if err != nil {
		return err
	}
	defer cli.close()
	return cli.run(ctx, cmd, rest)
}

// ordersCLI is an engine on the shop's store that runs no workers: an
// action it leaves pending is resumed by the serving shop's action queue.
type ordersCLI struct {
	db     kassa.Store
	engine *checkout.Engine
	out    io.Writer
	errw   io.Writer
}

func openOrdersCLI(ctx context.Context, cfg *serveConfig, stdout, stderr io.Writer) (*ordersCLI, error) {
	db, err := openDatabase(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("orders: %w", err)
	}
	b, err := resolveBank(ctx, cfg, db)
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("orders: %w", err)
	}
	if b.embedded {
		if b.cfg, err = shopSimBank(cfg.Data); err != nil {
			db.Close()
			return nil, fmt.Errorf("orders: %w", err)
		}
	}
	log := newLogger(stderr, cfg.LogLevel)
	mailer, err := cfg.Mail.mailer()
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("orders: %w", err)
	}
	eng, err := checkout.New(checkout.Config{Store: db, Bank: mapi.New(b.cfg), StoreID: b.store, BaseURL: cfg.BaseURL,
		Hold: cfg.Hold, Logger: log.With("component", "orders"), Mailer: mailer, ShopEmail: cfg.Mail.ShopEmail})
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("orders: %w", err)
	}
	return &ordersCLI{db: db, engine: eng, out: stdout, errw: stderr}, nil
}

func (c *ordersCLI) close() { c.db.Close() }

func (c *ordersCLI) run(ctx context.Context, cmd string, args []string) error {
	switch cmd {
	case "list":
		return c.list(ctx, args)
	case "show":
		return c.withID(args, func(id int64, _ []string) error { return c.show(ctx, id) })
	case "capture", "cancel", "refund":
		return c.withID(args, func(id int64, rest []string) error { return c.act(ctx, kassa.ActionKind(cmd), id, rest) })
	case "modify":
		return c.withID(args, func(id int64, rest []string) error { return c.modify(ctx, id, rest) })
	case "sync":
		return c.withID(args, func(id int64, _ []string) error {
			o, err := c.engine.Sync(ctx, id, kassa.SourceCLI)
			if err != nil {
				return fmt.Errorf("orders sync: %s", kassa.ErrorMessage(err))
			}
			c.summary(o)
			return nil
		})
	case "actions":
		return c.actions(ctx, args)
	case "retry":
		return c.withID(args, func(id int64, _ []string) error {
			o, a, err := c.engine.RetryAction(ctx, id, kassa.SourceCLI)
			return c.report(o, a, err)
		})
	}
	return fmt.Errorf("orders: unknown command %q (see kassa orders -h)", cmd)
}

// withID parses the leading id argument.
func (c *ordersCLI) withID(args []string, fn func(id int64, rest []string) error) error {
	if len(args) == 0 {
		return errors.New("orders: an id is required")
	}
	id, err := strconv.ParseInt(args[0], 10, 64)
	if err != nil || id <= 0 {
		return fmt.Errorf("orders: %q is not an id", args[0])
	}
	return fn(id, args[1:])
}

// lineFlag collects --line SKU:QTY values.
type lineFlag []kassa.LineRequest

func (l *lineFlag) String() string { return fmt.Sprint(*l) }

func (l *lineFlag) Set(v string) error {
	sku, qty, ok := strings.Cut(v, ":")
	n, err := strconv.ParseInt(qty, 10, 64)
	if !ok || sku == "" || err != nil || n <= 0 {
		return fmt.Errorf("want SKU:QTY with a positive quantity, e.g. BOOK-001:1")
	}
	*l = append(*l, kassa.LineRequest{SKU: sku, Quantity: n})
	return nil
}

// act runs capture, cancel or refund. It must name what it acts on (lines,
// --all, or for a refund --amount): the engine refuses anything else, so
// "everything" is never implied.
func (c *ordersCLI) act(ctx context.Context, kind kassa.ActionKind, id int64, args []string) error {
	fs := flag.NewFlagSet("orders "+string(kind), flag.ContinueOnError)
	fs.SetOutput(c.errw)
	var lines lineFlag
	var amount string
	var all bool
	fs.Var(&lines, "line", "SKU:QTY to act on (repeat for several lines)")
	fs.BoolVar(&all, "all", false, map[kassa.ActionKind]string{
		kassa.ActionCapture: "capture everything authorized",
		kassa.ActionCancel:  "cancel everything not captured (of a pending order: its unsigned payment and the order)",
		kassa.ActionRefund:  "refund everything captured and not yet refunded",
	}[kind])
	if kind == kassa.ActionRefund {
		fs.StringVar(&amount, "amount", "", "refund this amount, e.g. 100.00 (split by the captured VAT rates)")
	}
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("orders %s: unexpected arguments %q", kind, fs.Args())
	}
	req := checkout.ActionRequest{Lines: lines, All: all, Source: kassa.SourceCLI, Creator: "cli"}
	if amount != "" {
		m, err := kassa.ParseMoney(amount)
		if err != nil || m <= 0 {
			return fmt.Errorf("orders refund: --amount %q: want a positive amount with at most 2 decimals", amount)
		}
		req.Amount = m
	}
	do := map[kassa.ActionKind]func(context.Context, int64, checkout.ActionRequest) (*kassa.Order, *kassa.Action, error){
		kassa.ActionCapture: c.engine.Capture, kassa.ActionCancel: c.engine.Cancel, kassa.ActionRefund: c.engine.Refund,
	}[kind]
	o, a, err := do(ctx, id, req)
	return c.report(o, a, err)
}

func (c *ordersCLI) modify(ctx context.Context, id int64, args []string) error {
	fs := flag.NewFlagSet("orders modify", flag.ContinueOnError)
	fs.SetOutput(c.errw)
	var lines lineFlag
	fs.Var(&lines, "line", "SKU:QTY of the order's new product lines (repeat)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	o, a, err := c.engine.Modify(ctx, id, checkout.ModifyRequest{Lines: lines, Source: kassa.SourceCLI, Creator: "cli"})
	return c.report(o, a, err)
}

// report prints an action's outcome; an error is returned with the
// message an admin would see (MAPI code, message and traceId included).
func (c *ordersCLI) report(o *kassa.Order, a *kassa.Action, err error) error {
	if a != nil {
		fmt.Fprintf(c.out, "%s %s (%s): %s\n", a.Kind, a.TransactionID, a.Amount, a.State)
	}
	if o != nil {
		c.summary(o)
	}
	if err == nil {
		return nil
	}
	var ke *kassa.Error
	msg := kassa.ErrorMessage(err)
	if errors.As(err, &ke) {
		for _, f := range ke.Fields {
			msg += fmt.Sprintf("\n  %s: %s", f.Field, f.Message)
		}
	}
	return errors.New(msg)
}

func (c *ordersCLI) summary(o *kassa.Order) {
	fmt.Fprintf(c.out, "order %s (id %d): %s; total %s, authorized %s, captured %s, refunded %s, cancelled %s\n",
		o.Number, o.ID, o.Status, o.Total, o.Authorized, o.Captured, o.Refunded, o.Canceled)
}

func (c *ordersCLI) list(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("orders list", flag.ContinueOnError)
	fs.SetOutput(c.errw)
	var f kassa.OrderFilter
	fs.Func("status", "only orders in this status", func(v string) error {
		f.Status = kassa.Status(v)
		if !f.Status.Valid() {
			return fmt.Errorf("unknown status %q", v)
		}
		return nil
	})
	fs.StringVar(&f.Query, "q", "", "words of the number, e-mail or name (the last may be begun), or a payment id")
	fs.Int64Var(&f.After, "after", 0, "list the orders older than this id (the next page)")
	fs.IntVar(&f.Limit, "n", 50, "how many")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	list, total, err := c.db.Orders(ctx, f)
	if err != nil {
		return fmt.Errorf("orders list: %w", err)
	}
	tw := tabwriter.NewWriter(c.out, 2, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "ID\tNUMBER\tSTATUS\tTOTAL\tCAPTURED\tREFUNDED\tCREATED\t")
	for _, o := range list {
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\t%s\t\n", o.ID, o.Number, o.Status, o.Total, o.Captured, o.Refunded,
			o.CreatedAt.Local().Format("2006-01-02 15:04"))
	}
	tw.Flush()
	fmt.Fprintf(c.out, "%d of %s orders\n", len(list), countText(total))
	return nil
}

func (c *ordersCLI) show(ctx context.Context, id int64) error {
	o, err := c.db.Order(ctx, id)
	if err != nil {
		return fmt.Errorf("orders show: %s", kassa.ErrorMessage(err))
	}
	c.summary(o)
	fmt.Fprintf(c.out, "payment %s (%s)\n\nlines:\n", cmpOr(o.PaymentID, "none"), cmpOr(o.PaymentStatus, "not read"))
	for _, l := range o.Lines {
		fmt.Fprintf(c.out, "  %-12s %3d × %10s  %10s  %s\n", cmpOr(l.SKU, strings.ToLower(string(l.Type))), l.Quantity,
			l.UnitPrice, l.Total, l.Description)
	}
	as, err := c.engine.OrderActions(ctx, id)
	if err != nil {
		return err
	}
	if len(as) > 0 {
		fmt.Fprintln(c.out, "\nactions:")
		c.printActions(as)
	}
	evs, err := c.db.Events(ctx, id)
	if err != nil {
		return err
	}
	fmt.Fprintln(c.out, "\ntimeline:")
	for _, ev := range evs {
		change := string(ev.From) + " (unchanged)"
		if ev.Applied {
			change = string(ev.From) + " → " + string(ev.To)
		}
		fmt.Fprintf(c.out, "  %s  %-8s %s  %s\n", ev.At.Local().Format("2006-01-02 15:04:05"), ev.Source, change, ev.Note)
	}
	return nil
}

func (c *ordersCLI) printActions(as []*kassa.Action) {
	for _, a := range as {
		line := fmt.Sprintf("  #%d %-8s %-22s %10s  %-9s", a.ID, a.Kind, a.TransactionID, a.Amount, a.State)
		if a.Error.Message != "" {
			line += "  " + a.Error.String()
		}
		fmt.Fprintln(c.out, line)
	}
}

func (c *ordersCLI) actions(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("orders actions", flag.ContinueOnError)
	fs.SetOutput(c.errw)
	var f kassa.ActionFilter
	fs.Func("state", "pending, succeeded, refused or failed", func(v string) error {
		f.State = kassa.ActionState(v)
		if !f.State.Valid() {
			return fmt.Errorf("unknown state %q", v)
		}
		return nil
	})
	fs.IntVar(&f.Limit, "n", 50, "how many")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	as, total, err := c.engine.Actions(ctx, f)
	if err != nil {
		return err
	}
	c.printActions(as)
	fmt.Fprintf(c.out, "%d of %s actions\n", len(as), countText(total))
	return nil
}

// countText writes a listing's total, which above kassa.CountCap means
// "more than CountCap".
func countText(total int) string {
	if total > kassa.CountCap {
		return fmt.Sprintf("more than %d", kassa.CountCap)
	}
	return strconv.Itoa(total)
}
