-- Each organization's enrollment policy, as JSON: the domain type validates it, and new
-- fields get their defaults without a migration.
CREATE TABLE enrollment_policies (
    organization_id BLOB PRIMARY KEY REFERENCES organizations (id),
    policy TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    updated_by BLOB REFERENCES staff_accounts (id)
);
