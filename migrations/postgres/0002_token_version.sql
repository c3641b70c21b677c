-- Agent tokens carry the version current when they were issued; changing the password (by
-- the agent or by an admin) or deactivating the agent raises it, so every older token stops
-- working at once.
alter table agents add column token_version integer not null default 0;
