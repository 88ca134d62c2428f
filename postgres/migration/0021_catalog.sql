-- 0021: the shop's own catalog. A product may be taken off sale (active
-- false) and have an image; every change of its stock made by a person or
-- a file is a stock move: how much, the stock after it, who and why
-- (kassa.StockMove). at is BIGINT unix milliseconds, UTC.

ALTER TABLE products ADD COLUMN active BOOLEAN NOT NULL DEFAULT true;
ALTER TABLE products ADD COLUMN image_url TEXT NOT NULL DEFAULT '';

CREATE TABLE stock_moves (
	id     BIGSERIAL PRIMARY KEY,
	sku    TEXT   NOT NULL REFERENCES products (sku),
	at     BIGINT NOT NULL,
	delta  BIGINT NOT NULL,
	stock  BIGINT NOT NULL,
	actor  TEXT   NOT NULL,
	reason TEXT   NOT NULL DEFAULT ''
);

CREATE INDEX stock_moves_sku ON stock_moves (sku, id);
