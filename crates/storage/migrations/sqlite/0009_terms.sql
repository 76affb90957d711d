-- Versions of the terms of use and the privacy policy, and every patient's acceptance of them.
CREATE TABLE terms_versions (
    id BLOB PRIMARY KEY,
    organization_id BLOB NOT NULL REFERENCES organizations (id),
    kind TEXT NOT NULL CHECK (kind IN ('terms', 'privacy')),
    version INTEGER NOT NULL,
    summary TEXT NOT NULL,
    body TEXT NOT NULL,
    published_at TEXT NOT NULL,
    published_by BLOB REFERENCES staff_accounts (id),
    UNIQUE (organization_id, kind, version)
);

CREATE TABLE terms_acceptances (
    id BLOB PRIMARY KEY,
    organization_id BLOB NOT NULL REFERENCES organizations (id),
    patient_id BLOB NOT NULL REFERENCES patients (id),
    terms_version_id BLOB NOT NULL REFERENCES terms_versions (id),
    privacy_version_id BLOB NOT NULL REFERENCES terms_versions (id),
    accepted_at TEXT NOT NULL,
    client_addr TEXT,
    user_agent TEXT
);
CREATE INDEX terms_acceptances_by_patient ON terms_acceptances (patient_id, accepted_at);
