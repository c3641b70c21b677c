-- Emails to send, written in the transaction of what causes them (an agent's reply to a
-- visitor who left an address, ...), sent by the worker with retries. A reply's recipient
-- and content are read when it is sent: several replies then go in one email.
create table email_outbox (
    id blob primary key check (length(id) = 16),
    workspace_id blob not null references workspaces (id) on delete cascade,
    kind text not null check (kind in ('reply', 'invite', 'reset', 'transcript')),
    conversation_id blob references conversations (id) on delete cascade,
    -- a reply email: the first agent reply it carries (the later ones join it until it is sent)
    from_seq integer,
    -- ... and the last one it carried, once sent
    upto_seq integer,
    state text not null default 'pending' check (state in ('pending', 'sent', 'failed', 'skipped')),
    attempts integer not null default 0,
    next_attempt_at integer not null,
    last_error text,
    -- whom it went to, once sent (the hourly cap per address counts these)
    to_address text,
    -- an invitation's or reset's link, until it is sent (then cleared: it holds a token)
    payload text,
    created_at integer not null,
    sent_at integer
);
create index email_outbox_due_idx on email_outbox (next_attempt_at) where state = 'pending';
create index email_outbox_conversation_idx on email_outbox (conversation_id, created_at);
-- One reply email waits per conversation at a time: replies that come meanwhile join it.
create unique index email_outbox_one_pending_reply_idx on email_outbox (conversation_id)
    where state = 'pending' and kind = 'reply';
-- Replies received by email, once per Message-ID and conversation.
create table inbound_emails (
    conversation_id blob not null references conversations (id) on delete cascade,
    message_id_header text not null check (length(message_id_header) between 1 and 998),
    received_at integer not null,
    primary key (conversation_id, message_id_header)
);
-- When the visitor's last connection closed: replies wait PARLEY_EMAIL_DELAY_S after it.
alter table visitors add column left_at integer;
create index email_outbox_sent_to_idx on email_outbox (to_address, sent_at) where state = 'sent';
-- Addresses a workspace no longer emails: the person unsubscribed, or mail to it bounced hard.
create table email_suppressions (
    workspace_id blob not null references workspaces (id) on delete cascade,
    address text not null,
    reason text not null check (reason in ('unsubscribed', 'bounced')),
    created_at integer not null,
    primary key (workspace_id, address)
);
-- Single-use links for agents: an invitation (set a first password) or a password reset. Only
-- a hash of the token is kept.
create table agent_tokens (
    token_hash text primary key,
    workspace_id blob not null references workspaces (id) on delete cascade,
    agent_id blob not null references agents (id) on delete cascade,
    purpose text not null check (purpose in ('invite', 'reset')),
    expires_at integer not null,
    used_at integer,
    created_at integer not null
);
create index agent_tokens_agent_idx on agent_tokens (agent_id);
