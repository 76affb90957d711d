//! FHIR R4: our own serde types for the resources Porchlight reads, their mapping into the
//! domain's records, and the importer for Bundles and NDJSON.

mod import;
mod mapping;
mod references;
pub mod resources;
mod time;

pub use import::{Counts, ImportError, ImportReport, Importer, Reader, import_files};
pub use mapping::{Mapped, MappingError};
