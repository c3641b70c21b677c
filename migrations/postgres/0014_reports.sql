-- Measures kept as conversations change, so that reports read conversations, not messages:
-- when an agent first answered (a text message written by an agent, not by the server) and
-- when the conversation was last resolved (null while open).
alter table conversations add column first_reply_at timestamptz;
alter table conversations add column resolved_at timestamptz;
update conversations c set first_reply_at = (
    select min(m.created_at) from messages m
    where m.conversation_id = c.id and m.author_kind = 'agent' and m.kind = 'text'
      and m.client_msg_id is not null);
update conversations set resolved_at = updated_at where status = 'resolved';
create index conversations_reports_idx on conversations (workspace_id, created_at);
