-- 0029: rate limits shared by every process on the database
-- (kassa.Limits): the admin's failed sign-ins, the storefront's address
-- lookups. One row per key: limit_key is the caller's (keyed hashes, not
-- addresses or names); tat is the key's theoretical arrival time, INTEGER
-- unix milliseconds, UTC (the generic cell rate algorithm). A row whose
-- tat has passed equals no row and is purged, through the tat index.

CREATE TABLE rate_limits (
	limit_key TEXT    PRIMARY KEY,
	tat       INTEGER NOT NULL
) STRICT;

CREATE INDEX rate_limits_tat ON rate_limits (tat);
