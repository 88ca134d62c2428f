-- 0004: the answers of mutating API requests by their Idempotency-Key, so
-- that a client retrying after a restart gets the first answer again.
-- key is "<method> <path>\n<Idempotency-Key>"; at is INTEGER unix
-- milliseconds, UTC, when the answer was stored (old ones are deleted).
-- A row with status 0 is a claim, stored before the request runs: a retry
-- that finds one is refused, since the request is running, or its process
-- died while it ran and its outcome is unknown.

CREATE TABLE idempotency_answers (
	key       TEXT    PRIMARY KEY,
	body_hash BLOB    NOT NULL, -- SHA-256 of the request body
	status    INTEGER NOT NULL,
	body      BLOB    NOT NULL,
	at        INTEGER NOT NULL
) STRICT;

CREATE INDEX idempotency_answers_at ON idempotency_answers (at);
