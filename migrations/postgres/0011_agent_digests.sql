-- Agents told by email of new conversations that came while nobody of their team was online:
-- one digest waits per agent at a time and gathers the conversations that come meanwhile.
alter table agents add column notify_email boolean not null default true;
-- The newest conversation a digest told the agent of: the next digest starts after it.
alter table agents add column digested_through timestamptz;
alter table email_outbox drop constraint email_outbox_kind_check;
alter table email_outbox add constraint email_outbox_kind_check
    check (kind in ('reply', 'invite', 'reset', 'transcript', 'digest'));
alter table email_outbox add column agent_id uuid references agents (id) on delete cascade;
create unique index email_outbox_one_pending_digest_idx on email_outbox (agent_id)
    where state = 'pending' and kind = 'digest';
