-- Parley schema, SQLite flavour: the same model as Postgres.
-- Ids are 16-byte UUID blobs; times are integer microseconds since the Unix epoch (UTC);
-- JSON is text checked with json_valid; booleans are 0/1.

create table server_settings (
    key text primary key check (length(key) between 1 and 100),
    value text not null,
    created_at integer not null default (cast(unixepoch('subsec') * 1000000 as integer))
);

create table workspaces (
    id blob primary key check (length(id) = 16),
    name text not null check (length(name) between 1 and 200),
    created_at integer not null
);

create table sites (
    id blob primary key check (length(id) = 16),
    workspace_id blob not null references workspaces (id) on delete cascade,
    name text not null check (length(name) between 1 and 200),
    -- public, pasted into HTML by the business
    site_key text not null unique check (site_key like 'pk\_%' escape '\'),
    -- signs identities on the business's server; never shown to visitors
    identity_secret text not null check (length(identity_secret) >= 16),
    -- the secret before the last rotation, still accepted until the next rotation
    previous_identity_secret text,
    -- empty array: any origin may embed the widget
    allowed_origins text not null default '[]' check (json_valid(allowed_origins) and json_type(allowed_origins) = 'array'),
    require_identity integer not null default 0 check (require_identity in (0, 1)),
    settings text not null default '{}' check (json_valid(settings) and json_type(settings) = 'object'),
    created_at integer not null,
    updated_at integer not null
);
create index sites_workspace_idx on sites (workspace_id);

create table agents (
    id blob primary key check (length(id) = 16),
    workspace_id blob not null references workspaces (id) on delete cascade,
    -- stored lower-cased; login is by email alone, so it is unique across workspaces
    email text not null unique check (length(email) between 3 and 254 and email = lower(email)),
    name text not null check (length(name) between 1 and 200),
    password_hash text not null,
    role text not null check (role in ('admin', 'agent')),
    active integer not null default 1 check (active in (0, 1)),
    created_at integer not null,
    updated_at integer not null
);
create index agents_workspace_idx on agents (workspace_id);

create table visitors (
    id blob primary key check (length(id) = 16),
    workspace_id blob not null references workspaces (id) on delete cascade,
    site_id blob not null references sites (id) on delete cascade,
    -- the business's own user id, set only from a verified identity
    external_id text check (length(external_id) between 1 and 200),
    name text check (length(name) <= 200),
    email text check (length(email) <= 254),
    user_agent text check (length(user_agent) <= 1000),
    created_at integer not null,
    last_seen_at integer not null
);
create unique index visitors_site_external_key on visitors (site_id, external_id)
    where external_id is not null;
create index visitors_workspace_idx on visitors (workspace_id);

create table visitor_pages (
    id integer primary key autoincrement,
    visitor_id blob not null references visitors (id) on delete cascade,
    url text not null check (length(url) <= 2048),
    title text not null default '' check (length(title) <= 1000),
    referrer text check (length(referrer) <= 2048),
    seen_at integer not null
);
create index visitor_pages_visitor_idx on visitor_pages (visitor_id, seen_at desc);

create table conversations (
    id blob primary key check (length(id) = 16),
    workspace_id blob not null references workspaces (id) on delete cascade,
    site_id blob not null references sites (id) on delete cascade,
    visitor_id blob not null references visitors (id) on delete cascade,
    status text not null default 'open' check (status in ('open', 'resolved')),
    assignee_id blob references agents (id) on delete set null,
    -- seq of the newest message; each append takes last_seq + 1
    last_seq integer not null default 0 check (last_seq >= 0),
    created_at integer not null,
    updated_at integer not null,
    last_activity_at integer not null
);
create unique index conversations_one_open_idx on conversations (visitor_id, site_id)
    where status = 'open';
create index conversations_inbox_idx on conversations (workspace_id, status, last_activity_at desc, id desc);
create index conversations_assignee_idx on conversations (assignee_id, last_activity_at desc)
    where assignee_id is not null;
create index conversations_visitor_idx on conversations (visitor_id, created_at desc);

create table messages (
    id blob primary key check (length(id) = 16),
    conversation_id blob not null references conversations (id) on delete cascade,
    seq integer not null check (seq >= 1),
    client_msg_id blob,
    author_kind text not null check (author_kind in ('visitor', 'agent', 'system')),
    -- a visitor's or an agent's id (no foreign key: it points at either table); null for system
    author_id blob,
    author_name text check (length(author_name) <= 200),
    kind text not null check (kind in ('text', 'note', 'event')),
    body text not null check (length(body) >= 1),
    created_at integer not null,
    unique (conversation_id, seq),
    check ((author_kind = 'system') = (author_id is null)),
    check (kind <> 'note' or author_kind = 'agent')
);
create unique index messages_idempotency_key on messages (author_kind, author_id, client_msg_id)
    where client_msg_id is not null;

-- Full-text search over message bodies, kept in step by triggers (messages are never updated).
create virtual table messages_fts using fts5 (body, content = 'messages', content_rowid = 'rowid');
create trigger messages_fts_insert after insert on messages begin
    insert into messages_fts (rowid, body) values (new.rowid, new.body);
end;
create trigger messages_fts_delete after delete on messages begin
    insert into messages_fts (messages_fts, rowid, body) values ('delete', old.rowid, old.body);
end;

create table read_marks (
    conversation_id blob not null references conversations (id) on delete cascade,
    reader_kind text not null check (reader_kind in ('visitor', 'agent')),
    reader_id blob not null,
    seq integer not null check (seq >= 0),
    updated_at integer not null,
    primary key (conversation_id, reader_kind, reader_id)
);

create table canned_responses (
    id blob primary key check (length(id) = 16),
    workspace_id blob not null references workspaces (id) on delete cascade,
    shortcut text not null check (length(shortcut) between 1 and 32 and shortcut not glob '*[^a-z0-9_-]*'),
    title text not null default '' check (length(title) <= 200),
    body text not null check (length(body) between 1 and 20000),
    created_at integer not null,
    updated_at integer not null,
    unique (workspace_id, shortcut)
);

create table webhooks (
    id blob primary key check (length(id) = 16),
    workspace_id blob not null references workspaces (id) on delete cascade,
    url text not null check (length(url) <= 2048 and (url like 'http://%' or url like 'https://%')),
    secret text not null,
    events text not null check (json_valid(events) and json_type(events) = 'array'),
    active integer not null default 1 check (active in (0, 1)),
    created_at integer not null
);
create index webhooks_workspace_idx on webhooks (workspace_id);

create table webhook_deliveries (
    id blob primary key check (length(id) = 16),
    webhook_id blob not null references webhooks (id) on delete cascade,
    event_id blob not null,
    event text not null check (event in ('conversation.created', 'conversation.updated', 'message.created')),
    payload text not null check (json_valid(payload)),
    status text not null default 'pending' check (status in ('pending', 'delivered', 'failed')),
    attempts integer not null default 0 check (attempts >= 0),
    next_attempt_at integer not null,
    last_status_code integer,
    last_error text,
    created_at integer not null,
    delivered_at integer,
    unique (webhook_id, event_id)
);
create index webhook_deliveries_due_idx on webhook_deliveries (next_attempt_at) where status = 'pending';
create index webhook_deliveries_webhook_idx on webhook_deliveries (webhook_id, created_at desc);
