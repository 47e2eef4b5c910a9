//! A mock Active Directory domain controller over real LDAP.
//!
//! It answers real LDAP clients (ldapsearch, python ldap3, a desk phone) the way a Windows DC does
//! for the objects a phone looks at when it bootstraps trust: the forest's naming contexts, the
//! rootDSE, the Public Key Services containers, users who bind, AD's access rules and error texts.
//!
//! ```no_run
//! # async fn demo() -> Result<(), ldap_server::Error> {
//! let server = ldap_server::Server::builder("example.test")
//!     .admin_password("Passw0rd!")
//!     .listen("127.0.0.1:0".parse().unwrap())
//!     .start()
//!     .await?;
//! println!("ldap://{}", server.local_addr());
//! server.shutdown().await;
//! # Ok(()) }
//! ```

pub mod acl;
pub mod ad_text;
pub mod bind;
pub mod codec;
mod connection;
pub mod directory;
pub mod dn;
pub mod entry;
pub mod error;
pub mod filter;
pub mod forest;
pub mod journal;
pub mod ldif;
pub mod ldif_io;
mod ops;
pub mod password;
pub mod rootdse;
pub mod schema;
pub mod search;
pub mod server;
pub mod session;
mod web_enrollment;
pub mod wire;

pub use error::{Error, OpError, ResultCode};
pub use server::{RunningServer, Server, ServerBuilder, DEFAULT_ADMIN_PASSWORD};
