//! One module per method (or group of lifecycle methods), each reading like its section of
//! the reference, and [`visibility`] for the two visibility settings that several methods
//! read. Shared plumbing: [`resources`] (memory and cycles checks) and [`errors`] (the
//! replica's snapshot error messages).

pub mod delete;
pub mod errors;
pub mod execution;
pub mod ingress;
pub mod lifecycle;
pub mod list;
pub mod load;
pub mod resources;
pub mod take;
pub mod visibility;
