-- Porchlight's first schema. Every row holding patient data belongs to exactly one organization.

CREATE TABLE organizations (
    id UUID PRIMARY KEY,
    slug TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    phone TEXT,
    created_at TIMESTAMPTZ NOT NULL
);

CREATE TABLE staff_accounts (
    id UUID PRIMARY KEY,
    organization_id UUID NOT NULL REFERENCES organizations (id),
    -- stored lower-cased: usernames compare without regard to case
    username TEXT NOT NULL,
    display_name TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('front-desk', 'clinician', 'administrator', 'security-officer')),
    password_hash TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    disabled_at TIMESTAMPTZ,
    UNIQUE (organization_id, username)
);

CREATE TABLE patients (
    id UUID PRIMARY KEY,
    organization_id UUID NOT NULL REFERENCES organizations (id),
    mrn TEXT,
    given_names TEXT NOT NULL,
    family_name TEXT NOT NULL,
    birth_date DATE NOT NULL,
    sex TEXT NOT NULL CHECK (sex IN ('female', 'male', 'other', 'unknown')),
    deceased BOOLEAN NOT NULL DEFAULT FALSE,
    deceased_at TIMESTAMPTZ,
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
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    UNIQUE (organization_id, mrn),
    UNIQUE (organization_id, source_id)
);
CREATE INDEX patients_by_name ON patients (organization_id, family_name, birth_date);
CREATE INDEX patients_by_birth_date ON patients (organization_id, birth_date);

CREATE TABLE encounters (
    id UUID PRIMARY KEY,
    organization_id UUID NOT NULL REFERENCES organizations (id),
    patient_id UUID NOT NULL REFERENCES patients (id),
    status TEXT NOT NULL,
    class_code TEXT,
    code_system TEXT,
    code TEXT,
    display TEXT,
    start_at TIMESTAMPTZ,
    end_at TIMESTAMPTZ,
    source_id TEXT NOT NULL,
    source_hash TEXT NOT NULL,
    resource TEXT NOT NULL,
    imported_at TIMESTAMPTZ NOT NULL,
    UNIQUE (organization_id, source_id)
);

CREATE INDEX encounters_by_patient ON encounters (patient_id, start_at);

CREATE TABLE observations (
    id UUID PRIMARY KEY,
    organization_id UUID NOT NULL REFERENCES organizations (id),
    patient_id UUID NOT NULL REFERENCES patients (id),
    encounter_id UUID REFERENCES encounters (id),
    status TEXT NOT NULL,
    category TEXT,
    code_system TEXT,
    code TEXT,
    display TEXT,
    effective_at TIMESTAMPTZ,
    value_number DOUBLE PRECISION,
    value_unit TEXT,
    value_text TEXT,
    range_low DOUBLE PRECISION,
    range_high DOUBLE PRECISION,
    range_text TEXT,
    interpretation TEXT,
    source_id TEXT NOT NULL,
    source_hash TEXT NOT NULL,
    resource TEXT NOT NULL,
    imported_at TIMESTAMPTZ NOT NULL,
    UNIQUE (organization_id, source_id)
);

CREATE INDEX observations_by_patient ON observations (patient_id, effective_at);

CREATE TABLE diagnostic_reports (
    id UUID PRIMARY KEY,
    organization_id UUID NOT NULL REFERENCES organizations (id),
    patient_id UUID NOT NULL REFERENCES patients (id),
    encounter_id UUID REFERENCES encounters (id),
    status TEXT NOT NULL,
    category TEXT,
    code_system TEXT,
    code TEXT,
    display TEXT,
    effective_at TIMESTAMPTZ,
    issued_at TIMESTAMPTZ,
    source_id TEXT NOT NULL,
    source_hash TEXT NOT NULL,
    resource TEXT NOT NULL,
    imported_at TIMESTAMPTZ NOT NULL,
    UNIQUE (organization_id, source_id)
);

CREATE INDEX diagnostic_reports_by_patient ON diagnostic_reports (patient_id, effective_at);

