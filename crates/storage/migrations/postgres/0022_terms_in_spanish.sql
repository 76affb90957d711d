-- A version of the terms or the privacy policy may also be published in Spanish (summary and
-- body together, or neither: NULL means the version exists only in English).
ALTER TABLE terms_versions ADD COLUMN summary_es TEXT;
ALTER TABLE terms_versions ADD COLUMN body_es TEXT;
ALTER TABLE terms_versions ADD COLUMN changes_es TEXT;
-- The language each document was shown in when it was accepted (NULL before this migration).
ALTER TABLE terms_acceptances ADD COLUMN terms_language TEXT;
ALTER TABLE terms_acceptances ADD COLUMN privacy_language TEXT;
