-- Teams: who answers a site's conversations, and when (business hours, null = always open).
create table teams (
    id blob primary key check (length(id) = 16),
    workspace_id blob not null references workspaces (id) on delete cascade,
    name text not null check (length(name) between 1 and 200),
    assignment text not null default 'manual'
        check (assignment in ('manual', 'round_robin', 'least_busy')),
    hours text check (hours is null or (json_valid(hours) and json_type(hours) = 'object')),
    created_at integer not null,
    updated_at integer not null,
    unique (workspace_id, name)
);
create table team_members (
    team_id blob not null references teams (id) on delete cascade,
    agent_id blob not null references agents (id) on delete cascade,
    primary key (team_id, agent_id)
);
create index team_members_agent_idx on team_members (agent_id);
-- null: the workspace's agents answer, always open
alter table sites add column team_id blob references teams (id) on delete set null;
alter table conversations add column team_id blob references teams (id) on delete set null;
