-- 0021: the shop's own catalog. A product may be taken off sale (active
-- = 0) and have an image; every change of its stock made by a person or
-- a file is a stock move: how much, the stock after it, who and why
-- (kassa.StockMove). at is INTEGER unix milliseconds, UTC.

ALTER TABLE products ADD COLUMN active INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1));
ALTER TABLE products ADD COLUMN image_url TEXT NOT NULL DEFAULT '';

CREATE TABLE stock_moves (
	id     INTEGER PRIMARY KEY,
	sku    TEXT    NOT NULL REFERENCES products (sku),
	at     INTEGER NOT NULL,
	delta  INTEGER NOT NULL,
	stock  INTEGER NOT NULL,
	actor  TEXT    NOT NULL,
	reason TEXT    NOT NULL DEFAULT ''
) STRICT;

CREATE INDEX stock_moves_sku ON stock_moves (sku, id);
