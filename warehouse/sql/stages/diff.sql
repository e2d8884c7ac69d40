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
-- A stationing announcement's window is its letters deadline, said as such.
CREATE OR REPLACE TEMP TABLE candidate_events AS
SELECT 'new:' || v.notice_id AS event_key, v.notice_id, 'new' AS kind,
       '新通报' || coalesce(
           CASE WHEN v.document_kind = 'inspection_announcement' THEN ',受理信访截止 '
                ELSE ',公开期限至 ' END
           || strftime(v.publicity_end, '%Y年%-m月%-d日'), '') AS summary,
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
-- as_of <= end <= as_of + warn_days: once per notice and end date. Not a stationing
-- announcement's letters deadline: that is letters_expiring.
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
  AND coalesce(v.document_kind, 'other') <> 'inspection_announcement'
  AND v.publicity_end BETWEEN $as_of AND $as_of + $warn_days;

-- name: candidate_expired
CREATE OR REPLACE TEMP TABLE candidate_events AS
SELECT 'expired:' || s.notice_id || ':' || v.publicity_end AS event_key,
       s.notice_id, 'expired' AS kind,
       '公开期限已于 ' || strftime(v.publicity_end, '%Y年%-m月%-d日') || ' 截止' AS summary,
       s.latest_version AS to_version, v.publicity_start, v.publicity_end
FROM notice_state AS s
JOIN notice_versions AS v ON v.notice_id = s.notice_id AND v.version_no = s.latest_version
WHERE s.status = 'active' AND v.publicity_end < $as_of
  AND coalesce(v.document_kind, 'other') <> 'inspection_announcement';

-- name: candidate_stationed
-- A stationing announcement (the first unit it names): who, where, the visit and until
-- when letters are taken, once per notice; its contacts travel with the notice's version.
CREATE OR REPLACE TEMP TABLE candidate_events AS
SELECT 'stationed:' || d.notice_id AS event_key, d.notice_id, 'stationed' AS kind,
       coalesce(d.group_name, '巡视组') || '进驻' || d.unit_key
       || coalesce(',巡视 ' || strftime(d.stationed_from, '%Y年%-m月%-d日')
                   || coalesce(' 至 ' || strftime(d.stationed_to, '%Y年%-m月%-d日'), ''), '')
       || coalesce(',受理信访截止 ' || strftime(d.letters_until, '%Y年%-m月%-d日'),
                   ',受理信访截止日期未能识别,请看原文') AS summary,
       d.version_no AS to_version, v.publicity_start,
       coalesce(d.letters_until, v.publicity_end) AS publicity_end
FROM inspection_documents AS d
JOIN notice_versions AS v ON v.notice_id = d.notice_id AND v.version_no = d.version_no
WHERE d.document_kind = 'inspection_announcement' AND d.status = 'active' AND d.seq = 1;

-- name: candidate_letters_expiring
-- A stationing announcement's letters deadline within warn_days, as a publicity period's
-- end is warned: once per notice and deadline.
CREATE OR REPLACE TEMP TABLE candidate_events AS
SELECT 'letters_expiring:' || d.notice_id || ':' || d.letters_until AS event_key,
       d.notice_id, 'letters_expiring' AS kind,
       CASE WHEN d.letters_until = $as_of
            THEN '受理信访今天(' || strftime(d.letters_until, '%-m月%-d日') || ')截止'
            ELSE '受理信访 ' || strftime(d.letters_until, '%-m月%-d日') || ' 截止,还有 '
                 || days_left(d.letters_until, $as_of::DATE) || ' 天' END AS summary,
       d.version_no AS to_version, v.publicity_start, d.letters_until AS publicity_end
FROM inspection_documents AS d
JOIN notice_versions AS v ON v.notice_id = d.notice_id AND v.version_no = d.version_no
WHERE d.document_kind = 'inspection_announcement' AND d.status = 'active' AND d.seq = 1
  AND d.letters_until BETWEEN $as_of AND $as_of + $warn_days;

-- name: candidate_progress_overdue
-- A round past progress_expected_months after its feedback without a progress notice
-- (cycle_due, warehouse/inspection.py, over this warehouse's documents and the copy
-- across sources'), recorded once per round (its unit and feedback day) on this source's
-- feedback announcement of it (the first); a round whose feedback another source
-- announced is that source's to record.
CREATE OR REPLACE TEMP TABLE candidate_events AS
SELECT 'progress_overdue:' || d.unit_id || ':' || d.feedback_on AS event_key,
       f.notice_id, 'progress_overdue' AS kind,
       d.unit_id || ' ' || strftime(d.feedback_on, '%Y年%-m月%-d日') || '反馈,至 '
       || strftime(d.progress_expected_by, '%Y年%-m月%-d日') || ' 未见整改进展公开,已逾期 '
       || d.days_overdue || ' 天(按反馈后 ' || $expected_months || ' 个月计,系设定规则,非规定期限)'
           AS summary,
       f.version_no AS to_version, NULL::DATE AS publicity_start, NULL::DATE AS publicity_end
FROM cycle_due AS d
JOIN cycle_linked AS f
  ON f.round_id = d.round_id AND f.own AND f.document_kind = 'feedback_announcement'
WHERE d.days_overdue > 0
QUALIFY row_number() OVER (PARTITION BY d.round_id ORDER BY f.published_on, f.notice_id) = 1;

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

-- name: pending_pairs
-- Pairs of versions of a notice two or more apart, with differing texts and no passages
-- in version_pair_hunks yet (new versions, and those recorded before the table), a chunk
-- at a time in (notice, b, a) order, with both texts.
SELECT a.notice_id, a.version_no, b.version_no, a.title, a.body, b.title, b.body
FROM notice_versions AS b
JOIN notice_versions AS a ON a.notice_id = b.notice_id AND a.version_no <= b.version_no - 2
WHERE a.text_sha256 <> b.text_sha256
  AND (b.notice_id, b.version_no, a.version_no) > ($after_id, $after_b, $after_a)
  AND NOT EXISTS (SELECT 1 FROM version_pair_hunks AS p
                  WHERE p.notice_id = a.notice_id AND p.from_version = a.version_no
                    AND p.to_version = b.version_no)
ORDER BY b.notice_id, b.version_no, a.version_no
LIMIT $limit;

-- name: insert_pairs
INSERT INTO version_pair_hunks BY NAME SELECT * FROM pair_rows;

-- name: record_run
-- One row per run (006_diff_runs.sql): the date later readers count days from
-- (the history site, and the analysts' views through latest_cycle).
INSERT INTO diff_runs VALUES ($now::TIMESTAMPTZ, $batch_id, $as_of::DATE, $warn_days,
                              $baseline, $events);
