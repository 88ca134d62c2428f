-- 0029: rate limits shared by every process on the database
-- (kassa.Limits): the admin's failed sign-ins, the storefront's address
-- lookups; and an index for an endpoint's webhook deliveries by state.
--
-- rate_limits has one row per key: limit_key is the caller's (keyed hashes, not
-- addresses or names); tat is the key's theoretical arrival time, INTEGER
-- unix milliseconds, UTC (the generic cell rate algorithm). A row whose
-- tat has passed equals no row and is purged, through the tat index.

CREATE TABLE rate_limits (
	limit_key TEXT    PRIMARY KEY,
	tat       INTEGER NOT NULL
) STRICT;

CREATE INDEX rate_limits_tat ON rate_limits (tat);

-- An endpoint's deliveries in one state, newest first, for the admin's
-- and the API's delivery log filtered by state: its keyset pages and its
-- total (counted up to kassa.CountCap+1) read this index alone, however
-- many deliveries the endpoint has in other states. Without a state the
-- log reads webhook_deliveries_endpoint (endpoint_id, id), migration 0019.
CREATE INDEX webhook_deliveries_endpoint_state ON webhook_deliveries (endpoint_id, state, id);
