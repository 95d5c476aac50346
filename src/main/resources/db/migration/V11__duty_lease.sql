-- Duties only one hub instance may do at a time, however many share this session log: holding
-- the XMPP account (a second login with the same address would take the first one's place,
-- and both would send what the outbox holds) and publishing the events outbox (two publishers
-- would repeat events and could break their order). The instance named in holder does it until
-- expires_at, renewing well before; another takes it over once the lease has run out.
create table uc_duty (
    name        varchar(32)  not null primary key,
    holder      varchar(200) not null,
    expires_at  timestamp with time zone not null
);
