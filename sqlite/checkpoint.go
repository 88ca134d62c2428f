package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"sync"
	"time"
)

// WAL checkpoints. SQLite's default is that the connection whose commit
// takes the WAL past 1,000 pages copies them into the database file and
// syncs it, inside that commit. Here that connection is the one writer, so
// every write of the shop waited for each checkpoint and its fsync: under
// kassa bench the committer was busy 92 % of the time and the shop used
// 1.7 of the 2 cores (1.99 with no checkpoints at all; see
// docs/performance.md, change 11). The writer's automatic checkpoint
// is therefore set far out (writerCheckpointPages, a safety net only), and
// a checkpointer runs a PASSIVE checkpoint every checkpointEvery on a
// connection of its own. PASSIVE never waits for the writer or for
// readers; the writer goes on appending to the WAL meanwhile, and starts it
// again from the beginning once a checkpoint has copied all of it.
const (
	checkpointEvery       = 100 * time.Millisecond
	writerCheckpointPages = 10000
)

// checkpointer runs the periodic checkpoints.
type checkpointer struct {
	pool    *sql.DB // one connection of its own (not query_only)
	stop    chan struct{}
	halting sync.Once
	wg      sync.WaitGroup
}

func newCheckpointer(pool *sql.DB) *checkpointer {
	c := &checkpointer{pool: pool, stop: make(chan struct{})}
	c.wg.Go(c.loop)
	return c
}

func (c *checkpointer) loop() {
	t := time.NewTicker(checkpointEvery)
	defer t.Stop()
	for {
		select {
		case <-c.stop:
			return
		case <-t.C:
		}
		// A failure is retried at the next tick; the writer's own
		// checkpoint at writerCheckpointPages bounds the WAL meanwhile.
		_, _, _ = c.once(context.Background())
	}
}

// once runs one PASSIVE checkpoint and returns the frames in the WAL and
// how many of them are now in the database file.
func (c *checkpointer) once(ctx context.Context) (log, done int, err error) {
	var busy int
	if err := c.pool.QueryRowContext(ctx, "PRAGMA wal_checkpoint(PASSIVE)").Scan(&busy, &log, &done); err != nil {
		return 0, 0, fmt.Errorf("wal checkpoint: %w", err)
	}
	return log, done, nil
}

// halt stops the loop; it is idempotent.
func (c *checkpointer) halt() {
	c.halting.Do(func() { close(c.stop) })
	c.wg.Wait()
}

// close stops the loop and closes the connection; SQLite checkpoints the
// rest when the last connection closes.
func (c *checkpointer) close() error {
	c.halt()
	return c.pool.Close()
}
