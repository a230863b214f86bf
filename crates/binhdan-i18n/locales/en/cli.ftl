## The command line

cli-migrated = The database is ready ({ $units } administrative units newly loaded).
cli-demo-built = Built the demo province: { $communes } communes and wards; { $villages } villages; { $adults } adults.
cli-content-ok = The content is valid: { $courses } courses, { $lessons } lessons, { $items } questions, { $tasks } simulated tasks.
cli-content-invalid = The content has { $count } errors; nothing was loaded.
cli-content-loaded = Loaded { $courses } courses: { $added } new lessons, { $changed } changed, { $retired } retired; { $items_added } new questions, { $items_changed } changed; { $tasks } simulated tasks.
cli-population-done = Imported { $figures } population figures ({ $people } people in all).

## People, organisations, staff, audit

cli-import-rows = Rows read
cli-people-imported = Imported { $rows } rows: { $added } new people, { $updated } updated, { $unchanged } unchanged, { $rejected } rows rejected.
cli-people-checked = Checked { $rows } rows (nothing written): { $added } new people, { $updated } updated, { $unchanged } unchanged, { $rejected } rows rejected.
cli-people-rejects = The rejected rows, with their errors, are in { $file }. Fix them and import that file.
cli-org-spec-invalid = “{ $value }” is not KIND:CODE, e.g. school:38001234 (kinds: school, agency, enterprise, cooperative).
cli-org-unknown = There is no organisation { $value }. Create it first with “binhdan org create”.
cli-org-exists = Organisation { $value } already exists.
cli-org-created = Created organisation { $id }: { $name }.
cli-grades-invalid = Grades “{ $value }” are not valid; write them as 6-9, between 1 and 12.
cli-grant-ill-formed = This role cannot have the scope chosen (e.g. an organisation admin needs --org; a commune admin needs --unit).
cli-password-prompt = Type the password (at least 10 characters) and press Enter:
cli-admin-created = Created account { $id }: { $username }.
cli-admin-exists = The username { $username } is taken.
cli-totp-resealed = { $count } TOTP secrets stored in clear were sealed; none is left in clear.
cli-audit-ok = The audit log is intact: { $count } records, the hash chain holds.
cli-audit-altered = The audit log was edited: record { $seq } does not match its hash.
cli-audit-broken = The audit log was cut: record { $seq } does not follow the one before (expected { $expected }).
cli-audit-truncated = The audit log lost its last records: the head is { $head } but the records end at { $last }.
cli-admin-totp = Add the address below to an authenticator app (Google Authenticator, Microsoft Authenticator…) now; it is shown only once:

## Item response theory

cli-irt-done = Calibrated { $calibrated } of { $items } items and { $tasks_calibrated } of { $tasks } simulated tasks on { $responses } answers from { $persons } people; stored as version { $version }.
irt-too-few-responses = Too little data to calibrate: { $responses } answers so far, at least { $min } needed. The previous parameters stay.
irt-too-few-persons = Too little data to calibrate: { $persons } people have answered, at least { $min } needed. The previous parameters stay.
irt-no-item = Too little data to calibrate: no item or simulated task has { $min } answers or more. The previous parameters stay.
irt-refused = Could not calibrate ({ $detail }). The previous parameters stay.
cli-outbox-state = --state must be pending, delivered or dead (not “{ $state }”).
cli-outbox-retried = Put { $count } dead messages back to be delivered now.
cli-outbox-round = Delivered { $delivered } messages; { $failed } failed and will be retried.
cli-counters-agree = Compared { $compared } counters with the facts: all agree.
cli-counters-differ = Compared { $compared } counters: { $differences } disagree with the facts (listed above: scope, group, metric, stored, rebuilt). Nothing changed; run without --check to mend them.
cli-counters-mended = Compared { $compared } counters: mended { $differences } that disagreed with the facts (listed above).
cli-demo-learners = Registered { $registered } demo learners; { $started } learned over the last 30 days and { $completed } completed the course.
cli-report-written = Wrote the report of { $units } units to { $file }.
cli-certificate-revoked = Certificate { $id } is revoked (reason: { $reason }).
