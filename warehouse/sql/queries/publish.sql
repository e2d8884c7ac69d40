-- What a published analyst copy says about the publish that made it (warehouse/publish.py).

-- name: left_over
-- The notices its search index left for the next publish, and whether an
-- incident of $kind was open when the copy was taken.
SELECT (SELECT unindexed FROM search_index),
       EXISTS (SELECT 1 FROM incidents WHERE kind = $kind AND ended_at IS NULL);

-- name: cycle_as_of
-- The latest cycle's date (the day the inspection cycle's deadlines are counted to); NULL
-- before the first diff.
SELECT max(as_of) FROM latest_cycle;
