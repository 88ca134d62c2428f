-- 0030: a search that is a whole e-mail address looks the address up
-- (sqlstore.searchOrders): orders_email indexes the customer's e-mail,
-- lower-cased, with the order id, so that one address's orders are read
-- newest first from the index and the read stops at the page's end. The
-- address's words are each held by many orders (a first and last name, a
-- mail domain), which the full-text search must intersect.
CREATE INDEX orders_email ON orders (lower(customer ->> 'email'), id);
