-- 019: a removal is confirmed by absences on distinct cycles (docs/warehouse.md, "Load").
-- last_absent_at is when the absence last counted in absent_streak; the next one counts
-- only vocabulary.ABSENCE_INTERVAL later, so a rerun of a cycle never confirms a removal.
ALTER TABLE notice_state ADD COLUMN last_absent_at TIMESTAMPTZ;
