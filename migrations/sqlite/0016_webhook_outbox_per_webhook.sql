-- The same index as Postgres's migration 0017 (switching a webhook off and on reads its pending
-- events by it), in place of the one on webhook_id alone.
create index webhook_outbox_claim_idx on webhook_outbox (webhook_id, status, next_attempt_at);
drop index webhook_outbox_webhook_idx;

-- The pending events of a switched-off webhook are parked (due in 9999, in microseconds) until
-- it is switched on again.
update webhook_outbox set next_attempt_at = 253370764800000000
where status = 'pending' and event <> 'ping'
  and webhook_id in (select id from webhooks where active = 0);
