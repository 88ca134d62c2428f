-- 0003: the callback inbox is the engine's work queue. A received entry is
-- due for its next processing attempt at next_attempt_at (BIGINT unix
-- milliseconds, UTC; NULL when unset): the lease of the process working on
-- it, or the retry time after a failed attempt. ClaimCallbacks reads the
-- partial index in order of due time.

ALTER TABLE callbacks ADD COLUMN next_attempt_at BIGINT;

-- Entries received before the queue existed are due at once.
UPDATE callbacks SET next_attempt_at = received_at WHERE state = 'received';

CREATE INDEX callbacks_due ON callbacks (next_attempt_at, id) WHERE state = 'received';
