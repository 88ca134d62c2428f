package sqlite

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kassa-dev/kassa/internal/sqlstore"
)

// openFileDB opens a store on a file in a temporary directory.
func openFileDB(t *testing.T, opts ...Option) *DB {
	t.Helper()
	db, _ := openFile(t, opts...)
	return db
}

// withCommitWindow sets the group commit's commit window.
func withCommitWindow(d time.Duration) Option {
	return func(c *config) { c.window = d }
}

// putSetting is a write that stores key=value.
func putSetting(key, value string) func(tx *sqlstore.Runner) error {
	return func(tx *sqlstore.Runner) error {
		_, err := tx.ExecContext(context.Background(),
			`INSERT INTO settings (key, value) VALUES (?, ?)`, key, value)
		return err
	}
}

// holdCommitter queues a write that blocks the committer until release
// is called, so that writes queued meanwhile run as one batch.
func holdCommitter(t *testing.T, db *DB) (release func()) {
	t.Helper()
	started, hold := make(chan struct{}), make(chan struct{})
	done := make(chan error, 1)
	go func() {
		done <- db.transact(context.Background(), func(tx *sqlstore.Runner) error {
			close(started)
			<-hold
			return putSetting("hold", "1")(tx)
		})
	}()
	<-started
	return func() {
		close(hold)
		if err := <-done; err != nil {
			t.Errorf("holding write: %v", err)
		}
	}
}

// waitQueued waits until n writes are queued behind the held batch.
func waitQueued(db *DB, n int) {
	for len(db.group.ops) < n {
		runtime.Gosched()
	}
}

// setting reads a setting; "" when absent.
func setting(t *testing.T, db *DB, key string) string {
	t.Helper()
	v, _, err := db.Setting(context.Background(), key)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// TestGroupCommitKeepsCallersApart: writes queued together run in one
// batch; each failing write is rolled back alone and its caller alone sees
// its error; a write that panics fails alone; a write whose caller gave up
// before it started writes nothing; a caller's context cancelled while its
// write runs does not interrupt the batch.
func TestGroupCommitKeepsCallersApart(t *testing.T) {
	db := openFileDB(t)
	release := holdCommitter(t, db)

	const n = 40
	errFail := errors.New("this write fails")
	gone, cancelGone := context.WithCancel(context.Background())
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		key := fmt.Sprintf("k%02d", i)
		var fn func(tx *sqlstore.Runner) error
		ctx := context.Background()
		switch i % 5 {
		case 0, 1: // succeeds
			fn = putSetting(key, "ok")
		case 2: // writes, then fails: rolled back to its savepoint
			fn = func(tx *sqlstore.Runner) error {
				if err := putSetting(key, "rolled back")(tx); err != nil {
					return err
				}
				return errFail
			}
		case 3: // panics after writing
			fn = func(tx *sqlstore.Runner) error {
				if err := putSetting(key, "panicked")(tx); err != nil {
					return err
				}
				panic("boom")
			}
		case 4: // its caller's context ends while it runs
			c, cancel := context.WithCancel(context.Background())
			ctx = c
			fn = func(tx *sqlstore.Runner) error {
				cancel()
				_, err := tx.ExecContext(c, `INSERT INTO settings (key, value) VALUES (?, ?)`, key, "ok")
				return err
			}
		}
		wg.Go(func() { errs[i] = db.transact(ctx, fn) })
	}
	// One more whose caller gives up before the batch starts.
	var goneErr error
	waitQueued(db, n)
	wg.Go(func() { goneErr = db.transact(gone, putSetting("gone", "written")) })
	waitQueued(db, n+1)
	cancelGone()
	release()
	wg.Wait()

	for i := range n {
		key := fmt.Sprintf("k%02d", i)
		got := setting(t, db, key)
		switch i % 5 {
		case 0, 1, 4:
			if errs[i] != nil || got != "ok" {
				t.Errorf("%s: err %v, stored %q; want nil, ok", key, errs[i], got)
			}
		case 2:
			if !errors.Is(errs[i], errFail) || got != "" {
				t.Errorf("%s: err %v, stored %q; want its own error and nothing stored", key, errs[i], got)
			}
		case 3:
			if errs[i] == nil || !strings.Contains(errs[i].Error(), "boom") || got != "" {
				t.Errorf("%s: err %v, stored %q; want the panic as its error and nothing stored", key, errs[i], got)
			}
		}
	}
	if !errors.Is(goneErr, context.Canceled) || setting(t, db, "gone") != "" {
		t.Errorf("write given up before it started: %v, stored %q; want context.Canceled, nothing", goneErr, setting(t, db, "gone"))
	}
}

