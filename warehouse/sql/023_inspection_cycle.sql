-- 023: what each version says for the inspection cycle (issue 23, docs/inspection.md):
-- one fact per unit the document names (crawler/parsing/cycle.py, CycleFact.as_json):
-- kind, unit, unit_key, region, unit_short, group, stationed_from, stationed_to,
-- letters_until (a stationing's own deadline, never a publicity period), feedback_on,
-- gaps [{field, reason}]. Read by the view inspection_documents; the rounds are built
-- from it across sources (warehouse/inspection.py). Versions read before this step have
-- none (NULL): a stationing or feedback announcement gets its facts with its next read.
-- (numbered after the issue, not the next free number, so migrations never collide).
ALTER TABLE notice_versions ADD COLUMN cycle JSON;
