-- Jobs that belong to an invitation (its email and its reminder) name it, so that revoking the
-- invitation can take the link out of every job still waiting.
ALTER TABLE jobs ADD COLUMN invitation_id BLOB REFERENCES invitations (id);
CREATE INDEX jobs_by_invitation ON jobs (invitation_id);

-- Messages the jobs worker rendered while no SMTP server was configured: kept here so that a
-- demo or a trial can read them on the staff mailbox page. They carry first names and links.
CREATE TABLE mailbox (
    id BLOB PRIMARY KEY,
    organization_id BLOB REFERENCES organizations (id),
    patient_id BLOB REFERENCES patients (id),
    job_id BLOB NOT NULL,
    to_address TEXT NOT NULL,
    subject TEXT NOT NULL,
    body_text TEXT NOT NULL,
    body_html TEXT NOT NULL,
    language TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX mailbox_by_org ON mailbox (organization_id, created_at);
