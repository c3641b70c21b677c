-- Every message rewrites its conversation's row, and that update is not HOT (the inbox index
-- holds last_activity_at), so each message enters the row anew in every index of the table.
-- Most conversations carry no label: indexing only those that do spares each message a write
-- to the GIN index's pending list and its metapage, one page that every writer locks in turn.
-- Queries filtering by label say `labels <> '[]'` as well, so the planner can use this index.
drop index conversations_labels_idx;
create index conversations_labels_idx on conversations using gin (labels)
    where labels <> '[]'::jsonb;
