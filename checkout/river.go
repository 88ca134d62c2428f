package checkout

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivermigrate"
	"github.com/riverqueue/river/rivertype"
)

// River job limits. An after-sale job makes a call bounded by the MAPI
// client's 30 s timeout and a read.
const (
	jobTimeout  = time.Minute
	rescueAfter = jobTimeout + 15*time.Second // River requires ≥ JobTimeout
)

// newRiver builds the River client that runs after-sale jobs (callbacks
// are worked from the inbox, see inbox.go).
func (e *Engine) newRiver() (*river.Client[*sql.Tx], error) {
	workers := river.NewWorkers()
	if err := river.AddWorkerSafely(workers, &actionWorker{e: e}); err != nil {
		return nil, fmt.Errorf("checkout.New: %w", err)
	}
	rc, err := river.NewClient(e.cfg.Driver, &river.Config{
		Queues:            map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: e.cfg.Workers}},
		Workers:           workers,
		FetchPollInterval: e.cfg.FetchPoll,
		FetchCooldown:     min(e.cfg.FetchPoll, 20*time.Millisecond),
		MaxAttempts:       e.cfg.ActionAttempts,
		RetryPolicy:       retryPolicy{},
		JobTimeout:        jobTimeout,
		// A job left running by a killed process is retried soon, not after
		// River's default hour; an action job is idempotent, so a rescue
		// soon after the timeout is safe.
		RescueStuckJobsAfter: rescueAfter,
		Logger:               e.log.With("component", "river"),
	})
	if err != nil {
		return nil, fmt.Errorf("checkout.New: river: %w", err)
	}
	return rc, nil
}

// Migrate creates or updates River's tables. Start calls it; it is
// exported for a "migrate" command and for tests that enqueue jobs without
// running them.
func (e *Engine) Migrate(ctx context.Context) error {
	return e.migrate(ctx)
}

func (e *Engine) migrate(ctx context.Context) error {
	m, err := rivermigrate.New(e.cfg.Driver, &rivermigrate.Config{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		return fmt.Errorf("river migrator: %w", err)
	}
	if _, err := m.Migrate(ctx, rivermigrate.DirectionUp, nil); err != nil {
		return fmt.Errorf("river migrations: %w", err)
	}
	return nil
}

// retryPolicy retries jobs after 1, 2, 4 … seconds, at most 5 minutes
// apart: an action should be finished soon after Resurs is back.
type retryPolicy struct{}

// NextRetry implements river.ClientRetryPolicy.
func (retryPolicy) NextRetry(job *rivertype.JobRow) time.Time {
	d := time.Second
	for i := 1; i < job.Attempt && d < 5*time.Minute; i++ {
		d *= 2
	}
	return time.Now().Add(min(d, 5*time.Minute))
}
