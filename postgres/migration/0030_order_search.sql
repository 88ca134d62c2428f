-- 0030: order searches that do not grow with the table.
--
-- A search that is a whole e-mail address looks the address up
-- (sqlstore.searchOrders): orders_email indexes the customer's e-mail,
-- lower-cased, with the order id, so that one address's orders are read
-- newest first from the index and the read stops at the page's end. The
-- address's words are each held by many orders (a first and last name, a
-- mail domain), which the full-text search must intersect.
CREATE INDEX orders_email ON orders (lower(customer ->> 'email'), id);

-- order_words holds each order's searchable words (orders.search, its
-- words separated by spaces), one row a word, in place of the GIN index
-- of migration 0010. Its primary key lists a word's orders in id order,
-- so that a search reads the newest first and stops at its page's end
-- (postgres/search.go); the GIN index answered with every order holding
-- each word, which grew with the table (docs/performance.md). Kept by
-- triggers in the transaction of every insert, change of the words and
-- delete. Words compare byte by byte (COLLATE "C"), whatever the
-- database's collation, so that the words a beginning begins are one range
-- of the key. The statistics target keeps the common words (names, mail
-- domains, the "k" of every number) among the planner's most common values.
-- The key is added after the rows: sorted once, it is built faster and a
-- quarter smaller than by inserting into it.
CREATE TABLE order_words (
	word     TEXT   COLLATE "C" NOT NULL,
	order_id BIGINT NOT NULL
);
ALTER TABLE order_words ALTER COLUMN word SET STATISTICS 1000;
INSERT INTO order_words (word, order_id)
	SELECT DISTINCT w, id FROM orders, unnest(string_to_array(search, ' ')) w WHERE w <> '';
ALTER TABLE order_words ADD PRIMARY KEY (word, order_id);

CREATE FUNCTION order_words_track() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	IF TG_OP IN ('UPDATE', 'DELETE') THEN
		DELETE FROM order_words WHERE word = ANY (string_to_array(OLD.search, ' ')) AND order_id = OLD.id;
	END IF;
	IF TG_OP IN ('INSERT', 'UPDATE') THEN
		INSERT INTO order_words (word, order_id)
			SELECT DISTINCT w, NEW.id FROM unnest(string_to_array(NEW.search, ' ')) w WHERE w <> '';
	END IF;
	RETURN NULL;
END
$$;

CREATE TRIGGER order_words_insert_delete AFTER INSERT OR DELETE ON orders
	FOR EACH ROW EXECUTE FUNCTION order_words_track();
CREATE TRIGGER order_words_update AFTER UPDATE OF search ON orders
	FOR EACH ROW WHEN (OLD.search IS DISTINCT FROM NEW.search) EXECUTE FUNCTION order_words_track();

DROP INDEX orders_search;
ANALYZE order_words;
