-- The diff stage (warehouse/diff.py): the events the warehouse's state calls for.
-- Each candidate_<kind> statement stages the candidate events of one kind as
-- columns of change_events in the temporary table candidate_events;
-- insert_candidates then adds those whose event_key is not recorded yet, so a
-- rerun adds nothing. Parameters: $as_of (the cycle's date), $warn_days.
-- The latest version of a notice is notice_versions at notice_state.latest_version.

-- name: candidate_removed
-- Gone from a complete list and 404/410 on two consecutive cycles. A notice can be
-- removed, restored and removed again: the key counts its removals.
-- Only a notice that was announced: one read ok at least once (latest_version > 0),
-- and so with a `new` event (baseline or not). A notice only ever listed, its page never
-- read (404 from the start), has no versions and no `new` event; nobody was told of it,
-- so its removal (and a later return) changes its status without an event.
CREATE OR REPLACE TEMP TABLE candidate_events AS
SELECT 'removed:' || s.notice_id || ':' || (1 + (
           SELECT count(*) FROM change_events AS e
           WHERE e.notice_id = s.notice_id AND e.kind = 'removed')) AS event_key,
       s.notice_id, 'removed' AS kind,
       '已从栏目撤下，原网页已无法访问' AS summary,
       nullif(s.latest_version, 0) AS to_version, v.publicity_start, v.publicity_end
FROM notice_state AS s
LEFT JOIN notice_versions AS v
       ON v.notice_id = s.notice_id AND v.version_no = s.latest_version
WHERE s.status = 'active' AND s.absent_streak >= 2 AND s.latest_version > 0;

-- name: mark_removed
UPDATE notice_state AS s SET status = 'removed'
WHERE s.status = 'active' AND s.absent_streak >= 2;

-- name: candidate_restored
-- A removed notice seen again (listed, or its page read); announced ones only, as above.
CREATE OR REPLACE TEMP TABLE candidate_events AS
SELECT 'restored:' || s.notice_id || ':' || (1 + (
           SELECT count(*) FROM change_events AS e
           WHERE e.notice_id = s.notice_id AND e.kind = 'restored')) AS event_key,
       s.notice_id, 'restored' AS kind, '恢复发布:重新出现在列表中' AS summary,
       nullif(s.latest_version, 0) AS to_version, v.publicity_start, v.publicity_end
FROM notice_state AS s
LEFT JOIN notice_versions AS v
       ON v.notice_id = s.notice_id AND v.version_no = s.latest_version
WHERE s.status = 'removed' AND s.absent_streak = 0 AND s.latest_version > 0;

-- name: mark_restored
UPDATE notice_state AS s SET status = 'active'
WHERE s.status = 'removed' AND s.absent_streak = 0;

-- name: candidate_new
CREATE OR REPLACE TEMP TABLE candidate_events AS
SELECT 'new:' || v.notice_id AS event_key, v.notice_id, 'new' AS kind,
       '新通报' || coalesce(
           ',公开期限至 ' || strftime(v.publicity_end, '%Y年%-m月%-d日'), '') AS summary,
       1 AS to_version, v.publicity_start, v.publicity_end
FROM notice_versions AS v
WHERE v.version_no = 1;

-- name: pending_edits
-- Versions after the first without their edited event (diff.py diffs them in Python).
SELECT notice_id, version_no FROM notice_versions
WHERE version_no > 1
  AND 'edited:' || notice_id || ':' || version_no NOT IN (SELECT event_key FROM change_events)
ORDER BY notice_id, version_no;

-- name: edit_texts
-- The texts of each pending version and of the one before it.
SELECT n.notice_id, n.version_no,
       o.title, o.body, o.publicity_start, o.publicity_end,
       n.title, n.body, n.publicity_start, n.publicity_end
FROM (SELECT unnest($ids) AS notice_id, unnest($versions) AS version_no) AS k
JOIN notice_versions AS n USING (notice_id, version_no)
JOIN notice_versions AS o
  ON o.notice_id = n.notice_id AND o.version_no = n.version_no - 1
ORDER BY n.notice_id, n.version_no;

-- name: candidate_expiring
-- as_of <= end <= as_of + warn_days: once per notice and end date.
CREATE OR REPLACE TEMP TABLE candidate_events AS
SELECT 'expiring:' || s.notice_id || ':' || v.publicity_end AS event_key,
       s.notice_id, 'expiring' AS kind,
       CASE WHEN v.publicity_end = $as_of
            THEN '公开期限今天(' || strftime(v.publicity_end, '%-m月%-d日') || ')截止'
            ELSE '公开期限 ' || strftime(v.publicity_end, '%-m月%-d日') || ' 截止,还有 '
                 || days_left(v.publicity_end, $as_of::DATE) || ' 天' END AS summary,
       s.latest_version AS to_version, v.publicity_start, v.publicity_end
FROM notice_state AS s
JOIN notice_versions AS v ON v.notice_id = s.notice_id AND v.version_no = s.latest_version
WHERE s.status = 'active'
  AND v.publicity_end BETWEEN $as_of AND $as_of + $warn_days;

-- name: candidate_expired
CREATE OR REPLACE TEMP TABLE candidate_events AS
SELECT 'expired:' || s.notice_id || ':' || v.publicity_end AS event_key,
       s.notice_id, 'expired' AS kind,
       '公开期限已于 ' || strftime(v.publicity_end, '%Y年%-m月%-d日') || ' 截止' AS summary,
       s.latest_version AS to_version, v.publicity_start, v.publicity_end
FROM notice_state AS s
JOIN notice_versions AS v ON v.notice_id = s.notice_id AND v.version_no = s.latest_version
WHERE s.status = 'active' AND v.publicity_end < $as_of;

-- name: insert_candidates
INSERT INTO change_events BY NAME
SELECT c.*, $batch_id AS batch_id, $now::TIMESTAMPTZ AS detected_at,
       $as_of::DATE AS as_of, $baseline AS baseline
FROM candidate_events AS c
WHERE c.event_key NOT IN (SELECT event_key FROM change_events)
ORDER BY c.notice_id;

-- name: pending_hunks
-- Edited events without their passages in edit_hunks (new ones, and events
-- recorded before edit_hunks existed), a chunk at a time in change_id order.
SELECT change_id, diff FROM change_events
WHERE kind = 'edited' AND change_id > $after
  AND change_id NOT IN (SELECT change_id FROM edit_hunks)
ORDER BY change_id
LIMIT $limit;

-- name: insert_hunks
INSERT INTO edit_hunks BY NAME SELECT * FROM hunk_rows;

-- name: record_run
-- One row per run (006_diff_runs.sql): the date later readers count days from
-- (the history site, and the analysts' views through latest_cycle).
INSERT INTO diff_runs VALUES ($now::TIMESTAMPTZ, $batch_id, $as_of::DATE, $warn_days,
                              $baseline, $events);
