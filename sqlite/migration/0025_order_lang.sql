-- 0025: the customer's language on the order (kassa.Order.Lang, one of
-- locale.Codes), which the customer's e-mails are written in. Orders
-- placed before keep '': their mails are in the store country's language.

ALTER TABLE orders ADD COLUMN lang TEXT NOT NULL DEFAULT '';