CREATE TABLE conditions (
    id UUID PRIMARY KEY,
    organization_id UUID NOT NULL REFERENCES organizations (id),
    patient_id UUID NOT NULL REFERENCES patients (id),
    encounter_id UUID REFERENCES encounters (id),
    clinical_status TEXT,
    verification_status TEXT,
    code_system TEXT,
    code TEXT,
    display TEXT,
    onset_at TIMESTAMPTZ,
    abatement_at TIMESTAMPTZ,
    source_id TEXT NOT NULL,
    source_hash TEXT NOT NULL,
    resource TEXT NOT NULL,
    imported_at TIMESTAMPTZ NOT NULL,
    UNIQUE (organization_id, source_id)
);

CREATE INDEX conditions_by_patient ON conditions (patient_id, onset_at);

CREATE TABLE medication_requests (
    id UUID PRIMARY KEY,
    organization_id UUID NOT NULL REFERENCES organizations (id),
    patient_id UUID NOT NULL REFERENCES patients (id),
    encounter_id UUID REFERENCES encounters (id),
    status TEXT NOT NULL,
    code_system TEXT,
    code TEXT,
    display TEXT,
    dosage TEXT,
    authored_at TIMESTAMPTZ,
    source_id TEXT NOT NULL,
    source_hash TEXT NOT NULL,
    resource TEXT NOT NULL,
    imported_at TIMESTAMPTZ NOT NULL,
    UNIQUE (organization_id, source_id)
);

CREATE INDEX medication_requests_by_patient ON medication_requests (patient_id, authored_at);

CREATE TABLE allergies (
    id UUID PRIMARY KEY,
    organization_id UUID NOT NULL REFERENCES organizations (id),
    patient_id UUID NOT NULL REFERENCES patients (id),
    encounter_id UUID REFERENCES encounters (id),
    clinical_status TEXT,
    criticality TEXT,
    category TEXT,
    code_system TEXT,
    code TEXT,
    display TEXT,
    reaction TEXT,
    recorded_at TIMESTAMPTZ,
    source_id TEXT NOT NULL,
    source_hash TEXT NOT NULL,
    resource TEXT NOT NULL,
    imported_at TIMESTAMPTZ NOT NULL,
    UNIQUE (organization_id, source_id)
);

CREATE INDEX allergies_by_patient ON allergies (patient_id, recorded_at);

CREATE TABLE immunizations (
    id UUID PRIMARY KEY,
    organization_id UUID NOT NULL REFERENCES organizations (id),
    patient_id UUID NOT NULL REFERENCES patients (id),
    encounter_id UUID REFERENCES encounters (id),
    status TEXT NOT NULL,
    code_system TEXT,
    code TEXT,
    display TEXT,
    occurred_at TIMESTAMPTZ,
    source_id TEXT NOT NULL,
    source_hash TEXT NOT NULL,
    resource TEXT NOT NULL,
    imported_at TIMESTAMPTZ NOT NULL,
    UNIQUE (organization_id, source_id)
);

CREATE INDEX immunizations_by_patient ON immunizations (patient_id, occurred_at);

CREATE TABLE procedures (
    id UUID PRIMARY KEY,
    organization_id UUID NOT NULL REFERENCES organizations (id),
    patient_id UUID NOT NULL REFERENCES patients (id),
    encounter_id UUID REFERENCES encounters (id),
    status TEXT NOT NULL,
    code_system TEXT,
    code TEXT,
    display TEXT,
    start_at TIMESTAMPTZ,
    end_at TIMESTAMPTZ,
    source_id TEXT NOT NULL,
    source_hash TEXT NOT NULL,
    resource TEXT NOT NULL,
    imported_at TIMESTAMPTZ NOT NULL,
    UNIQUE (organization_id, source_id)
);

CREATE INDEX procedures_by_patient ON procedures (patient_id, start_at);

CREATE TABLE care_plans (
    id UUID PRIMARY KEY,
    organization_id UUID NOT NULL REFERENCES organizations (id),
    patient_id UUID NOT NULL REFERENCES patients (id),
    encounter_id UUID REFERENCES encounters (id),
    status TEXT NOT NULL,
    code_system TEXT,
    code TEXT,
    display TEXT,
    start_at TIMESTAMPTZ,
    end_at TIMESTAMPTZ,
    source_id TEXT NOT NULL,
    source_hash TEXT NOT NULL,
    resource TEXT NOT NULL,
    imported_at TIMESTAMPTZ NOT NULL,
    UNIQUE (organization_id, source_id)
);

CREATE INDEX care_plans_by_patient ON care_plans (patient_id, start_at);

