-- The data lifecycle: how long a workspace keeps resolved conversations, and the log of what
-- its admins changed.

-- Days after its last resolution that a conversation is deleted (with its messages and
-- files); null keeps everything.
alter table workspaces add column retention_days integer check (retention_days between 1 and 3650);
-- Whether reports count response and resolution times within each team's business hours
-- only (conversations of no team, or of a team without hours, count every hour).
alter table workspaces add column reports_business_hours boolean not null default false;
create index conversations_retention_idx on conversations (workspace_id, resolved_at)
    where status = 'resolved';

-- Who changed what, when and from where. The actor's name is copied (an agent may be deleted
-- later); a visitor erased is named by id only.
create table audit_log (
    id blob primary key check (length(id) = 16),
    workspace_id blob not null references workspaces (id) on delete cascade,
    at integer not null,
    actor_kind text not null check (actor_kind in ('agent', 'api_key', 'visitor', 'system')),
    actor_id blob,
    actor_name text check (length(actor_name) <= 200),
    ip text check (length(ip) <= 45),
    action text not null check (length(action) between 1 and 64),
    target_kind text not null check (length(target_kind) between 1 and 32),
    target_id blob,
    detail text not null default '{}' check (json_valid(detail))
);
create index audit_log_idx on audit_log (workspace_id, at desc, id desc);
