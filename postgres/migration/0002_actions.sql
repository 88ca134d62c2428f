-- 0002: after-sale actions (capture, cancel, refund, modify) with their
-- deterministic transactionId, stored before Resurs is called.

CREATE TABLE actions (
	id             BIGSERIAL PRIMARY KEY,
	order_id       BIGINT  NOT NULL REFERENCES orders (id),
	kind           TEXT    NOT NULL,
	transaction_id TEXT    NOT NULL UNIQUE,
	lines          JSONB   NOT NULL,
	amount         BIGINT  NOT NULL,
	state          TEXT    NOT NULL,
	error_code     TEXT    NOT NULL DEFAULT '',
	error_message  TEXT    NOT NULL DEFAULT '',
	error_trace_id TEXT    NOT NULL DEFAULT '',
	attempts       INTEGER NOT NULL DEFAULT 0,
	mapi_action_id TEXT    NOT NULL DEFAULT '',
	source         TEXT    NOT NULL,
	creator        TEXT    NOT NULL DEFAULT '',
	created_at     BIGINT  NOT NULL,
	updated_at     BIGINT  NOT NULL
);

CREATE INDEX actions_order ON actions (order_id, id);
CREATE INDEX actions_state ON actions (state, id);
