-- Parley schema, Postgres flavour. Ids are UUIDs made by the application (v7, time-ordered).

-- Server-wide values that must survive restarts, such as the generated token-signing secret.
create table server_settings (
    key text primary key check (length(key) between 1 and 100),
    value text not null,
    created_at timestamptz not null default now()
);

-- One business: the unit of isolation. Everything below hangs off a workspace.
create table workspaces (
    id uuid primary key,
    name text not null check (length(name) between 1 and 200),
    created_at timestamptz not null default now()
);

create table sites (
    id uuid primary key,
    workspace_id uuid not null references workspaces (id) on delete cascade,
    name text not null check (length(name) between 1 and 200),
    -- public, pasted into HTML by the business
    site_key text not null unique check (site_key like 'pk\_%'),
    -- signs identities on the business's server; never shown to visitors
    identity_secret text not null check (length(identity_secret) >= 16),
    -- the secret before the last rotation, still accepted until the next rotation
    previous_identity_secret text,
    -- empty array: any origin may embed the widget
    allowed_origins jsonb not null default '[]' check (jsonb_typeof(allowed_origins) = 'array'),
    require_identity boolean not null default false,
    -- widget appearance and behaviour: title, greeting, colour, position, locale, ...
    settings jsonb not null default '{}' check (jsonb_typeof(settings) = 'object'),
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now()
);
create index sites_workspace_idx on sites (workspace_id);

create table agents (
    id uuid primary key,
    workspace_id uuid not null references workspaces (id) on delete cascade,
    -- stored lower-cased; login is by email alone, so it is unique across workspaces
    email text not null unique check (length(email) between 3 and 254 and email = lower(email)),
    name text not null check (length(name) between 1 and 200),
    -- argon2id PHC string
    password_hash text not null,
    role text not null check (role in ('admin', 'agent')),
    -- a deactivated agent keeps its messages but can no longer sign in or connect
    active boolean not null default true,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now()
);
create index agents_workspace_idx on agents (workspace_id);

create table visitors (
    id uuid primary key,
    workspace_id uuid not null references workspaces (id) on delete cascade,
    site_id uuid not null references sites (id) on delete cascade,
    -- the business's own user id, set only from a verified identity
    external_id text check (length(external_id) between 1 and 200),
    name text check (length(name) <= 200),
    email text check (length(email) <= 254),
    user_agent text check (length(user_agent) <= 1000),
    created_at timestamptz not null default now(),
    last_seen_at timestamptz not null default now()
);
create unique index visitors_site_external_key on visitors (site_id, external_id)
    where external_id is not null;
create index visitors_workspace_idx on visitors (workspace_id);

-- Navigation history shown to agents.
create table visitor_pages (
    id bigint generated always as identity primary key,
    visitor_id uuid not null references visitors (id) on delete cascade,
    url text not null check (length(url) <= 2048),
    title text not null default '' check (length(title) <= 1000),
    referrer text check (length(referrer) <= 2048),
    seen_at timestamptz not null default now()
);
create index visitor_pages_visitor_idx on visitor_pages (visitor_id, seen_at desc);

create table conversations (
    id uuid primary key,
    workspace_id uuid not null references workspaces (id) on delete cascade,
    site_id uuid not null references sites (id) on delete cascade,
    visitor_id uuid not null references visitors (id) on delete cascade,
    status text not null default 'open' check (status in ('open', 'resolved')),
    assignee_id uuid references agents (id) on delete set null,
    -- seq of the newest message; each append takes last_seq + 1 under this row's lock
    last_seq bigint not null default 0 check (last_seq >= 0),
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now(),
    -- moved by every message: the inbox sorts by it
    last_activity_at timestamptz not null default now()
);
-- a visitor has at most one open conversation per site
create unique index conversations_one_open_idx on conversations (visitor_id, site_id)
    where status = 'open';
create index conversations_inbox_idx on conversations (workspace_id, status, last_activity_at desc, id desc);
create index conversations_assignee_idx on conversations (assignee_id, last_activity_at desc)
    where assignee_id is not null;
create index conversations_visitor_idx on conversations (visitor_id, created_at desc);

create table messages (
    id uuid primary key,
    conversation_id uuid not null references conversations (id) on delete cascade,
    seq bigint not null check (seq >= 1),
    -- the sender's idempotency key; null for messages the server writes itself
    client_msg_id uuid,
    author_kind text not null check (author_kind in ('visitor', 'agent', 'system')),
    -- a visitor's or an agent's id (no foreign key: it points at either table); null for system
    author_id uuid,
    -- the name at the time of writing, kept if the agent is later removed
    author_name text check (length(author_name) <= 200),
    kind text not null check (kind in ('text', 'note', 'event')),
    body text not null check (length(body) >= 1),
    created_at timestamptz not null default now(),
    unique (conversation_id, seq),
    check ((author_kind = 'system') = (author_id is null)),
    check (kind <> 'note' or author_kind = 'agent')
);
-- exactly-once storage: one message per author and client_msg_id
create unique index messages_idempotency_key on messages (author_kind, author_id, client_msg_id)
    where client_msg_id is not null;
-- text search over the inbox ('simple': no stemming, works for every language)
create index messages_body_search_idx on messages using gin (to_tsvector('simple', body));

-- Per reader high-water mark of what it has read; only ever moves up.
create table read_marks (
    conversation_id uuid not null references conversations (id) on delete cascade,
    reader_kind text not null check (reader_kind in ('visitor', 'agent')),
    reader_id uuid not null,
    seq bigint not null check (seq >= 0),
    updated_at timestamptz not null default now(),
    primary key (conversation_id, reader_kind, reader_id)
);

create table canned_responses (
    id uuid primary key,
    workspace_id uuid not null references workspaces (id) on delete cascade,
    -- typed after '/' in the composer
    shortcut text not null check (shortcut ~ '^[a-z0-9_-]{1,32}$'),
    title text not null default '' check (length(title) <= 200),
    body text not null check (length(body) between 1 and 20000),
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now(),
    unique (workspace_id, shortcut)
);

create table webhooks (
    id uuid primary key,
    workspace_id uuid not null references workspaces (id) on delete cascade,
    url text not null check (length(url) <= 2048 and url ~ '^https?://'),
    -- signs each delivery (Parley-Signature)
    secret text not null,
    -- subscribed event names, a JSON array of strings
    events jsonb not null check (jsonb_typeof(events) = 'array'),
    active boolean not null default true,
    created_at timestamptz not null default now()
);
create index webhooks_workspace_idx on webhooks (workspace_id);

-- The durable outbox: a row is written in the same transaction as the change it reports,
-- then delivered (at least once) and retried with backoff.
create table webhook_deliveries (
    id uuid primary key,
    webhook_id uuid not null references webhooks (id) on delete cascade,
    -- the event id receivers dedupe by; the same event to two webhooks shares it
    event_id uuid not null,
    event text not null check (event in ('conversation.created', 'conversation.updated', 'message.created')),
    payload jsonb not null,
    status text not null default 'pending' check (status in ('pending', 'delivered', 'failed')),
    attempts integer not null default 0 check (attempts >= 0),
    next_attempt_at timestamptz not null default now(),
    last_status_code integer,
    last_error text,
    created_at timestamptz not null default now(),
    delivered_at timestamptz,
    unique (webhook_id, event_id)
);
create index webhook_deliveries_due_idx on webhook_deliveries (next_attempt_at) where status = 'pending';
create index webhook_deliveries_webhook_idx on webhook_deliveries (webhook_id, created_at desc);
