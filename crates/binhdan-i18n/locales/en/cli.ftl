## The command line

cli-migrated = The database is ready ({ $units } administrative units newly loaded).
cli-demo-built = Built the demo province: { $communes } communes and wards; { $villages } villages; { $adults } adults.
