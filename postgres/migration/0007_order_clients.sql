-- 0007: the client who placed an order, for the limits on unpaid orders
-- (Orders.ClientHolds). An order has one row per client key: keyed hashes
-- of the client's address and of its browser, never the raw address.
-- Rows are kept with the order; ClientHolds reads only pending orders.

CREATE TABLE order_clients (
	client_key TEXT   NOT NULL,
	order_id   BIGINT NOT NULL REFERENCES orders (id),
	PRIMARY KEY (client_key, order_id)
);
