-- 0001: products, orders with their lines, events, the callback inbox, settings.
-- Money is BIGINT hundredths; times are BIGINT unix milliseconds (UTC), NULL when unset.

CREATE TABLE products (
	sku         TEXT   PRIMARY KEY,
	name        TEXT   NOT NULL,
	description TEXT   NOT NULL DEFAULT '',
	price       BIGINT NOT NULL CHECK (price >= 0),
	vat_rate    BIGINT NOT NULL CHECK (vat_rate >= 0),
	stock       BIGINT NOT NULL CHECK (stock >= 0)
);

CREATE SEQUENCE orders_id_seq;

CREATE TABLE orders (
	id                BIGINT  PRIMARY KEY DEFAULT nextval('orders_id_seq'),
	number            TEXT    NOT NULL UNIQUE,
	key               TEXT    NOT NULL,
	callback_token    TEXT    NOT NULL,
	status            TEXT    NOT NULL,
	currency          TEXT    NOT NULL,
	total             BIGINT  NOT NULL,
	vat_total         BIGINT  NOT NULL,
	customer          JSONB   NOT NULL,
	search            TEXT    NOT NULL, -- lower-case number, e-mail and last name, for Orders(Query)
	payment_method_id TEXT    NOT NULL,
	payment_id        TEXT    NOT NULL DEFAULT '',
	payment_status    TEXT    NOT NULL DEFAULT '',
	status_reason     TEXT    NOT NULL DEFAULT '',
	authorized        BIGINT  NOT NULL DEFAULT 0,
	captured          BIGINT  NOT NULL DEFAULT 0,
	refunded          BIGINT  NOT NULL DEFAULT 0,
	canceled          BIGINT  NOT NULL DEFAULT 0,
	stock_released    BOOLEAN NOT NULL DEFAULT false,
	version           BIGINT  NOT NULL,
	created_at        BIGINT  NOT NULL,
	updated_at        BIGINT  NOT NULL,
	expires_at        BIGINT,
	next_sync_at      BIGINT,
	sync_attempts     INTEGER NOT NULL DEFAULT 0
);

ALTER SEQUENCE orders_id_seq OWNED BY orders.id;
CREATE UNIQUE INDEX orders_payment_id ON orders (payment_id) WHERE payment_id <> '';
CREATE INDEX orders_status ON orders (status, id);
CREATE INDEX orders_next_sync ON orders (next_sync_at) WHERE next_sync_at IS NOT NULL;

CREATE TABLE order_lines (
	order_id    BIGINT NOT NULL REFERENCES orders (id),
	idx         INTEGER NOT NULL, -- index in Order.Lines
	position    INTEGER NOT NULL,
	type        TEXT   NOT NULL,
	sku         TEXT   NOT NULL,
	description TEXT   NOT NULL,
	quantity    BIGINT NOT NULL,
	unit_price  BIGINT NOT NULL,
	vat_rate    BIGINT NOT NULL,
	total       BIGINT NOT NULL,
	vat_amount  BIGINT NOT NULL,
	PRIMARY KEY (order_id, idx)
);

CREATE TABLE events (
	id             BIGSERIAL PRIMARY KEY,
	order_id       BIGINT  NOT NULL REFERENCES orders (id),
	at             BIGINT  NOT NULL,
	source         TEXT    NOT NULL,
	from_status    TEXT    NOT NULL,
	to_status      TEXT    NOT NULL,
	applied        BOOLEAN NOT NULL,
	payment_status TEXT    NOT NULL,
	note           TEXT    NOT NULL
);

CREATE INDEX events_order ON events (order_id, id);

CREATE TABLE callbacks (
	id           BIGSERIAL PRIMARY KEY,
	kind         TEXT    NOT NULL,
	order_id     BIGINT  REFERENCES orders (id), -- NULL when quarantined
	payment_id   TEXT    NOT NULL,
	dedup_key    TEXT    NOT NULL,
	original     BOOLEAN NOT NULL, -- true for the first entry of a dedup key, never changed
	body         BYTEA   NOT NULL,
	state        TEXT    NOT NULL,
	attempts     INTEGER NOT NULL DEFAULT 0,
	error        TEXT    NOT NULL DEFAULT '',
	received_at  BIGINT  NOT NULL,
	processed_at BIGINT
);

CREATE UNIQUE INDEX callbacks_dedup ON callbacks (dedup_key) WHERE dedup_key <> '' AND original;
CREATE INDEX callbacks_state ON callbacks (state, id);
CREATE INDEX callbacks_order ON callbacks (order_id, id);

CREATE TABLE settings (
	key   TEXT PRIMARY KEY,
	value TEXT NOT NULL
);
