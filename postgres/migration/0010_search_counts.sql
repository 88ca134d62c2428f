-- 0010: order search through a full-text index, and order counts kept per status.
--
-- orders.search is the order's searchable words (sqlstore.SearchWords),
-- separated by spaces: its number as words ("k 000042"), its digits
-- without zeros ("42"), then the words of the e-mail and names
-- (sqlstore.SearchSuffix). Older rows are rewritten here.
UPDATE orders SET search = 'k ' || substr(number, 2) || ' ' || id || ' ' ||
	trim(regexp_replace(regexp_replace(substr(search, length(number) + 1),
		'([[:alpha:]])([[:digit:]])|([[:digit:]])([[:alpha:]])', '\1\3 \2\4', 'g'),
		'[^[:alnum:]]+', ' ', 'g'));

-- The 'simple' configuration keeps every word as it is (no stemming, no
-- stop words); a query asks for word prefixes (to_tsquery 'word':*).
CREATE INDEX orders_search ON orders USING gin (to_tsvector('simple', search));

-- order_counts is the number of orders per status, changed by a trigger in
-- the transaction of every insert, status change and delete, so that
-- listings, the dashboard and the metrics never count the orders table.
-- Each status has up to 64 rows (shards), one chosen by the backend's
-- process id: concurrent transactions (other connections) update different
-- rows, so the counter is no hot row that orders queue behind (the way a
-- popular product's stock row is). The count is the sum over shards.
-- Statuses only move forward, and a transaction locks the old status's row
-- before the new one's, so two transactions never wait for each other in
-- a cycle.
CREATE TABLE order_counts (
	status TEXT    NOT NULL,
	shard  INTEGER NOT NULL,
	n      BIGINT  NOT NULL,
	PRIMARY KEY (status, shard)
);
INSERT INTO order_counts (status, shard, n) SELECT status, 0, count(*) FROM orders GROUP BY status;

CREATE FUNCTION order_counts_track() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
	s integer := pg_backend_pid() % 64;
BEGIN
	IF TG_OP IN ('UPDATE', 'DELETE') THEN
		INSERT INTO order_counts (status, shard, n) VALUES (OLD.status, s, -1)
			ON CONFLICT (status, shard) DO UPDATE SET n = order_counts.n - 1;
	END IF;
	IF TG_OP IN ('INSERT', 'UPDATE') THEN
		INSERT INTO order_counts (status, shard, n) VALUES (NEW.status, s, 1)
			ON CONFLICT (status, shard) DO UPDATE SET n = order_counts.n + 1;
	END IF;
	RETURN NULL;
END
$$;

CREATE TRIGGER order_counts_insert_delete AFTER INSERT OR DELETE ON orders
	FOR EACH ROW EXECUTE FUNCTION order_counts_track();
CREATE TRIGGER order_counts_update AFTER UPDATE OF status ON orders
	FOR EACH ROW WHEN (OLD.status IS DISTINCT FROM NEW.status) EXECUTE FUNCTION order_counts_track();
