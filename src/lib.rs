//! Preflight: production go-live checklists with probes, sign-off and a signed PDF audit record.
//!
//! The modules have hard edges: `model` is plain data and rules, `store` reads and writes the
//! documents, `import` turns Markdown into templates and back, and `cli` drives them headless.

pub mod cli;
pub mod import;
pub mod model;
pub mod pdf;
pub mod probe;
pub mod signoff;
pub mod store;
pub mod sync;
pub mod ui;