// TestGroupCommitFailedCommit: when the batch's transaction cannot commit,
// every caller in it gets an error, nothing of the batch is stored, and
// the next batch writes again.
func TestGroupCommitFailedCommit(t *testing.T) {
	db := openFileDB(t)
	release := holdCommitter(t, db)
	// A deferred foreign key violation passes every statement and fails the
	// COMMIT of the whole batch.
	var wg sync.WaitGroup
	errs := make([]error, 3)
	for i := range errs {
		fn := putSetting(fmt.Sprintf("c%d", i), "x")
		if i == 1 {
			fn = func(tx *sqlstore.Runner) error {
				ctx := context.Background()
				if _, err := tx.ExecContext(ctx, `PRAGMA defer_foreign_keys = ON`); err != nil {
					return err
				}
				_, err := tx.ExecContext(ctx, `INSERT INTO events (order_id, at, source, from_status, to_status,
					applied, payment_status, note) VALUES (999999, 0, 'test', '', '', 0, '', '')`)
				return err
			}
		}
		wg.Go(func() { errs[i] = db.transact(context.Background(), fn) })
	}
	waitQueued(db, len(errs))
	release() // the holding write commits in a batch of its own
	wg.Wait()
	for i, err := range errs {
		if err == nil {
			t.Errorf("write %d: nil error from a batch that did not commit", i)
		}
	}
	for _, key := range []string{"c0", "c2"} {
		if v := setting(t, db, key); v != "" {
			t.Errorf("%s stored %q by a batch that did not commit", key, v)
		}
	}
	if err := db.PutSetting(context.Background(), "after", "1"); err != nil || setting(t, db, "after") != "1" {
		t.Errorf("write after a failed commit: %v", err)
	}
}

// TestGroupCommitClose: later writes fail with errClosed.
func TestGroupCommitClose(t *testing.T) {
	db, err := Open(context.Background(), filepath.Join(t.TempDir(), "kassa.db"))
	if err != nil {
		t.Fatal(err)
	}
	if err := db.PutSetting(context.Background(), "a", "1"); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	if err := db.transact(context.Background(), putSetting("b", "2")); !errors.Is(err, errClosed) {
		t.Errorf("write after Close = %v, want errClosed", err)
	}
}

// txOf is a write that stores key and reports the transaction it ran in.
func txOf(key string, into **sql.Tx) func(tx *sqlstore.Runner) error {
	return func(tx *sqlstore.Runner) error {
		*into = tx.Tx
		return putSetting(key, "1")(tx)
	}
}

