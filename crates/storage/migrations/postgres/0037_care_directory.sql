-- Who and where care was given (issue 14): the practitioners, organizations and locations the
-- EHR sends beside the charts, by name. A visit names its doctor and place by reference
-- (Synthea's bundles: `urn:uuid:…`); the visit pages look the reference up here. Kept per
-- practice, by the id in the source system: only the name, which is not PHI (the rest of the
-- resource, such as Synthea's counts of a practitioner's visits, changes from file to file).
CREATE TABLE care_directory (
    id UUID PRIMARY KEY,
    organization_id UUID NOT NULL REFERENCES organizations (id),
    resource_type TEXT NOT NULL,
    source_id TEXT NOT NULL,
    name TEXT NOT NULL,
    imported_at TIMESTAMPTZ NOT NULL,
    UNIQUE (organization_id, source_id, resource_type)
);
