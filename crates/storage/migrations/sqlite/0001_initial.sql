-- Porchlight's first schema. Every row holding patient data belongs to exactly one organization.

CREATE TABLE organizations (
    id BLOB PRIMARY KEY,
    slug TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    phone TEXT,
    created_at TEXT NOT NULL
);

CREATE TABLE staff_accounts (
    id BLOB PRIMARY KEY,
    organization_id BLOB NOT NULL REFERENCES organizations (id),
    -- stored lower-cased: usernames compare without regard to case
    username TEXT NOT NULL,
    display_name TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('front-desk', 'clinician', 'administrator', 'security-officer')),
    password_hash TEXT NOT NULL,
    created_at TEXT NOT NULL,
    disabled_at TEXT,
    UNIQUE (organization_id, username)
);

CREATE TABLE patients (
    id BLOB PRIMARY KEY,
    organization_id BLOB NOT NULL REFERENCES organizations (id),
    mrn TEXT,
    given_names TEXT NOT NULL,
    family_name TEXT NOT NULL,
    birth_date TEXT NOT NULL,
    sex TEXT NOT NULL CHECK (sex IN ('female', 'male', 'other', 'unknown')),
    deceased INTEGER NOT NULL DEFAULT 0,
    deceased_at TEXT,
    -- HMAC-SHA256 (server key) of the SSN's last four digits; the SSN itself is never stored
    ssn_last4_hash TEXT,
    email TEXT,
    phone TEXT,
    address_line TEXT,
    city TEXT,
    state TEXT,
    postal_code TEXT,
    country TEXT,
    language TEXT,
    source_id TEXT NOT NULL,
    source_hash TEXT NOT NULL,
    resource TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    UNIQUE (organization_id, mrn),
    UNIQUE (organization_id, source_id)
);
CREATE INDEX patients_by_name ON patients (organization_id, family_name, birth_date);
CREATE INDEX patients_by_birth_date ON patients (organization_id, birth_date);

CREATE TABLE encounters (
    id BLOB PRIMARY KEY,
    organization_id BLOB NOT NULL REFERENCES organizations (id),
    patient_id BLOB NOT NULL REFERENCES patients (id),
    status TEXT NOT NULL,
    class_code TEXT,
    code_system TEXT,
    code TEXT,
    display TEXT,
    start_at TEXT,
    end_at TEXT,
    source_id TEXT NOT NULL,
    source_hash TEXT NOT NULL,
    resource TEXT NOT NULL,
    imported_at TEXT NOT NULL,
    UNIQUE (organization_id, source_id)
);

CREATE INDEX encounters_by_patient ON encounters (patient_id, start_at);

CREATE TABLE observations (
    id BLOB PRIMARY KEY,
    organization_id BLOB NOT NULL REFERENCES organizations (id),
    patient_id BLOB NOT NULL REFERENCES patients (id),
    encounter_id BLOB REFERENCES encounters (id),
    status TEXT NOT NULL,
    category TEXT,
    code_system TEXT,
    code TEXT,
    display TEXT,
    effective_at TEXT,
    value_number REAL,
    value_unit TEXT,
    value_text TEXT,
    range_low REAL,
    range_high REAL,
    range_text TEXT,
    interpretation TEXT,
    source_id TEXT NOT NULL,
    source_hash TEXT NOT NULL,
    resource TEXT NOT NULL,
    imported_at TEXT NOT NULL,
    UNIQUE (organization_id, source_id)
);

CREATE INDEX observations_by_patient ON observations (patient_id, effective_at);

CREATE TABLE diagnostic_reports (
    id BLOB PRIMARY KEY,
    organization_id BLOB NOT NULL REFERENCES organizations (id),
    patient_id BLOB NOT NULL REFERENCES patients (id),
    encounter_id BLOB REFERENCES encounters (id),
    status TEXT NOT NULL,
    category TEXT,
    code_system TEXT,
    code TEXT,
    display TEXT,
    effective_at TEXT,
    issued_at TEXT,
    source_id TEXT NOT NULL,
    source_hash TEXT NOT NULL,
    resource TEXT NOT NULL,
    imported_at TEXT NOT NULL,
    UNIQUE (organization_id, source_id)
);

CREATE INDEX diagnostic_reports_by_patient ON diagnostic_reports (patient_id, effective_at);

