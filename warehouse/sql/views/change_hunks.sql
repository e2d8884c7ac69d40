-- depends: changes
-- change_hunks: one row per changed passage of an edited event (table edit_hunks,
-- cut by the diff stage exactly as alerts cut them), with the event's when and
-- the notice's title and issuer. before/after: what replaced what; the
-- contexts: the unchanged text around it; section: where.
CREATE OR REPLACE VIEW change_hunks AS
SELECT
    c.source_id,
    c.source_name,
    h.change_id,
    c.notice_id,
    h.seq,
    h.section,
    h.before,
    h.after,
    h.context_before,
    h.context_after,
    h.marked,
    h.position,
    c.detected_at,
    c.as_of,
    c.baseline,
    c.from_version,
    c.to_version,
    c.title,
    c.issuer,
    c.url
FROM edit_hunks AS h
JOIN changes AS c USING (change_id);
