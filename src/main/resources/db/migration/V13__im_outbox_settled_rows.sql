-- The IM sweeps (every 2 s, and after each login) read the outbox by kind and state: direct
-- messages sent and not yet settled by a receipt, an error or the receipt wait, and rooms
-- opened and not closed. Through the index on (state, id) alone each read walked every item
-- ever done, which are never deleted. This index seeks them apart from the settled ones.
create index uc_im_outbox_unsettled on uc_im_outbox (kind, state, confirmed, sent_at);

-- A room's ROOM_OPEN is CLOSED once its CLOSE has run (done or given up), so ROOM_OPEN rows
-- still DONE are the rooms the hub keeps joining, not every room it ever made.
update uc_im_outbox set state = 'CLOSED'
 where kind = 'ROOM_OPEN' and state = 'DONE'
   and exists (select 1 from uc_im_outbox c
                where c.session_id = uc_im_outbox.session_id and c.kind = 'CLOSE' and c.state in ('DONE', 'FAILED'));

-- A message sent again later (the server asked so) that a receipt or a final error settled
-- while it waited stayed PENDING for ever, read by every pass of the sender: it is DONE.
update uc_im_outbox set state = 'DONE' where state = 'PENDING' and confirmed is not null;
