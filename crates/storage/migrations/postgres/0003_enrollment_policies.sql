-- Each organization's enrollment policy, as JSON: the domain type validates it, and new
-- fields get their defaults without a migration.
CREATE TABLE enrollment_policies (
    organization_id UUID PRIMARY KEY REFERENCES organizations (id),
    policy TEXT NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    updated_by UUID REFERENCES staff_accounts (id)
);
