-- Claims read due events per webhook, and those that leave out a busy or failing receiver
-- (src/store/postgres.rs, `claim_per_webhook`) no longer pass over the left-out receiver's
-- whole backlog at every claim. This index replaces the one on webhook_id alone (which served
-- deleting a webhook's rows, as its first column still does): the insert on the message path
-- keeps the same number of indexes.
create index webhook_outbox_claim_idx on webhook_outbox (webhook_id, status, next_attempt_at);
drop index webhook_outbox_webhook_idx;

-- The pending events of a switched-off webhook are parked (due in 9999) until it is switched on
-- again, rather than left due at the head of the due index, where every claim passed over them.
update webhook_outbox o set next_attempt_at = '9999-01-01T00:00:00Z'
from webhooks w
where w.id = o.webhook_id and not w.active and o.status = 'pending' and o.event <> 'ping';
