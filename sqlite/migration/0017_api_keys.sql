-- 0017: the admin API's keys (kassa.APIKeys). hash is the SHA-256 of the
-- key (the key itself is never stored); prefix its first characters, to
-- recognise it in lists. Times are INTEGER unix milliseconds, UTC;
-- revoked_at and last_used_at are NULL until set.

CREATE TABLE api_keys (
	id           INTEGER PRIMARY KEY,
	name         TEXT    NOT NULL,
	prefix       TEXT    NOT NULL,
	hash         BLOB    NOT NULL UNIQUE,
	created_at   INTEGER NOT NULL,
	last_used_at INTEGER,
	revoked_at   INTEGER
) STRICT;
