-- The session log's retention (hub.session-log.retention-days) deletes a business ID's applied
-- requests together with the rest of its record; without this index each business ID purged
-- would read every request ever applied.
create index uc_request_case on uc_request (tenant, business_id);
