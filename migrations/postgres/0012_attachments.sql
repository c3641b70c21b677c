-- Files visitors and agents upload. An upload is its uploader's until a message carries it;
-- one that no message carries is deleted after a day.
create table uploads (
    id uuid primary key,
    workspace_id uuid not null references workspaces (id) on delete cascade,
    -- a visitor's upload (erasing the visitor erases its files); null for an agent's
    visitor_id uuid references visitors (id) on delete cascade,
    -- an agent's upload; no foreign key: a removed agent's files stay with their messages
    agent_id uuid,
    name text not null check (length(name) between 1 and 255),
    size bigint not null check (size >= 0),
    -- detected from the bytes, never taken from the uploader
    content_type text not null check (length(content_type) between 1 and 100),
    -- where the bytes are in the configured file store, and a small preview of an image
    storage_key text not null unique,
    thumbnail_key text unique,
    -- the message that carries it, once sent
    message_id uuid references messages (id) on delete cascade,
    conversation_id uuid references conversations (id) on delete cascade,
    -- a canned response's file: kept while the response is (a use sends a copy)
    canned_id uuid references canned_responses (id) on delete cascade,
    created_at timestamptz not null,
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
    bytes bytea not null
);

-- Keys whose upload is gone (deleted, or with its conversation, visitor or workspace): the
-- janitor deletes their bytes from whichever store holds them, then the key.
create table file_trash (
    storage_key text primary key
);
create function uploads_to_trash() returns trigger language plpgsql as $$
begin
    insert into file_trash (storage_key) values (old.storage_key) on conflict do nothing;
    if old.thumbnail_key is not null then
        insert into file_trash (storage_key) values (old.thumbnail_key) on conflict do nothing;
    end if;
    return old;
end
$$;
create trigger uploads_to_trash after delete on uploads
    for each row execute function uploads_to_trash();

-- A message's files: [{id, name, size, content_type, thumbnail}], null when it has none. A
-- message with files may have an empty body.
alter table messages add column attachments jsonb;
alter table messages drop constraint messages_body_check;
alter table messages add constraint messages_body_check
    check (length(body) >= 1 or attachments is not null);

-- A canned response's files, as a message keeps them: [{id, name, size, content_type, thumbnail}].
alter table canned_responses add column attachments jsonb;
