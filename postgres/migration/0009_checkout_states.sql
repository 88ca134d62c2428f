-- 0009: the storefront's checkout state, one row per cart session: what
-- the shopper typed into the checkout form and the order placed from it
-- (kassa.CheckoutStates). id_hash is the SHA-256 of the random id the
-- checkout cookie carries; data is the storefront's own encoding;
-- updated_at is BIGINT unix milliseconds, UTC. States not stored
-- for a while are purged.

CREATE TABLE checkout_states (
	id_hash    BYTEA   PRIMARY KEY,
	data       BYTEA   NOT NULL,
	updated_at BIGINT  NOT NULL
);

CREATE INDEX checkout_states_updated ON checkout_states (updated_at);
