-- What each report mail of the fax gateway has had logged, by a key of the mail (its
-- Message-ID, date and subject, or a digest of its headers when it has no Message-ID): a
-- report the mail server will not move out of the status folder is read again at every
-- poll, also by the next hub after a restart, and its news must reach the session log once.
-- An unreadable report's row does not stop its being read again (a person may move it back
-- once the patterns read it), only its FAX_REPORT_UNREADABLE being logged twice.
create table uc_fax_report (
    report_key  varchar(64) not null,
    event_type  varchar(32) not null,
    session_id  varchar(64) not null,
    fax_id      bigint      not null,
    logged_at   timestamp with time zone not null,
    constraint uc_fax_report_once primary key (report_key, event_type)
);
-- The purge of a finished business ID deletes its sessions' rows.
create index uc_fax_report_session on uc_fax_report (session_id);
