-- Webhook delivery. The first schema's webhook_deliveries was never written to; it is replaced
-- by an outbox (one row per event and subscribed webhook, written in the transaction of the
-- change it reports) and a log of every attempt.
drop table webhook_deliveries;

alter table webhooks add column updated_at integer not null default 0;
-- set by the first failure after a success; a webhook failing for the whole retry window is
-- switched off, with the reason kept for the admin
alter table webhooks add column failing_since integer;
alter table webhooks add column disabled_reason text check (length(disabled_reason) <= 2000);
update webhooks set updated_at = created_at;

create table webhook_outbox (
    id blob primary key check (length(id) = 16),
    workspace_id blob not null references workspaces (id) on delete cascade,
    webhook_id blob not null references webhooks (id) on delete cascade,
    -- what receivers dedupe by; one event sent to several webhooks has one id
    event_id blob not null check (length(event_id) = 16),
    event text not null check (event in ('conversation.created', 'conversation.updated',
        'conversation.assigned', 'conversation.rated', 'message.created', 'ping')),
    -- the event's data; null for message.created, whose message (never changed once stored)
    -- is read when the event is sent
    payload text check (payload is null or json_valid(payload)),
    message_id blob,
    status text not null default 'pending' check (status in ('pending', 'delivered', 'failed')),
    attempts integer not null default 0 check (attempts >= 0),
    next_attempt_at integer not null,
    created_at integer not null,
    delivered_at integer,
    check (payload is not null or message_id is not null)
);
create index webhook_outbox_due_idx on webhook_outbox (next_attempt_at) where status = 'pending';
create index webhook_outbox_webhook_idx on webhook_outbox (webhook_id);

create table webhook_attempts (
    id blob primary key check (length(id) = 16),
    outbox_id blob not null references webhook_outbox (id) on delete cascade,
    webhook_id blob not null references webhooks (id) on delete cascade,
    attempt integer not null check (attempt >= 1),
    status_code integer,
    ok integer not null check (ok in (0, 1)),
    error text check (length(error) <= 2000),
    response text check (length(response) <= 1024),
    duration_ms integer not null check (duration_ms >= 0),
    created_at integer not null
);
create index webhook_attempts_webhook_idx on webhook_attempts (webhook_id, created_at desc, id desc);
create index webhook_attempts_outbox_idx on webhook_attempts (outbox_id);

-- API keys for scripts and integrations: a key acts with its role in its workspace. Only a
-- hash is kept (keys are 40 random characters, so SHA-256 is enough); deleting the row
-- revokes it.
create table api_keys (
    id blob primary key check (length(id) = 16),
    workspace_id blob not null references workspaces (id) on delete cascade,
    name text not null check (length(name) between 1 and 200),
    role text not null check (role in ('admin', 'agent')),
    key_hash text not null unique,
    -- the key's first characters, to recognise it in a list
    key_prefix text not null,
    created_at integer not null,
    last_used_at integer
);
create index api_keys_workspace_idx on api_keys (workspace_id);
