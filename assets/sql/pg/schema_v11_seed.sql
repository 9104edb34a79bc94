-- A seed into an empty users table loads without the secondary indexes of the tables
-- it fills and builds them once at the end (store/postgres/seed_indexes.rs). Their
-- definitions wait here meanwhile, so that a seed killed midway leaves them for the
-- next open to build again.
CREATE TABLE seed_set_aside (
    name text PRIMARY KEY,
    definition text NOT NULL
);
