-- PostgreSQL's migration 0016 puts codes and paths in the "C" collation; SQLite compares text
-- byte by byte already (BINARY), so there is nothing to change here. The file keeps the two
-- backends' migrations in step.
SELECT 1;
