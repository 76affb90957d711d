-- Staff search ignores accents, case and word order (issue 11): each chart keeps its name as
-- normalized words (domain::matching::normalize), with a space before and after each, so that
-- every typed word can be matched as the beginning of one of them. SQL cannot remove accents
-- the way the matcher does, so the keys of existing charts are filled in by the application
-- right after this migration (Database::migrate), and every later write of a chart sets its own.
ALTER TABLE patients ADD COLUMN search_key TEXT;
