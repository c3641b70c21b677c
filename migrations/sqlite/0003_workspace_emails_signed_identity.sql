-- An agent's email is unique within its workspace only: the same person may work for two
-- businesses, and an admin creating an agent learns nothing about other workspaces.
-- SQLite cannot drop a column's unique constraint, so the table is rebuilt. The migration runs
-- in a transaction, where foreign keys cannot be switched off, so dropping the old table sets
-- every conversation's assignee to null. The assignees are kept aside and put back.
create temporary table assignees_before_0003 as
    select id, assignee_id from conversations where assignee_id is not null;
create table agents_rebuilt (
    id blob primary key check (length(id) = 16),
    workspace_id blob not null references workspaces (id) on delete cascade,
    -- stored lower-cased
    email text not null check (length(email) between 3 and 254 and email = lower(email)),
    name text not null check (length(name) between 1 and 200),
    password_hash text not null,
    role text not null check (role in ('admin', 'agent')),
    active integer not null default 1 check (active in (0, 1)),
    created_at integer not null,
    updated_at integer not null,
    token_version integer not null default 0
);
insert into agents_rebuilt (id, workspace_id, email, name, password_hash, role, active, created_at, updated_at, token_version)
    select id, workspace_id, email, name, password_hash, role, active, created_at, updated_at, token_version
    from agents;
drop table agents;
alter table agents_rebuilt rename to agents;
update conversations set assignee_id =
    (select kept.assignee_id from assignees_before_0003 kept where kept.id = conversations.id)
    where id in (select id from assignees_before_0003);
drop table assignees_before_0003;
create index agents_workspace_idx on agents (workspace_id);
create unique index agents_workspace_email_idx on agents (workspace_id, email);
create index agents_email_idx on agents (email);

-- Which of a verified visitor's attributes the business signed: a JWT identity signs its
-- name and email, the HMAC form signs the id only.
alter table visitors add column name_signed integer not null default 0 check (name_signed in (0, 1));
alter table visitors add column email_signed integer not null default 0 check (email_signed in (0, 1));
