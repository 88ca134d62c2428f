package chaos

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // the pgx database/sql driver, to create a fresh schema

	"github.com/kassa-dev/kassa"
	"github.com/kassa-dev/kassa/postgres"
	"github.com/kassa-dev/kassa/sqlite"
)

// Launcher returns the command that runs the shop: "kassa serve" with args
// (the chaos command runs its own executable; a test re-executes its test
// binary). The harness sets Stdout and Stderr; Env is the parent's
// environment without KASSA_* variables plus whatever the launcher put in
// Env.
type Launcher func(args []string) *exec.Cmd

// shopProc is the shop running as a child process.
type shopProc struct {
	launch  Launcher
	args    []string
	env     []string
	url     string
	logPath string
	cmd     *exec.Cmd
	done    chan error
	log     *os.File
}

// freeAddr finds a free loopback port. The shop binds it itself; the port
// is kept across restarts so that the callback URLs stay valid.
func freeAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", fmt.Errorf("chaos: find a free port: %w", err)
	}
	addr := ln.Addr().String()
	return addr, ln.Close()
}

// childEnv is the parent's environment without KASSA_* variables, so that
// only the flags configure the child.
func childEnv(extra ...string) []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "KASSA_") {
			env = append(env, kv)
		}
	}
	return append(env, extra...)
}

// start runs the shop and waits until /healthz answers (bounded).
func (s *shopProc) start(ctx context.Context) error {
	f, err := os.OpenFile(s.logPath, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		return fmt.Errorf("chaos: shop log: %w", err)
	}
	fmt.Fprintf(f, "=== chaos: starting shop at %s\n", time.Now().Format(time.RFC3339Nano))
	cmd := s.launch(s.args)
	cmd.Stdout, cmd.Stderr, cmd.Env = f, f, append(append([]string(nil), s.env...), cmd.Env...)
	if err := cmd.Start(); err != nil {
		f.Close()
		return fmt.Errorf("chaos: start shop: %w", err)
	}
	s.cmd, s.log, s.done = cmd, f, make(chan error, 1)
	go func() { s.done <- cmd.Wait() }()
	return s.waitHealthy(ctx, 60*time.Second)
}

func (s *shopProc) waitHealthy(ctx context.Context, limit time.Duration) error {
	deadline := time.Now().Add(limit)
	c := &http.Client{Timeout: time.Second}
	for time.Now().Before(deadline) {
		select {
		case err := <-s.done:
			s.done <- err
			return fmt.Errorf("chaos: shop exited during start (%v); log %s:\n%s", err, s.logPath, tail(s.logPath, 2000))
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
		resp, err := c.Get(s.url + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
	}
	return fmt.Errorf("chaos: shop not healthy after %s; log %s:\n%s", limit, s.logPath, tail(s.logPath, 2000))
}

// kill sends SIGKILL and waits for the process to end.
func (s *shopProc) kill() error {
	if s.cmd == nil {
		return nil
	}
	if err := s.cmd.Process.Signal(syscall.SIGKILL); err != nil && !errors.Is(err, os.ErrProcessDone) {
		return fmt.Errorf("chaos: kill shop: %w", err)
	}
	<-s.done
	s.finish("killed (SIGKILL)")
	return nil
}

// stop asks the shop to stop (SIGTERM) and kills it after 20 s.
func (s *shopProc) stop() error {
	if s.cmd == nil {
		return nil
	}
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.done:
		s.finish("stopped (SIGTERM)")
		return nil
	case <-time.After(20 * time.Second):
		return s.kill()
	}
}

func (s *shopProc) finish(how string) {
	fmt.Fprintf(s.log, "=== chaos: shop %s at %s\n", how, time.Now().Format(time.RFC3339Nano))
	s.log.Close()
	s.cmd = nil
}

// tail returns the last n bytes of a file.
func tail(path string, n int) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return err.Error()
	}
	if len(b) > n {
		b = b[len(b)-n:]
	}
	return string(bytes.TrimSpace(b))
}

// openStore opens the shop's store from the parent: the SQLite file in
// the data directory, or the PostgreSQL database.
func openStore(ctx context.Context, kind, data, dbURL string) (kassa.Store, error) {
	switch kind {
	case "sqlite":
		return sqlite.Open(ctx, filepath.Join(data, "kassa.db"))
	case "postgres":
		return postgres.Open(ctx, dbURL)
	}
	return nil, fmt.Errorf("chaos: unknown store %q (sqlite or postgres)", kind)
}

// freshSchema creates a new schema in the PostgreSQL database at dbURL and
// returns a URL that selects it, and a function that drops it.
func freshSchema(ctx context.Context, dbURL string, seed int64) (string, func(), error) {
	db, err := sql.Open("pgx", dbURL)
	if err != nil {
		return "", nil, fmt.Errorf("chaos: postgres: %w", err)
	}
	name := fmt.Sprintf("chaos_%d_%d", seed&0xffffff, time.Now().UnixNano()%1e9)
	if _, err := db.ExecContext(ctx, "CREATE SCHEMA "+name); err != nil {
		db.Close()
		return "", nil, fmt.Errorf("chaos: postgres: create schema: %w", err)
	}
	u, err := url.Parse(dbURL)
	if err != nil {
		db.Close()
		return "", nil, fmt.Errorf("chaos: database url: %w", err)
	}
	q := u.Query()
	q.Set("search_path", name)
	u.RawQuery = q.Encode()
	drop := func() {
		_, _ = db.ExecContext(context.Background(), "DROP SCHEMA "+name+" CASCADE")
		db.Close()
	}
	return u.String(), drop, nil
}
