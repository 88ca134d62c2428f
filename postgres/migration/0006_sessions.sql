-- 0006: the admins' sessions, checked on every admin request. id_hash is
-- the SHA-256 of the random id the session cookie carries (the id itself
-- is never stored). Times are BIGINT unix milliseconds, UTC. Expired
-- sessions are purged.

CREATE TABLE admin_sessions (
	id_hash      BYTEA   PRIMARY KEY,
	user_name    TEXT    NOT NULL,
	created_at   BIGINT  NOT NULL,
	last_seen_at BIGINT  NOT NULL,
	expires_at   BIGINT  NOT NULL,
	user_agent   TEXT    NOT NULL,
	ip           TEXT    NOT NULL
);

CREATE INDEX admin_sessions_user ON admin_sessions (user_name, last_seen_at);
CREATE INDEX admin_sessions_expires ON admin_sessions (expires_at);
