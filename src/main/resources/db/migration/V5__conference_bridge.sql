-- The ConfBridge instance (BridgeUniqueid) a conference session runs in. A room is named by
-- the reserved number, which the next session gets once this one has released it; the
-- bridge id tells the old room's late events (its end, its recording) from the new one's.
alter table uc_session add column bridge_id varchar(64);

-- The PBX sweep looks every few seconds for sessions of a channel that wait for the PBX.
create index uc_session_open on uc_session (channel, state);
