-- 0028: a new order's words reach the search index when its batch commits
-- (sqlite/group.go, indexNewOrders), not in its own savepoint: FTS5
-- flushes what it holds at every savepoint, which wrote each order's
-- words as a segment of their own.
--
-- orders_search_indexed is the highest order id whose words are indexed;
-- every write batch indexes the orders above it and moves it, in the
-- batch's transaction. Orders inserted by any writer (the bulk path of
-- kassa seed too) are indexed by the next batch that commits.
DROP TRIGGER orders_search_insert;
CREATE TABLE orders_search_indexed (
	one     INTEGER PRIMARY KEY CHECK (one = 1),
	last_id INTEGER NOT NULL
) STRICT;
INSERT INTO orders_search_indexed (one, last_id) SELECT 1, coalesce(max(id), 0) FROM orders;

-- An order changed or deleted before its batch indexed it has no words in
-- the index yet: only an indexed one is taken out (FTS5 must be told
-- exactly what it holds), and a changed one not yet indexed gets its new
-- words from the batch.
DROP TRIGGER orders_search_update;
CREATE TRIGGER orders_search_update AFTER UPDATE OF search ON orders
WHEN old.id <= (SELECT last_id FROM orders_search_indexed) BEGIN
	INSERT INTO orders_search (orders_search, rowid, search) VALUES ('delete', old.id, old.search);
	INSERT INTO orders_search (rowid, search) VALUES (new.id, new.search);
END;
DROP TRIGGER orders_search_delete;
CREATE TRIGGER orders_search_delete AFTER DELETE ON orders
WHEN old.id <= (SELECT last_id FROM orders_search_indexed) BEGIN
	INSERT INTO orders_search (orders_search, rowid, search) VALUES ('delete', old.id, old.search);
END;