// TestCommitWindow: after a batch of several writes, the committer waits
// for more (here up to an hour, so only windowBatch writes can end the
// wait): writes queued a millisecond apart, long after the committer took
// the first (the pause only makes a committer without the window fail
// reliably; with it, the writes share a batch however they arrive), share
// one transaction. A lone write after a batch of one never waits.
func TestCommitWindow(t *testing.T) {
	db := openFileDB(t, withCommitWindow(time.Hour))
	ctx := context.Background()

	// Quiet: each write is alone, and its batch was one write.
	for i := range 3 {
		done := make(chan error, 1)
		go func() { done <- db.transact(ctx, putSetting(fmt.Sprintf("quiet%d", i), "1")) }()
		select {
		case err := <-done:
			if err != nil {
				t.Fatal(err)
			}
		case <-time.After(time.Minute): // a guard against hanging, not a timing
			t.Fatalf("lone write %d on a quiet store waited in the commit window", i)
		}
	}

	// Busy: two writes queued behind a held batch run together.
	release := holdCommitter(t, db)
	var wg sync.WaitGroup
	for i := range 2 {
		wg.Go(func() {
			if err := db.transact(ctx, putSetting(fmt.Sprintf("pair%d", i), "1")); err != nil {
				t.Error(err)
			}
		})
	}
	waitQueued(db, 2)
	release()
	wg.Wait()

	txs := make([]*sql.Tx, windowBatch)
	for i := range txs {
		wg.Go(func() {
			if err := db.transact(ctx, txOf(fmt.Sprintf("w%02d", i), &txs[i])); err != nil {
				t.Error(err)
			}
		})
		time.Sleep(time.Millisecond)
	}
	wg.Wait()
	for i, tx := range txs {
		if tx != txs[0] {
			t.Fatalf("write %d ran in another transaction than write 0: the committer did not wait for it", i)
		}
	}
}

// nullable is a driver.Valuer; a nil pointer to one is NULL, as
// database/sql has it.
type nullable struct{ v string }

func (n nullable) Value() (driver.Value, error) { return n.v, nil }

// TestCommitterExecsOnTheConnection: a batch's statements, and those of
// a hook in it (Bind), run on the driver connection (Runner.Exec), with
// database/sql's argument conversions, results and errors.
func TestCommitterExecsOnTheConnection(t *testing.T) {
	db := openFileDB(t)
	ctx := context.Background()
	type status string
	const insert = `INSERT INTO probe (s, i, b, n, v, raw) VALUES (?, ?, ?, ?, ?, ?)`
	const hooked = `INSERT INTO probe (s) VALUES ('from a hook')` // as a TxFunc's Tx runs it
	var id, rows int64
	err := db.transact(ctx, func(tx *sqlstore.Runner) error {
		if _, err := tx.ExecContext(ctx, `CREATE TABLE probe (id INTEGER PRIMARY KEY, s, i, b, n, v, raw)`); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, insert, status("processing"), int(7), true, (*nullable)(nil), &nullable{"x"}, []byte{1, 2})
		if err != nil {
			return err
		}
		if id, err = res.LastInsertId(); err != nil {
			return err
		}
		if rows, err = res.RowsAffected(); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, hooked) // a hook's Tx runs on the batch's Runner
		return err
	})
	if err != nil || id != 1 || rows != 1 {
		t.Fatalf("insert: id %d, %d rows, %v", id, rows, err)
	}
	var s, v string
	var i, b int64
	var n sql.NullString
	var raw []byte
	if err := db.read.QueryRowContext(ctx, `SELECT s, i, b, n, v, raw FROM probe WHERE id = 1`).Scan(&s, &i, &b, &n, &v, &raw); err != nil {
		t.Fatal(err)
	}
	if s != "processing" || i != 7 || b != 1 || n.Valid || v != "x" || string(raw) != "\x01\x02" {
		t.Errorf("stored %q %d %d %v %q %v", s, i, b, n, v, raw)
	}

	conn, err := db.write.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if cc := driverConn(conn); cc == nil || cc.direct[insert] == nil || cc.direct[hooked] == nil {
		t.Error("the batch's insert or its hook's did not run on the driver connection")
	}
	conn.Close()

	err = db.transact(ctx, func(tx *sqlstore.Runner) error {
		_, err := tx.ExecContext(ctx, insert, struct{}{}, 1, 1, 1, 1, 1)
		return err
	})
	if err == nil || !strings.Contains(err.Error(), "argument 1") {
		t.Errorf("an argument no driver value converts from: %v", err)
	}
	var count int
	if err := db.read.QueryRowContext(ctx, `SELECT count(*) FROM probe`).Scan(&count); err != nil || count != 2 {
		t.Errorf("%d rows after the refused insert, %v", count, err)
	}
}
