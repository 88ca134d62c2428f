-- 0008: the outbox of order e-mails. A mail is rendered and inserted in
-- the transaction of the order write that causes it; mail_key (the order id
-- and the event) is unique, so a retried write stores it once. A queued
-- mail is an entry of the engine's work queue, due at next_attempt_at
-- (BIGINT unix milliseconds, UTC; NULL when unset), as callbacks (0003)
-- and actions (0005) are. ClaimMails reads the partial index in order of
-- due time.

CREATE TABLE mails (
	id              BIGSERIAL PRIMARY KEY,
	order_id        BIGINT  NOT NULL REFERENCES orders (id),
	mail_key        TEXT    NOT NULL UNIQUE,
	kind            TEXT    NOT NULL,
	lang            TEXT    NOT NULL,
	recipient       TEXT    NOT NULL,
	subject         TEXT    NOT NULL,
	text_body       TEXT    NOT NULL,
	html_body       TEXT    NOT NULL,
	amount          BIGINT  NOT NULL DEFAULT 0,
	state           TEXT    NOT NULL,
	attempts        INTEGER NOT NULL DEFAULT 0,
	error           TEXT    NOT NULL DEFAULT '',
	created_at      BIGINT  NOT NULL,
	sent_at         BIGINT,
	next_attempt_at BIGINT
);

CREATE INDEX mails_order ON mails (order_id, id);
CREATE INDEX mails_state ON mails (state, id);
CREATE INDEX mails_due ON mails (next_attempt_at, id) WHERE state = 'queued';
