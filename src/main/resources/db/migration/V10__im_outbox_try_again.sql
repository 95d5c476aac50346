-- A server may answer a stanza with an error of type "wait" (RFC 6120 8.3.2): try again later,
-- e.g. resource-constraint when the recipient's offline store is full, or a rate limit. Such a
-- message is pending again, not before not_before, and attempts counts how often it was sent.
alter table uc_im_outbox add column not_before timestamp with time zone;
alter table uc_im_outbox add column attempts int default 0 not null;
