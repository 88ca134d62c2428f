-- 0004: the answers of mutating API requests by their Idempotency-Key, so
-- that a client retrying after a restart gets the first answer again.
-- key is "<method> <path>\n<Idempotency-Key>"; at is BIGINT unix
-- milliseconds, UTC, when the answer was stored (old ones are deleted).

CREATE TABLE idempotency_answers (
	key       TEXT    PRIMARY KEY,
	body_hash BYTEA   NOT NULL, -- SHA-256 of the request body
	status    INTEGER NOT NULL,
	body      BYTEA   NOT NULL,
	at        BIGINT  NOT NULL
);

CREATE INDEX idempotency_answers_at ON idempotency_answers (at);
