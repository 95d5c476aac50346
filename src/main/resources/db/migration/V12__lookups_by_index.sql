-- A conference room's news (its start, end and recording) names the room instance, not the
-- session: without an index each such event read every session ever logged, on the thread
-- that commits all of the session log's writes.
create index uc_session_bridge on uc_session (bridge_id);

-- A message from a group chat is matched to its session by the room's address, in lower case
-- (the hub names rooms so; servers may send the service's name in another case), through the
-- index on target rather than lower(target) over every item ever sent.
update uc_im_outbox set target = lower(target) where kind = 'ROOM_OPEN';
