-- The request an IM outbox item came from (tenant, idempotency key and action). A request
-- resumed after a crash (applied, its channel step never reported) adds its work only once.
alter table uc_im_outbox add column request_key varchar(400);
alter table uc_im_outbox add column item_no int;
create unique index uc_im_outbox_once on uc_im_outbox (request_key, item_no);
