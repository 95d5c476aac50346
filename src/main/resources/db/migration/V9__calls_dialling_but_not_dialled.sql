-- Before the first party's claim moved a call to DIALLING in its own transaction, a call
-- could be DIALLING while its first party was still REQUESTED (its claim lost). The PBX retry
-- sweep now reads only PENDING and REQUESTED calls, so such a call would wait for ever. As
-- PENDING, the sweep dials it, or fails it once it has waited longer than pbx.retry.give-up-ms.
update uc_session set state = 'PENDING'
 where channel = 'call' and state = 'DIALLING'
   and exists (select 1 from uc_participant p
                where p.session_id = uc_session.session_id and p.state = 'REQUESTED'
                  and p.id = (select min(q.id) from uc_participant q where q.session_id = uc_session.session_id));
