-- A message's files: [{id, name, size, content_type, thumbnail}], null when it has none. A
-- message with files may have an empty body. SQLite cannot change a check constraint: the
-- table is copied (rowids kept, for the full-text index) into one that allows it, before
-- uploads refers to it (no other table does).
create table messages_next (
    id blob primary key check (length(id) = 16),
    conversation_id blob not null references conversations (id) on delete cascade,
    seq integer not null check (seq >= 1),
    client_msg_id blob,
    author_kind text not null check (author_kind in ('visitor', 'agent', 'system')),
    -- a visitor's or an agent's id (no foreign key: it points at either table); null for system
    author_id blob,
    author_name text check (length(author_name) <= 200),
    kind text not null check (kind in ('text', 'note', 'event')),
    body text not null,
    created_at integer not null,
    attachments text check (attachments is null or (json_valid(attachments) and json_type(attachments) = 'array')),
    unique (conversation_id, seq),
    check ((author_kind = 'system') = (author_id is null)),
    check (kind <> 'note' or author_kind = 'agent'),
    check (length(body) >= 1 or attachments is not null)
);
insert into messages_next (rowid, id, conversation_id, seq, client_msg_id, author_kind, author_id,
    author_name, kind, body, created_at)
    select rowid, id, conversation_id, seq, client_msg_id, author_kind, author_id, author_name,
        kind, body, created_at
    from messages;
drop table messages;
alter table messages_next rename to messages;
create unique index messages_idempotency_key on messages (author_kind, author_id, client_msg_id)
    where client_msg_id is not null;
create trigger messages_fts_insert after insert on messages begin
    insert into messages_fts (rowid, body) values (new.rowid, new.body);
end;
create trigger messages_fts_delete after delete on messages begin
    insert into messages_fts (messages_fts, rowid, body) values ('delete', old.rowid, old.body);
end;

-- Files visitors and agents upload. An upload is its uploader's until a message carries it;
-- one that no message carries is deleted after a day.
create table uploads (
    id blob primary key check (length(id) = 16),
    workspace_id blob not null references workspaces (id) on delete cascade,
    -- a visitor's upload (erasing the visitor erases its files); null for an agent's
    visitor_id blob references visitors (id) on delete cascade,
    -- an agent's upload; no foreign key: a removed agent's files stay with their messages
    agent_id blob,
    name text not null check (length(name) between 1 and 255),
    size integer not null check (size >= 0),
    -- detected from the bytes, never taken from the uploader
    content_type text not null check (length(content_type) between 1 and 100),
    -- where the bytes are in the configured file store, and a small preview of an image
    storage_key text not null unique,
    thumbnail_key text unique,
    -- the message that carries it, once sent
    message_id blob references messages (id) on delete cascade,
    conversation_id blob references conversations (id) on delete cascade,
    -- a canned response's file: kept while the response is (a use sends a copy)
    canned_id blob references canned_responses (id) on delete cascade,
    created_at integer not null,
    check ((visitor_id is null) <> (agent_id is null))
);
create index uploads_orphans_idx on uploads (created_at)
    where message_id is null and canned_id is null;
create index uploads_canned_idx on uploads (canned_id) where canned_id is not null;
create index uploads_visitor_idx on uploads (visitor_id) where visitor_id is not null;
create index uploads_message_idx on uploads (message_id) where message_id is not null;

-- The files of the `database` store.
create table file_blobs (
    storage_key text primary key,
    bytes blob not null
);

-- Keys whose upload is gone (deleted, or with its conversation, visitor or workspace): the
-- janitor deletes their bytes from whichever store holds them, then the key.
create table file_trash (
    storage_key text primary key
);
create trigger uploads_to_trash after delete on uploads begin
    insert or ignore into file_trash (storage_key) values (old.storage_key);
    insert or ignore into file_trash (storage_key)
        select old.thumbnail_key where old.thumbnail_key is not null;
end;


-- A canned response's files, as a message keeps them: [{id, name, size, content_type, thumbnail}].
alter table canned_responses add column attachments text check (attachments is null or (json_valid(attachments) and json_type(attachments) = 'array'));
