-- An agent's email is unique within its workspace only: the same person may work for two
-- businesses, and an admin creating an agent learns nothing about other workspaces.
alter table agents drop constraint agents_email_key;
create unique index agents_workspace_email_idx on agents (workspace_id, email);
create index agents_email_idx on agents (email);

-- Which of a verified visitor's attributes the business signed: a JWT identity signs its
-- name and email, the HMAC form signs the id only.
alter table visitors add column name_signed boolean not null default false;
alter table visitors add column email_signed boolean not null default false;
