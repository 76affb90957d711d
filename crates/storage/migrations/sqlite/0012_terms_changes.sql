-- What changed in a version, in plain words: shown to patients who accepted an earlier one.
ALTER TABLE terms_versions ADD COLUMN changes TEXT;
