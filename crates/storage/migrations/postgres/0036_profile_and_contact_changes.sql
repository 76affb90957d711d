-- Profile and preferences (issue 14, point 7). The chart is the EHR's: a patient asks for a
-- new phone number or postal address, staff make the change in the EHR and close the request
-- ('done' or 'declined', with a note the patient reads); the next import brings the new
-- values. A patient has at most one open request: a new one replaces it ('replaced'), so staff
-- see only what the patient wants now. The requested values are NULL where not asked for.
CREATE TABLE contact_change_requests (
    id UUID PRIMARY KEY,
    organization_id UUID NOT NULL REFERENCES organizations (id),
    patient_id UUID NOT NULL REFERENCES patients (id),
    phone TEXT,
    address_line TEXT,
    city TEXT,
    state TEXT,
    postal_code TEXT,
    created_at TIMESTAMPTZ NOT NULL,
    status TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'done', 'declined', 'replaced')),
    closed_at TIMESTAMPTZ,
    closed_by UUID REFERENCES staff_accounts (id),
    staff_note TEXT,
    CHECK (phone IS NOT NULL OR address_line IS NOT NULL)
);
CREATE UNIQUE INDEX contact_change_requests_one_open ON contact_change_requests (patient_id)
    WHERE status = 'open';
CREATE INDEX contact_change_requests_queue ON contact_change_requests (organization_id, status, created_at);
CREATE INDEX contact_change_requests_of_patient ON contact_change_requests (patient_id, organization_id, created_at);

-- The language the patient chose for the portal and for emails ('en' or 'es'); NULL: not
-- chosen (emails then follow the chart's language).
ALTER TABLE patient_accounts ADD COLUMN language TEXT CHECK (language IN ('en', 'es'));
