//! Worlds in which a simulated desk phone boots: a directory, a PKI, AD CS web enrollment, a
//! registrar — each scenario with the outcome the phone should reach.
//!
//! A scenario file ([`spec`]) becomes certificates ([`pki`]) and a running world ([`world`]) of
//! real servers on loopback; [`run`] boots the phone in it act by act and checks the
//! expectations, and [`storm`] boots thousands of phones in it at once. [`catalog`] holds the built-in scenarios, among them README's seed story.

pub mod catalog;
mod error;
pub mod files;
#[doc(hidden)]
pub mod fuzzing;
pub mod output;
pub mod pki;
pub mod registrar;
pub mod run;
pub mod run_html;
pub mod spec;
pub mod storm;
pub mod world;

pub use error::Error;
