## The command line

cli-migrated = The database is ready ({ $units } administrative units newly loaded).
cli-demo-built = Built the demo province: { $communes } communes and wards; { $villages } villages; { $adults } adults.
cli-content-ok = The content is valid: { $courses } courses, { $lessons } lessons, { $items } questions.
cli-content-invalid = The content has { $count } errors; nothing was loaded.
cli-content-loaded = Loaded { $courses } courses: { $added } new lessons, { $changed } changed, { $retired } retired; { $items_added } new questions, { $items_changed } changed.
cli-population-done = Imported { $figures } population figures ({ $people } people in all).
