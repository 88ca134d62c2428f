-- 0003: the callback inbox is the engine's work queue. A received entry is
-- due for its next processing attempt at next_attempt_at (INTEGER unix
-- milliseconds, UTC; NULL when unset): the lease of the process working on
-- it, or the retry time after a failed attempt.

ALTER TABLE callbacks ADD COLUMN next_attempt_at INTEGER;

-- Entries received before the queue existed are due at once.
UPDATE callbacks SET next_attempt_at = received_at WHERE state = 'received';

-- ClaimCallbacks reads this index in order of due time (the rowid follows
-- next_attempt_at). It leads with state although that is constant in it:
-- without statistics SQLite prefers an equality on state to a range, and
-- would otherwise read callbacks_state and sort (TestClaimUsesIndex).
CREATE INDEX callbacks_due ON callbacks (state, next_attempt_at) WHERE state = 'received';
