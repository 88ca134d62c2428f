-- 0017: the admin API's keys (kassa.APIKeys). hash is the SHA-256 of the
-- key (the key itself is never stored); prefix its first characters, to
-- recognise it in lists. Times are BIGINT unix milliseconds, UTC;
-- revoked_at and last_used_at are NULL until set.

CREATE TABLE api_keys (
	id           BIGSERIAL PRIMARY KEY,
	name         TEXT   NOT NULL,
	prefix       TEXT   NOT NULL,
	hash         BYTEA  NOT NULL UNIQUE,
	created_at   BIGINT NOT NULL,
	last_used_at BIGINT,
	revoked_at   BIGINT
);
