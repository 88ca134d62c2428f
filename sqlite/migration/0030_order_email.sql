-- 0030: a search that is a whole e-mail address looks the address up
-- (sqlstore.searchOrders): orders_email indexes the customer's e-mail,
-- lower-cased, as it stands in the customer JSON. Its words are each held
-- by many orders (a first and last name, a mail domain), which made the
-- full-text search of an address 74 ms at ten million orders. SQLite's
-- lower() folds ASCII letters only; the query is lowered by it too. An
-- index rather than a column: its creation reads every order once and
-- rewrites none (SQLite keeps an index's rows ordered by the rowid within
-- one address, so that the newest orders come first without a sort).
CREATE INDEX orders_email ON orders (lower(json_extract(customer, '$.email')));
