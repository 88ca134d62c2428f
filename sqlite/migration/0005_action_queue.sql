-- 0005: after-sale actions are entries of the engine's work queue, as
-- callback inbox entries are (0003). A pending action is due to be resumed
-- at next_attempt_at (INTEGER unix milliseconds, UTC; NULL when unset):
-- the lease of the attempt in flight, or the retry after an attempt that
-- got no answer. resumes counts the resumes without an answer since the
-- action was stored or an operator retried it.

ALTER TABLE actions ADD COLUMN next_attempt_at INTEGER;
ALTER TABLE actions ADD COLUMN resumes INTEGER NOT NULL DEFAULT 0;

-- Actions left pending before the queue existed are due at once. (Their
-- River jobs, if any, stay in River's tables, which nothing reads any more.)
UPDATE actions SET next_attempt_at = updated_at WHERE state = 'pending';

-- ClaimActions reads this index in order of due time; it leads with state
-- for the reason given for callbacks_due in 0003.
CREATE INDEX actions_due ON actions (state, next_attempt_at) WHERE state = 'pending';
