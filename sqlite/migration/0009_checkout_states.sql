-- 0009: the storefront's checkout state, one row per cart session: what
-- the shopper typed into the checkout form and the order placed from it
-- (kassa.CheckoutStates). id_hash is the SHA-256 of the random id the
-- checkout cookie carries; data is the storefront's own encoding;
-- updated_at is INTEGER unix milliseconds, UTC. States not stored
-- for a while are purged.

CREATE TABLE checkout_states (
	id_hash    BLOB   PRIMARY KEY,
	data       BLOB   NOT NULL,
	updated_at INTEGER NOT NULL
) STRICT;

CREATE INDEX checkout_states_updated ON checkout_states (updated_at);
