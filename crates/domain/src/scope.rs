use crate::{OrganizationId, PatientId, Role, StaffId};

/// What a signed-in staff member may see: the patients of their own organization. Storage
/// functions that return patient data take a scope, so a query cannot forget the boundary.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StaffScope {
    organization: OrganizationId,
    staff: StaffId,
    role: Role,
}

impl StaffScope {
    /// Only the session layer builds scopes, from a verified session.
    pub fn new(organization: OrganizationId, staff: StaffId, role: Role) -> Self {
        Self {
            organization,
            staff,
            role,
        }
    }

    pub fn organization(&self) -> OrganizationId {
        self.organization
    }

    pub fn staff(&self) -> StaffId {
        self.staff
    }

    pub fn role(&self) -> Role {
        self.role
    }
}

/// What a signed-in patient may see: their own chart, in the organization that holds it.
/// Storage functions that return a patient's own data take this scope, so the patient id
/// always comes from the verified session and never from the request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PatientScope {
    organization: OrganizationId,
    patient: PatientId,
}

impl PatientScope {
    /// Only the session layer builds scopes, from a verified session.
    pub fn new(organization: OrganizationId, patient: PatientId) -> Self {
        Self {
            organization,
            patient,
        }
    }

    pub fn organization(&self) -> OrganizationId {
        self.organization
    }

    pub fn patient(&self) -> PatientId {
        self.patient
    }
}
