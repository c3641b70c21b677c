-- An agent's chosen status: set in any tab, it holds in every tab, on every node, and across
-- reconnects. Whether the agent is connected at all is presence, not stored.
alter table agents add column status text not null default 'online' check (status in ('online', 'away'));
