-- Events not yet published on the events topic. Events logged before this version count as
-- published, so an upgrade does not replay the whole history.
alter table uc_event add column published boolean default true not null;
alter table uc_event alter column published set default false;
create index uc_event_unpublished on uc_event (published, event_time);
