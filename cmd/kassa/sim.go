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
	"strconv"
	"time"

	"github.com/kassa-dev/kassa/mapisim"
)

func init() {
	register(command{name: "sim", summary: "run the MAPI simulator alone", run: runSim})
}

// simConfig is the configuration of "kassa sim".
type simConfig struct {
	addr, clientID, clientSecret, baseURL string
	data                                  string // "": in memory
	speed                                 float64
	seed                                  int64
	faults                                mapisim.Faults
	fault5xx, faultTimeout                float64
	faultLatency                          time.Duration
	verbose                               bool
}

// simFlags defines the flags of "kassa sim"; each defaults to its
// KASSA_SIM_* environment variable.
func simFlags(stderr io.Writer) (*flag.FlagSet, *simConfig, *error) {
	c := &simConfig{}
	var envErr error
	fs := newFlagSet("sim", stderr)
	str := func(p *string, name, env, def, usage string) {
		fs.StringVar(p, name, envOr(env, def), usage+" (env "+env+")")
	}
	num := func(p *float64, name, env, usage string) {
		fs.Float64Var(p, name, simEnvFloat(env, &envErr), usage+" (env "+env+")")
	}
	dur := func(p *time.Duration, name, env, usage string) {
		fs.DurationVar(p, name, simEnvDuration(env, &envErr), usage+" (env "+env+")")
	}
	str(&c.addr, "addr", "KASSA_SIM_ADDR", "127.0.0.1:8090", "listen address")
	str(&c.clientID, "client-id", "KASSA_SIM_CLIENT_ID", mapisim.DefaultClientID, "OAuth2 client id")
	str(&c.clientSecret, "client-secret", "KASSA_SIM_CLIENT_SECRET", mapisim.DefaultClientSecret, "OAuth2 client secret")
	str(&c.baseURL, "base-url", "KASSA_SIM_BASE_URL", "", "public URL of the simulator (default http://<addr>)")
	str(&c.data, "data", "KASSA_SIM_DATA", "", "directory that keeps the payments across restarts (default: in memory only)")
	fs.Float64Var(&c.speed, "speed", simEnvFloatDef("KASSA_SIM_SPEED", 1, &envErr), "clock factor: 60 makes a minute pass in a second (env KASSA_SIM_SPEED)")
	fs.Int64Var(&c.seed, "seed", int64(simEnvFloatDef("KASSA_SIM_SEED", 1, &envErr)), "seed of all randomness (env KASSA_SIM_SEED)")
	num(&c.fault5xx, "fault-5xx", "KASSA_SIM_FAULT_5XX", "probability of a 503 on every API route")
	num(&c.faultTimeout, "fault-timeout", "KASSA_SIM_FAULT_TIMEOUT", "probability of an unanswered request on every API route")
	dur(&c.faultLatency, "fault-latency", "KASSA_SIM_FAULT_LATENCY", "latency added to every request")
	num(&c.faults.Callbacks.Drop, "callback-drop", "KASSA_SIM_CALLBACK_DROP", "probability that a callback is never sent")
	num(&c.faults.Callbacks.Duplicate, "callback-dup", "KASSA_SIM_CALLBACK_DUP", "probability that a delivered callback is sent again")
	num(&c.faults.Callbacks.Delay, "callback-delay", "KASSA_SIM_CALLBACK_DELAY", "probability that a callback is delayed")
	num(&c.faults.Callbacks.Reorder, "callback-reorder", "KASSA_SIM_CALLBACK_REORDER", "probability that a callback is overtaken by the next")
	dur(&c.faults.Callbacks.MaxDelay, "callback-max-delay", "KASSA_SIM_CALLBACK_MAX_DELAY", "longest callback delay (default 30s)")
	fs.BoolVar(&c.verbose, "v", false, "log requests and callbacks to stderr")
	return fs, c, &envErr
}

func simEnvFloat(key string, errp *error) float64 { return simEnvFloatDef(key, 0, errp) }

