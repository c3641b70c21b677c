-- Visitors an agent blocked, optionally with the address they came from: a blocked visitor's
-- frames are refused and nothing of theirs is stored. `last_ip` is the address of a visitor's
-- latest hello, kept so that an agent can block it.
alter table visitors add column last_ip text check (length(last_ip) <= 45);

create table visitor_blocks (
    id blob primary key check (length(id) = 16),
    workspace_id blob not null references workspaces (id) on delete cascade,
    visitor_id blob not null references visitors (id) on delete cascade,
    -- also refused: any visitor of the workspace from this address
    ip text check (length(ip) <= 45),
    reason text not null check (length(reason) <= 500),
    blocked_by blob,
    created_at integer not null,
    unique (workspace_id, visitor_id)
);
create index visitor_blocks_ip_idx on visitor_blocks (workspace_id, ip) where ip is not null;
