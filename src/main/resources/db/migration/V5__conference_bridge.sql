-- The ConfBridge instance (BridgeUniqueid) a conference session runs in. A room is named by
-- the reserved number, which the next session gets once this one has released it; the
-- bridge id tells the old room's late events (its end, its recording) from the new one's.
alter table uc_session add column bridge_id varchar(64);
