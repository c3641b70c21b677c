-- Webhook delivery. The first schema's webhook_deliveries was never written to; it is replaced
-- by an outbox (one row per event and subscribed webhook, written in the transaction of the
-- change it reports) and a log of every attempt.
drop table webhook_deliveries;

alter table webhooks
    add column updated_at timestamptz not null default now(),
    -- set by the first failure after a success; a webhook failing for the whole retry window
    -- is switched off, with the reason kept for the admin
    add column failing_since timestamptz,
    add column disabled_reason text check (length(disabled_reason) <= 2000);

create table webhook_outbox (
    id uuid primary key,
    workspace_id uuid not null references workspaces (id) on delete cascade,
    webhook_id uuid not null references webhooks (id) on delete cascade,
    -- what receivers dedupe by; one event sent to several webhooks has one id
    event_id uuid not null,
    event text not null check (event in ('conversation.created', 'conversation.updated',
        'conversation.assigned', 'conversation.rated', 'message.created', 'ping')),
    -- the event's data; null for message.created, whose message (never changed once stored)
    -- is read when the event is sent, so that the message path writes no copy of it
    payload jsonb,
    message_id uuid,
    status text not null default 'pending' check (status in ('pending', 'delivered', 'failed')),
    attempts integer not null default 0 check (attempts >= 0),
    next_attempt_at timestamptz not null,
    created_at timestamptz not null,
    delivered_at timestamptz,
    check (payload is not null or message_id is not null)
);
create index webhook_outbox_due_idx on webhook_outbox (next_attempt_at) where status = 'pending';
create index webhook_outbox_webhook_idx on webhook_outbox (webhook_id);

create table webhook_attempts (
    id uuid primary key,
    outbox_id uuid not null references webhook_outbox (id) on delete cascade,
    webhook_id uuid not null references webhooks (id) on delete cascade,
    attempt integer not null check (attempt >= 1),
    status_code integer,
    ok boolean not null,
    -- why it failed (a timeout, a refused address), never set on success
    error text check (length(error) <= 2000),
    -- the first KiB of the receiver's answer
    response text check (length(response) <= 1024),
    duration_ms integer not null check (duration_ms >= 0),
    created_at timestamptz not null
);
create index webhook_attempts_webhook_idx on webhook_attempts (webhook_id, created_at desc, id desc);
create index webhook_attempts_outbox_idx on webhook_attempts (outbox_id);

-- API keys for scripts and integrations: a key acts with its role in its workspace. Only a
-- hash is kept (keys are 40 random characters, so SHA-256 is enough); deleting the row
-- revokes it.
create table api_keys (
    id uuid primary key,
    workspace_id uuid not null references workspaces (id) on delete cascade,
    name text not null check (length(name) between 1 and 200),
    role text not null check (role in ('admin', 'agent')),
    key_hash text not null unique,
    -- the key's first characters, to recognise it in a list
    key_prefix text not null,
    created_at timestamptz not null,
    last_used_at timestamptz
);
create index api_keys_workspace_idx on api_keys (workspace_id);
