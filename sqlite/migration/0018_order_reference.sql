-- 0018: orders a merchant's system created through POST /api/checkouts.
-- reference is the merchant's own reference (searchable: the search
-- column of such an order ends with it); hosted the JSON of
-- kassa.HostedCheckout (return URLs, metadata), '' for the shop's own
-- orders.

ALTER TABLE orders ADD COLUMN reference TEXT NOT NULL DEFAULT '';
ALTER TABLE orders ADD COLUMN hosted TEXT NOT NULL DEFAULT '';
CREATE INDEX orders_reference ON orders (reference) WHERE reference <> '';
