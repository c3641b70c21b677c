-- The desk: refused embeds, agent avatars and signatures, labels, priority and snooze.

-- Pages that tried to embed a site's widget from an origin it does not allow: the admin sees
-- them in the site's settings. Kept per site and origin, counted; a site keeps its latest 20.
create table origin_refusals (
    site_id blob not null references sites (id) on delete cascade,
    origin text not null check (length(origin) between 1 and 300),
    hits integer not null default 1 check (hits > 0),
    first_at integer not null,
    last_at integer not null,
    primary key (site_id, origin)
);

-- An agent's picture (a small square the server re-encoded) and email signature. The
-- picture is served at /avatars/<avatar_key>: a random key per picture, so its URL changes
-- with it and can be cached for good.
alter table agents add column avatar_key text check (length(avatar_key) = 32);
alter table agents add column signature text not null default '' check (length(signature) <= 1000);
create table agent_avatars (
    key text primary key check (length(key) = 32),
    agent_id blob not null references agents (id) on delete cascade,
    content_type text not null,
    bytes blob not null check (length(bytes) <= 262144)
);
create index agent_avatars_agent_idx on agent_avatars (agent_id);

-- Labels an admin defines; conversations carry the ids of theirs.
create table labels (
    id blob primary key check (length(id) = 16),
    workspace_id blob not null references workspaces (id) on delete cascade,
    name text not null check (length(name) between 1 and 50),
    color text not null check (length(color) = 7),
    created_at integer not null
);
create unique index labels_name_idx on labels (workspace_id, lower(name));

alter table conversations add column labels text not null default '[]' check (json_type(labels) = 'array');
alter table conversations add column priority text not null default 'none'
    check (priority in ('none', 'low', 'medium', 'high', 'urgent'));
-- Out of the open inbox until then; a visitor's message or the time passing brings it back.
alter table conversations add column snoozed_until integer;
create index conversations_snoozed_idx on conversations (snoozed_until)
    where snoozed_until is not null;
