-- A supervised sitting voided before 0022 revoked its certificate but left its pass current
-- (0022 added `exam_pass.voided_at` without filling it): that person still read as passed and
-- could not pass again. Mark those passes voided at the time of the review. Only passes are
-- touched: run `binhdan counters rebuild` after this migration on a database that had such
-- sittings, so the counters drop what the void would have moved back.
UPDATE exam_pass
SET voided_at = (
    SELECT COALESCE(s.reviewed_at, exam_pass.passed_at)
    FROM assisted_sitting s
    WHERE s.attempt_id = exam_pass.attempt_id
)
WHERE voided_at IS NULL
  AND attempt_id IN (SELECT attempt_id FROM assisted_sitting WHERE review = 'voided');
