-- The outcome a channel reported for an applied request, written in the channel's own
-- transaction: a request applied but never answered (the hub stopped in between) is
-- answered from it, or resumed at its channel step when there is none yet.
alter table uc_request add column outcome_status varchar(16);
alter table uc_request add column outcome_message varchar(1000);
