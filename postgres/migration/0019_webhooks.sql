-- 0019: webhook endpoints and the outbox of their deliveries. A delivery
-- row is inserted, one per enabled endpoint that wants the event, in the
-- transaction of the order write that causes the event; (endpoint_id,
-- message_id) is unique, so a retried write stores it once. A queued
-- delivery is an entry of the engine's work queue, due at next_attempt_at
-- (BIGINT unix milliseconds, UTC), as mails (0008) are. events is a
-- comma-separated list of types, '' for all.

CREATE TABLE webhook_endpoints (
	id              BIGSERIAL PRIMARY KEY,
	url             TEXT    NOT NULL,
	events          TEXT    NOT NULL DEFAULT '',
	secret          TEXT    NOT NULL,
	disabled_at     BIGINT,
	disabled_reason TEXT    NOT NULL DEFAULT '',
	failing_since   BIGINT,
	created_at      BIGINT  NOT NULL,
	updated_at      BIGINT  NOT NULL
);

CREATE TABLE webhook_deliveries (
	id              BIGSERIAL PRIMARY KEY,
	endpoint_id     BIGINT  NOT NULL REFERENCES webhook_endpoints (id) ON DELETE CASCADE,
	order_id        BIGINT  NOT NULL REFERENCES orders (id),
	message_id      TEXT    NOT NULL,
	type            TEXT    NOT NULL,
	body            BYTEA   NOT NULL,
	state           TEXT    NOT NULL,
	attempts        INTEGER NOT NULL DEFAULT 0,
	last_status     INTEGER NOT NULL DEFAULT 0,
	last_error      TEXT    NOT NULL DEFAULT '',
	last_attempt_at BIGINT,
	delivered_at    BIGINT,
	created_at      BIGINT  NOT NULL,
	next_attempt_at BIGINT,
	UNIQUE (endpoint_id, message_id)
);

CREATE INDEX webhook_deliveries_order ON webhook_deliveries (order_id, id);
CREATE INDEX webhook_deliveries_endpoint ON webhook_deliveries (endpoint_id, id);
-- The claim: due entries by time, and the head of each endpoint's and
-- order's line.
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (state, next_attempt_at) WHERE state = 'queued';
CREATE INDEX webhook_deliveries_line ON webhook_deliveries (endpoint_id, order_id, id) WHERE state = 'queued';
