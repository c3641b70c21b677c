-- Teams: who answers a site's conversations, and when (business hours, null = always open).
create table teams (
    id uuid primary key,
    workspace_id uuid not null references workspaces (id) on delete cascade,
    name text not null check (length(name) between 1 and 200),
    assignment text not null default 'manual'
        check (assignment in ('manual', 'round_robin', 'least_busy')),
    hours jsonb check (hours is null or jsonb_typeof(hours) = 'object'),
    created_at timestamptz not null,
    updated_at timestamptz not null,
    unique (workspace_id, name)
);
create table team_members (
    team_id uuid not null references teams (id) on delete cascade,
    agent_id uuid not null references agents (id) on delete cascade,
    primary key (team_id, agent_id)
);
create index team_members_agent_idx on team_members (agent_id);
-- null: the workspace's agents answer, always open
alter table sites add column team_id uuid references teams (id) on delete set null;
alter table conversations add column team_id uuid references teams (id) on delete set null;
