//! The language of the problem: identifiers, names, dates, roles and the rules that
//! govern them. Values are parsed once at the edge into these types and trusted afterwards.
//! Nothing here performs I/O.

pub mod amendment;
pub mod bot_check;
pub mod clinical;
pub mod contact_change;
pub mod device;
mod email;
mod ids;
pub mod invitation;
pub mod matching;
pub mod messaging;
mod mrn;
mod name;
pub mod password;
mod patient;
pub mod policy;
mod role;
mod scope;
mod secret;
mod sex;
pub mod support;
mod time_zone;
pub mod two_step;

pub use email::{Email, EmailError};
pub use ids::{OrganizationId, PatientId, StaffId};
pub use mrn::{Mrn, MrnError};
pub use name::{NameError, PersonName};
pub use patient::{Address, PatientChart};
pub use role::{Role, RoleError};
pub use scope::{PatientScope, StaffScope};
pub use secret::{
    SecretKey, SecretKeyError, Ssn, SsnError, Username, UsernameError, ssn_last4_hash,
};
pub use sex::Sex;
pub use time_zone::{PracticeTimeZone, TimeZoneError};
