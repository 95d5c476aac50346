-- When each reserved number was last handed back. A number is handed out again only after
-- every other free one, so that a room ended while the PBX was out of reach (its people still
-- in it until the hub reconnects and clears it) is not the next conference's. Kept here, not
-- in each instance's memory: after a restart, and for every instance sharing this log, the
-- number just released still goes last. One row per number ever released: the pool's size.
create table uc_number_release (
    reserved_number varchar(32) not null primary key,
    released_at     timestamp with time zone not null
);