CREATE TABLE conditions (
    id BLOB PRIMARY KEY,
    organization_id BLOB NOT NULL REFERENCES organizations (id),
    patient_id BLOB NOT NULL REFERENCES patients (id),
    encounter_id BLOB REFERENCES encounters (id),
    clinical_status TEXT,
    verification_status TEXT,
    code_system TEXT,
    code TEXT,
    display TEXT,
    onset_at TEXT,
    abatement_at TEXT,
    source_id TEXT NOT NULL,
    source_hash TEXT NOT NULL,
    resource TEXT NOT NULL,
    imported_at TEXT NOT NULL,
    UNIQUE (organization_id, source_id)
);

CREATE INDEX conditions_by_patient ON conditions (patient_id, onset_at);

CREATE TABLE medication_requests (
    id BLOB PRIMARY KEY,
    organization_id BLOB NOT NULL REFERENCES organizations (id),
    patient_id BLOB NOT NULL REFERENCES patients (id),
    encounter_id BLOB REFERENCES encounters (id),
    status TEXT NOT NULL,
    code_system TEXT,
    code TEXT,
    display TEXT,
    dosage TEXT,
    authored_at TEXT,
    source_id TEXT NOT NULL,
    source_hash TEXT NOT NULL,
    resource TEXT NOT NULL,
    imported_at TEXT NOT NULL,
    UNIQUE (organization_id, source_id)
);

CREATE INDEX medication_requests_by_patient ON medication_requests (patient_id, authored_at);

CREATE TABLE allergies (
    id BLOB PRIMARY KEY,
    organization_id BLOB NOT NULL REFERENCES organizations (id),
    patient_id BLOB NOT NULL REFERENCES patients (id),
    encounter_id BLOB REFERENCES encounters (id),
    clinical_status TEXT,
    criticality TEXT,
    category TEXT,
    code_system TEXT,
    code TEXT,
    display TEXT,
    reaction TEXT,
    recorded_at TEXT,
    source_id TEXT NOT NULL,
    source_hash TEXT NOT NULL,
    resource TEXT NOT NULL,
    imported_at TEXT NOT NULL,
    UNIQUE (organization_id, source_id)
);

CREATE INDEX allergies_by_patient ON allergies (patient_id, recorded_at);

CREATE TABLE immunizations (
    id BLOB PRIMARY KEY,
    organization_id BLOB NOT NULL REFERENCES organizations (id),
    patient_id BLOB NOT NULL REFERENCES patients (id),
    encounter_id BLOB REFERENCES encounters (id),
    status TEXT NOT NULL,
    code_system TEXT,
    code TEXT,
    display TEXT,
    occurred_at TEXT,
    source_id TEXT NOT NULL,
    source_hash TEXT NOT NULL,
    resource TEXT NOT NULL,
    imported_at TEXT NOT NULL,
    UNIQUE (organization_id, source_id)
);

CREATE INDEX immunizations_by_patient ON immunizations (patient_id, occurred_at);

CREATE TABLE procedures (
    id BLOB PRIMARY KEY,
    organization_id BLOB NOT NULL REFERENCES organizations (id),
    patient_id BLOB NOT NULL REFERENCES patients (id),
    encounter_id BLOB REFERENCES encounters (id),
    status TEXT NOT NULL,
    code_system TEXT,
    code TEXT,
    display TEXT,
    start_at TEXT,
    end_at TEXT,
    source_id TEXT NOT NULL,
    source_hash TEXT NOT NULL,
    resource TEXT NOT NULL,
    imported_at TEXT NOT NULL,
    UNIQUE (organization_id, source_id)
);

CREATE INDEX procedures_by_patient ON procedures (patient_id, start_at);

CREATE TABLE care_plans (
    id BLOB PRIMARY KEY,
    organization_id BLOB NOT NULL REFERENCES organizations (id),
    patient_id BLOB NOT NULL REFERENCES patients (id),
    encounter_id BLOB REFERENCES encounters (id),
    status TEXT NOT NULL,
    code_system TEXT,
    code TEXT,
    display TEXT,
    start_at TEXT,
    end_at TEXT,
    source_id TEXT NOT NULL,
    source_hash TEXT NOT NULL,
    resource TEXT NOT NULL,
    imported_at TEXT NOT NULL,
    UNIQUE (organization_id, source_id)
);

