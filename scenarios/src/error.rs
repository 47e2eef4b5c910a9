//! scenarios' one error type: which part of a world failed, with the text that says how (the
//! texts name the scenario's ids, hosts and files, as before).

use crate::spec::SpecError;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A scenario file that cannot be used (`file:line:column: message`).
    #[error(transparent)]
    Spec(#[from] SpecError),
    /// The scenario's certificates could not be issued or read (a key, a signature, a file).
    #[error("{0}")]
    Pki(String),
    /// A server of the world could not start.
    #[error("{0}")]
    World(String),
    /// The phone's profile or settings are unusable.
    #[error("{0}")]
    Phone(String),
    /// An administrator's act failed (an LDIF change, a publish) or the phone did not finish.
    #[error("{0}")]
    Act(String),
    /// The world's files could not be written (`scenarios up --out`).
    #[error("{0}")]
    Files(String),
}
