//! The commands of the `porchlight` binary.

pub mod audit;
pub mod demo;
pub mod import;
pub mod matching;
pub mod organization;
pub mod staff;
