-- 0001: products, orders with their lines, events, the callback inbox, settings.
-- Money is INTEGER hundredths; times are INTEGER unix milliseconds (UTC), NULL when unset.

CREATE TABLE products (
	sku         TEXT    PRIMARY KEY,
	name        TEXT    NOT NULL,
	description TEXT    NOT NULL DEFAULT '',
	price       INTEGER NOT NULL CHECK (price >= 0),
	vat_rate    INTEGER NOT NULL CHECK (vat_rate >= 0),
	stock       INTEGER NOT NULL CHECK (stock >= 0)
) STRICT;

CREATE TABLE orders (
	id                INTEGER PRIMARY KEY,
	number            TEXT    NOT NULL UNIQUE,
	key               TEXT    NOT NULL,
	callback_token    TEXT    NOT NULL,
	status            TEXT    NOT NULL,
	currency          TEXT    NOT NULL,
	total             INTEGER NOT NULL,
	vat_total         INTEGER NOT NULL,
	customer          TEXT    NOT NULL, -- JSON of kassa.Customer
	search            TEXT    NOT NULL, -- lower-case number, e-mail and last name, for Orders(Query)
	payment_method_id TEXT    NOT NULL,
	payment_id        TEXT    NOT NULL DEFAULT '',
	payment_status    TEXT    NOT NULL DEFAULT '',
	status_reason     TEXT    NOT NULL DEFAULT '',
	authorized        INTEGER NOT NULL DEFAULT 0,
	captured          INTEGER NOT NULL DEFAULT 0,
	refunded          INTEGER NOT NULL DEFAULT 0,
	canceled          INTEGER NOT NULL DEFAULT 0,
	stock_released    INTEGER NOT NULL DEFAULT 0,
	version           INTEGER NOT NULL,
	created_at        INTEGER NOT NULL,
	updated_at        INTEGER NOT NULL,
	expires_at        INTEGER,
	next_sync_at      INTEGER,
	sync_attempts     INTEGER NOT NULL DEFAULT 0
) STRICT;

CREATE UNIQUE INDEX orders_payment_id ON orders (payment_id) WHERE payment_id <> '';
CREATE INDEX orders_status ON orders (status, id);
CREATE INDEX orders_next_sync ON orders (next_sync_at) WHERE next_sync_at IS NOT NULL;

CREATE TABLE order_lines (
	order_id    INTEGER NOT NULL REFERENCES orders (id),
	idx         INTEGER NOT NULL, -- index in Order.Lines
	position    INTEGER NOT NULL,
	type        TEXT    NOT NULL,
	sku         TEXT    NOT NULL,
	description TEXT    NOT NULL,
	quantity    INTEGER NOT NULL,
	unit_price  INTEGER NOT NULL,
	vat_rate    INTEGER NOT NULL,
	total       INTEGER NOT NULL,
	vat_amount  INTEGER NOT NULL,
	PRIMARY KEY (order_id, idx)
) STRICT, WITHOUT ROWID;

CREATE TABLE events (
	id             INTEGER PRIMARY KEY,
	order_id       INTEGER NOT NULL REFERENCES orders (id),
	at             INTEGER NOT NULL,
	source         TEXT    NOT NULL,
	from_status    TEXT    NOT NULL,
	to_status      TEXT    NOT NULL,
	applied        INTEGER NOT NULL,
	payment_status TEXT    NOT NULL,
	note           TEXT    NOT NULL
) STRICT;

CREATE INDEX events_order ON events (order_id, id);

CREATE TABLE callbacks (
	id           INTEGER PRIMARY KEY,
	kind         TEXT    NOT NULL,
	order_id     INTEGER REFERENCES orders (id), -- NULL when quarantined
	payment_id   TEXT    NOT NULL,
	dedup_key    TEXT    NOT NULL,
	original     INTEGER NOT NULL, -- 1 for the first entry of a dedup key, never changed
	body         BLOB    NOT NULL,
	state        TEXT    NOT NULL,
	attempts     INTEGER NOT NULL DEFAULT 0,
	error        TEXT    NOT NULL DEFAULT '',
	received_at  INTEGER NOT NULL,
	processed_at INTEGER
) STRICT;

CREATE UNIQUE INDEX callbacks_dedup ON callbacks (dedup_key) WHERE dedup_key <> '' AND original = 1;
CREATE INDEX callbacks_state ON callbacks (state, id);
CREATE INDEX callbacks_order ON callbacks (order_id, id);

CREATE TABLE settings (
	key   TEXT PRIMARY KEY,
	value TEXT NOT NULL
) STRICT;
