-- 0027: discount codes with their use counts (kassa.Discounts), and what
-- each order was priced with beyond its products (kassa.Charges, JSON;
-- '' for orders placed before, and for a merchant's own lines). An
-- order's discount_code is the code whose use it holds: CreateOrder
-- counts it in discount_codes.used, and the write that fails or cancels
-- the order gives it back together with the stock. Times are unix
-- milliseconds, UTC; 0 = unset.

CREATE TABLE discount_codes (
	code        TEXT   PRIMARY KEY,
	percent     BIGINT NOT NULL DEFAULT 0,
	amount      BIGINT NOT NULL DEFAULT 0,
	valid_from  BIGINT NOT NULL DEFAULT 0,
	valid_until BIGINT NOT NULL DEFAULT 0,
	min_order   BIGINT NOT NULL DEFAULT 0,
	usage_limit BIGINT NOT NULL DEFAULT 0,
	used        BIGINT NOT NULL DEFAULT 0 CHECK (used >= 0)
);

ALTER TABLE orders ADD COLUMN discount_code TEXT NOT NULL DEFAULT '';
ALTER TABLE orders ADD COLUMN charges TEXT NOT NULL DEFAULT '';
