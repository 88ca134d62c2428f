-- 0002: after-sale actions (capture, cancel, refund, modify) with their
-- deterministic transactionId, stored before Resurs is called.

CREATE TABLE actions (
	id             INTEGER PRIMARY KEY,
	order_id       INTEGER NOT NULL REFERENCES orders (id),
	kind           TEXT    NOT NULL,
	transaction_id TEXT    NOT NULL UNIQUE,
	lines          TEXT    NOT NULL, -- JSON of []kassa.Line
	amount         INTEGER NOT NULL,
	state          TEXT    NOT NULL,
	error_code     TEXT    NOT NULL DEFAULT '',
	error_message  TEXT    NOT NULL DEFAULT '',
	error_trace_id TEXT    NOT NULL DEFAULT '',
	attempts       INTEGER NOT NULL DEFAULT 0,
	mapi_action_id TEXT    NOT NULL DEFAULT '',
	source         TEXT    NOT NULL,
	creator        TEXT    NOT NULL DEFAULT '',
	created_at     INTEGER NOT NULL,
	updated_at     INTEGER NOT NULL
) STRICT;

CREATE INDEX actions_order ON actions (order_id, id);
CREATE INDEX actions_state ON actions (state, id);
