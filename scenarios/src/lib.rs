//! Worlds in which a simulated desk phone boots: a directory, a PKI, a registrar — each with the
//! outcome the phone should reach. Issue #4 builds the declarative catalogue; what exists now is
//! the seed story ([`seed`]) that README's main command runs.

pub mod pki;
pub mod registrar;
pub mod seed;