CREATE TABLE goals (
    id UUID PRIMARY KEY,
    organization_id UUID NOT NULL REFERENCES organizations (id),
    patient_id UUID NOT NULL REFERENCES patients (id),
    encounter_id UUID REFERENCES encounters (id),
    lifecycle_status TEXT NOT NULL,
    description TEXT,
    source_id TEXT NOT NULL,
    source_hash TEXT NOT NULL,
    resource TEXT NOT NULL,
    imported_at TIMESTAMPTZ NOT NULL,
    UNIQUE (organization_id, source_id)
);

CREATE INDEX goals_by_patient ON goals (patient_id);

CREATE TABLE appointments (
    id UUID PRIMARY KEY,
    organization_id UUID NOT NULL REFERENCES organizations (id),
    patient_id UUID NOT NULL REFERENCES patients (id),
    encounter_id UUID REFERENCES encounters (id),
    status TEXT NOT NULL,
    description TEXT,
    start_at TIMESTAMPTZ,
    end_at TIMESTAMPTZ,
    practitioner TEXT,
    source_id TEXT NOT NULL,
    source_hash TEXT NOT NULL,
    resource TEXT NOT NULL,
    imported_at TIMESTAMPTZ NOT NULL,
    UNIQUE (organization_id, source_id)
);

CREATE INDEX appointments_by_patient ON appointments (patient_id, start_at);

CREATE TABLE claims (
    id UUID PRIMARY KEY,
    organization_id UUID NOT NULL REFERENCES organizations (id),
    patient_id UUID NOT NULL REFERENCES patients (id),
    encounter_id UUID REFERENCES encounters (id),
    status TEXT NOT NULL,
    claim_type TEXT,
    created_at TIMESTAMPTZ,
    total_cents BIGINT,
    currency TEXT,
    source_id TEXT NOT NULL,
    source_hash TEXT NOT NULL,
    resource TEXT NOT NULL,
    imported_at TIMESTAMPTZ NOT NULL,
    UNIQUE (organization_id, source_id)
);

CREATE INDEX claims_by_patient ON claims (patient_id, created_at);

CREATE TABLE explanations_of_benefit (
    id UUID PRIMARY KEY,
    organization_id UUID NOT NULL REFERENCES organizations (id),
    patient_id UUID NOT NULL REFERENCES patients (id),
    encounter_id UUID REFERENCES encounters (id),
    status TEXT NOT NULL,
    claim_source_id TEXT,
    created_at TIMESTAMPTZ,
    submitted_cents BIGINT,
    payment_cents BIGINT,
    patient_owes_cents BIGINT,
    source_id TEXT NOT NULL,
    source_hash TEXT NOT NULL,
    resource TEXT NOT NULL,
    imported_at TIMESTAMPTZ NOT NULL,
    UNIQUE (organization_id, source_id)
);

CREATE INDEX explanations_of_benefit_by_patient ON explanations_of_benefit (patient_id, created_at);

-- Append-only: who read or changed what, when and from where. Rows are never updated or
-- deleted; each row's hash chains to the previous row so that tampering shows.
CREATE TABLE audit_log (
    seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at TIMESTAMPTZ NOT NULL,
    organization_id UUID,
    actor_kind TEXT NOT NULL,
    actor_id TEXT,
    action TEXT NOT NULL,
    patient_id UUID,
    subject TEXT,
    client_addr TEXT,
    request_id TEXT,
    detail TEXT,
    prev_hash TEXT NOT NULL,
    row_hash TEXT NOT NULL
);
CREATE INDEX audit_log_by_patient ON audit_log (patient_id, seq);
CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN RAISE EXCEPTION 'audit_log is append-only'; END;
$$;
CREATE TRIGGER audit_log_no_change BEFORE UPDATE OR DELETE ON audit_log
FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();

-- Background work and the outbox: rows are written in the same transaction as the change
-- that causes them, and claimed by workers (FOR UPDATE SKIP LOCKED on PostgreSQL).
CREATE TABLE jobs (
    id UUID PRIMARY KEY,
    kind TEXT NOT NULL,
    payload TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'running', 'done', 'failed')),
    attempts INTEGER NOT NULL DEFAULT 0,
    run_at TIMESTAMPTZ NOT NULL,
    locked_until TIMESTAMPTZ,
    last_error TEXT,
    created_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX jobs_ready ON jobs (status, run_at);
