-- Agents told by email of new conversations that came while nobody of their team was online:
-- one digest waits per agent at a time and gathers the conversations that come meanwhile.
alter table agents add column notify_email integer not null default 1 check (notify_email in (0, 1));
-- The newest conversation a digest told the agent of: the next digest starts after it.
alter table agents add column digested_through integer;
-- SQLite cannot change a check constraint: the outbox is copied into a table that allows
-- digests (nothing references it, so it can be replaced).
create table email_outbox_next (
    id blob primary key check (length(id) = 16),
    workspace_id blob not null references workspaces (id) on delete cascade,
    kind text not null check (kind in ('reply', 'invite', 'reset', 'transcript', 'digest')),
    conversation_id blob references conversations (id) on delete cascade,
    from_seq integer,
    upto_seq integer,
    state text not null default 'pending' check (state in ('pending', 'sent', 'failed', 'skipped')),
    attempts integer not null default 0,
    next_attempt_at integer not null,
    last_error text,
    to_address text,
    payload text,
    created_at integer not null,
    sent_at integer,
    -- a digest: the agent it tells
    agent_id blob references agents (id) on delete cascade
);
insert into email_outbox_next (id, workspace_id, kind, conversation_id, from_seq, upto_seq, state,
    attempts, next_attempt_at, last_error, to_address, payload, created_at, sent_at)
    select id, workspace_id, kind, conversation_id, from_seq, upto_seq, state, attempts,
        next_attempt_at, last_error, to_address, payload, created_at, sent_at
    from email_outbox;
drop table email_outbox;
alter table email_outbox_next rename to email_outbox;
create index email_outbox_due_idx on email_outbox (next_attempt_at) where state = 'pending';
create index email_outbox_conversation_idx on email_outbox (conversation_id, created_at);
create unique index email_outbox_one_pending_reply_idx on email_outbox (conversation_id)
    where state = 'pending' and kind = 'reply';
create index email_outbox_sent_to_idx on email_outbox (to_address, sent_at) where state = 'sent';
create unique index email_outbox_one_pending_digest_idx on email_outbox (agent_id)
    where state = 'pending' and kind = 'digest';