func simEnvFloatDef(key string, def float64, errp *error) float64 {
	v := envOr(key, "")
	if v == "" {
		return def
	}
	f, err := strconv.ParseFloat(v, 64)
	if err != nil {
		*errp = errors.Join(*errp, fmt.Errorf("%s: %w", key, err))
	}
	return f
}

func simEnvDuration(key string, errp *error) time.Duration {
	v := envOr(key, "")
	if v == "" {
		return 0
	}
	d, err := time.ParseDuration(v)
	if err != nil {
		*errp = errors.Join(*errp, fmt.Errorf("%s: %w", key, err))
	}
	return d
}

func runSim(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs, c, envErr := simFlags(stderr)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *envErr != nil {
		return fmt.Errorf("sim: %w", *envErr)
	}
	if c.fault5xx > 0 || c.faultTimeout > 0 || c.faultLatency > 0 {
		c.faults.Endpoints = []mapisim.EndpointFault{{Route: "*", Error5xx: c.fault5xx, Timeout: c.faultTimeout, Latency: c.faultLatency}}
	}
	ln, err := net.Listen("tcp", c.addr)
	if err != nil {
		return fmt.Errorf("sim: %w", err)
	}
	if c.baseURL == "" {
		c.baseURL = "http://" + ln.Addr().String()
	}
	logger := slog.New(slog.DiscardHandler)
	if c.verbose {
		logger = slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	clock := mapisim.RealClock()
	if c.speed != 1 {
		clock = mapisim.ScaledClock(c.speed)
	}
	sim, err := openSim(c, mapisim.Options{ClientID: c.clientID, ClientSecret: c.clientSecret, BaseURL: c.baseURL,
		Clock: clock, Seed: c.seed, Faults: c.faults, Logger: logger})
	if err != nil {
		ln.Close()
		return fmt.Errorf("sim: %w", err)
	}
	defer sim.Close()
	printSimBanner(stdout, c)
	if !loopback(ln.Addr()) {
		fmt.Fprintf(stderr, "warning: the simulator listens on %s, reachable from other machines: "+
			"anyone who knows its client id and secret can read and change every payment in it\n", ln.Addr())
	}
	return serveSim(ctx, ln, sim)
}

// openSim returns a simulator in memory, or on c.data when given.
func openSim(c *simConfig, o mapisim.Options) (*mapisim.Sim, error) {
	if c.data == "" {
		return mapisim.New(o), nil
	}
	return mapisim.Open(c.data, o)
}

// loopback reports whether addr is reachable from this machine only.
func loopback(addr net.Addr) bool {
	tcp, ok := addr.(*net.TCPAddr)
	return ok && tcp.IP.IsLoopback()
}

func printSimBanner(w io.Writer, c *simConfig) {
	fmt.Fprintf(w, "MAPI simulator listening on %s\n", c.baseURL)
	if c.data != "" {
		fmt.Fprintf(w, "  data           %s\n", c.data)
	}
	fmt.Fprintf(w, "  client id      %s\n  client secret  %s\n  scope          merchant-api (or mock-merchant-api)\n", c.clientID, c.clientSecret)
	fmt.Fprintf(w, "  store (SE)     %s\n", mapisim.DefaultStoreID)
	fmt.Fprintf(w, "  invoice        %s\n  part payment   %s\n  resurs card    %s\n  card           %s\n  swish          %s\n",
		mapisim.MethodInvoice, mapisim.MethodPartPayment, mapisim.MethodResursCard, mapisim.MethodCard, mapisim.MethodSwish)
	fmt.Fprintf(w, "  other stores   NO %s  FI %s  DK %s\n", mapisim.StoreNO, mapisim.StoreFI, mapisim.StoreDK)
}

// serveSim serves until ctx is cancelled, then shuts down within 5 s.
func serveSim(ctx context.Context, ln net.Listener, h http.Handler) error {
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return fmt.Errorf("sim: %w", err)
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return fmt.Errorf("sim: shutdown: %w", err)
	}
	return nil
}
