-- Automatic assignment: how many open conversations an agent takes at once (0 = never
-- assigned automatically) and when it was last given one (round robin takes the longest idle).
alter table agents add column capacity integer not null default 5 check (capacity between 0 and 1000);
alter table agents add column last_assigned_at integer;
-- What a visitor answered in a pre-chat or offline form, by field name.
alter table visitors add column attributes text not null default '{}'
    check (json_valid(attributes) and json_type(attributes) = 'object');
-- Open conversations of a team, oldest change first: the queue (unassigned) and the holders
-- (assigned) that the assigner reads.
create index conversations_team_open_idx on conversations (team_id, updated_at, id)
    where status = 'open' and team_id is not null;
