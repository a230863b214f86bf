-- The last TOTP time step a staff member signed in with: a code is accepted once, so one seen
-- over a shoulder or replayed from a captured request within its 90-second window fails.
ALTER TABLE staff_account ADD COLUMN totp_last_step BIGINT;
