-- 0010: order search through a full-text index, and order counts kept per status.
--
-- orders.search is the order's searchable words (sqlstore.SearchWords): its
-- number as words ("k 000042"), its digits without zeros ("42"), then the
-- words of the e-mail and names (sqlstore.SearchSuffix). Older rows get
-- the number's words here; their e-mail and name stay as they were.
UPDATE orders SET search = 'k ' || substr(number, 2) || ' ' || id || substr(search, length(number) + 1);

-- orders_search indexes orders.search (external content: the text stays in
-- orders). detail=none keeps only which orders hold a word, which is all a
-- search by words and word prefixes needs, in the smallest index. The
-- prefix indexes serve a query's last word of up to 4 letters; a longer
-- one is looked up in orders_search_terms (see sqlite.ftsQuery).
-- Diacritics are kept, as PostgreSQL's 'simple' configuration keeps them.
CREATE VIRTUAL TABLE orders_search USING fts5(
	search, content = 'orders', content_rowid = 'id', detail = none, prefix = '1 2 3 4',
	tokenize = 'unicode61 remove_diacritics 0');
INSERT INTO orders_search (orders_search) VALUES ('rebuild');
CREATE VIRTUAL TABLE orders_search_terms USING fts5vocab(orders_search, 'row');

CREATE TRIGGER orders_search_insert AFTER INSERT ON orders BEGIN
	INSERT INTO orders_search (rowid, search) VALUES (new.id, new.search);
END;
CREATE TRIGGER orders_search_update AFTER UPDATE OF search ON orders BEGIN
	INSERT INTO orders_search (orders_search, rowid, search) VALUES ('delete', old.id, old.search);
	INSERT INTO orders_search (rowid, search) VALUES (new.id, new.search);
END;
CREATE TRIGGER orders_search_delete AFTER DELETE ON orders BEGIN
	INSERT INTO orders_search (orders_search, rowid, search) VALUES ('delete', old.id, old.search);
END;

-- order_counts is the number of orders per status, changed by triggers in
-- the transaction of every insert, status change and delete, so that
-- listings, the dashboard and the metrics never count the orders table.
CREATE TABLE order_counts (
	status TEXT    PRIMARY KEY,
	n      INTEGER NOT NULL
) STRICT, WITHOUT ROWID;
INSERT INTO order_counts (status, n) SELECT status, count(*) FROM orders GROUP BY status;

CREATE TRIGGER order_counts_insert AFTER INSERT ON orders BEGIN
	INSERT INTO order_counts (status, n) VALUES (new.status, 1)
		ON CONFLICT (status) DO UPDATE SET n = n + 1;
END;
CREATE TRIGGER order_counts_update AFTER UPDATE OF status ON orders WHEN old.status <> new.status BEGIN
	UPDATE order_counts SET n = n - 1 WHERE status = old.status;
	INSERT INTO order_counts (status, n) VALUES (new.status, 1)
		ON CONFLICT (status) DO UPDATE SET n = n + 1;
END;
CREATE TRIGGER order_counts_delete AFTER DELETE ON orders BEGIN
	UPDATE order_counts SET n = n - 1 WHERE status = old.status;
END;