CREATE INDEX care_plans_by_patient ON care_plans (patient_id, start_at);

CREATE TABLE goals (
    id BLOB PRIMARY KEY,
    organization_id BLOB NOT NULL REFERENCES organizations (id),
    patient_id BLOB NOT NULL REFERENCES patients (id),
    encounter_id BLOB REFERENCES encounters (id),
    lifecycle_status TEXT NOT NULL,
    description TEXT,
    source_id TEXT NOT NULL,
    source_hash TEXT NOT NULL,
    resource TEXT NOT NULL,
    imported_at TEXT NOT NULL,
    UNIQUE (organization_id, source_id)
);

CREATE INDEX goals_by_patient ON goals (patient_id);

CREATE TABLE appointments (
    id BLOB PRIMARY KEY,
    organization_id BLOB NOT NULL REFERENCES organizations (id),
    patient_id BLOB NOT NULL REFERENCES patients (id),
    encounter_id BLOB REFERENCES encounters (id),
    status TEXT NOT NULL,
    description TEXT,
    start_at TEXT,
    end_at TEXT,
    practitioner TEXT,
    source_id TEXT NOT NULL,
    source_hash TEXT NOT NULL,
    resource TEXT NOT NULL,
    imported_at TEXT NOT NULL,
    UNIQUE (organization_id, source_id)
);

CREATE INDEX appointments_by_patient ON appointments (patient_id, start_at);

CREATE TABLE claims (
    id BLOB PRIMARY KEY,
    organization_id BLOB NOT NULL REFERENCES organizations (id),
    patient_id BLOB NOT NULL REFERENCES patients (id),
    encounter_id BLOB REFERENCES encounters (id),
    status TEXT NOT NULL,
    claim_type TEXT,
    created_at TEXT,
    total_cents INTEGER,
    currency TEXT,
    source_id TEXT NOT NULL,
    source_hash TEXT NOT NULL,
    resource TEXT NOT NULL,
    imported_at TEXT NOT NULL,
    UNIQUE (organization_id, source_id)
);

CREATE INDEX claims_by_patient ON claims (patient_id, created_at);

CREATE TABLE explanations_of_benefit (
    id BLOB PRIMARY KEY,
    organization_id BLOB NOT NULL REFERENCES organizations (id),
    patient_id BLOB NOT NULL REFERENCES patients (id),
    encounter_id BLOB REFERENCES encounters (id),
    status TEXT NOT NULL,
    claim_source_id TEXT,
    created_at TEXT,
    submitted_cents INTEGER,
    payment_cents INTEGER,
    patient_owes_cents INTEGER,
    source_id TEXT NOT NULL,
    source_hash TEXT NOT NULL,
    resource TEXT NOT NULL,
    imported_at TEXT NOT NULL,
    UNIQUE (organization_id, source_id)
);

CREATE INDEX explanations_of_benefit_by_patient ON explanations_of_benefit (patient_id, created_at);

-- Append-only: who read or changed what, when and from where. Rows are never updated or
-- deleted; each row's hash chains to the previous row so that tampering shows.
CREATE TABLE audit_log (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    at TEXT NOT NULL,
    organization_id BLOB,
    actor_kind TEXT NOT NULL,
    actor_id TEXT,
    action TEXT NOT NULL,
    patient_id BLOB,
    subject TEXT,
    client_addr TEXT,
    request_id TEXT,
    detail TEXT,
    prev_hash TEXT NOT NULL,
    row_hash TEXT NOT NULL
);
CREATE INDEX audit_log_by_patient ON audit_log (patient_id, seq);
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;

-- Background work and the outbox: rows are written in the same transaction as the change
-- that causes them, and claimed by workers (FOR UPDATE SKIP LOCKED on PostgreSQL).
CREATE TABLE jobs (
    id BLOB PRIMARY KEY,
    kind TEXT NOT NULL,
    payload TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'running', 'done', 'failed')),
    attempts INTEGER NOT NULL DEFAULT 0,
    run_at TEXT NOT NULL,
    locked_until TEXT,
    last_error TEXT,
    created_at TEXT NOT NULL
);
CREATE INDEX jobs_ready ON jobs (status, run_at);
