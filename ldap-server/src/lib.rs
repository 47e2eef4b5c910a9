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
//!
//! The public surface is what a test suite needs: [`Server::builder`] → [`ServerBuilder`] →
//! [`RunningServer`] (with [`RunningServer::certsrv_directory`] to start more AD CS Web
//! Enrollment hosts against the same directory with the `certsrv` crate), [`Error`] and
//! [`ResultCode`]; [`ServerBuilder::build_directory`] for the [`Forest`] and its [`Directory`]
//! without listening (the CLI's `check`, and `export` with [`export_ldif`]); and the LDIF reader
//! ([`records_from`] and its record types) and [`hash_ssha`] for tools that write LDIF of their
//! own.
//!
//! # Layout
//!
//! * `server`: the listeners (LDAP, LDAPS, Global Catalog and GC over TLS, `/certsrv`), limits,
//!   shutdown, and the builder API above.
//! * `connection`: one connection, plain or TLS through one code path: framing in, replies out,
//!   StartTLS, idle timeout, Notice of Disconnection.
//! * `tls`: the DC's certificate (files, or issued at start by a CA of the forest), the TLS
//!   acceptor, and the signing policy (LDAPServerIntegrity).
//! * `codec`: cutting BER messages off the stream and decoding them with `rasn-ldap`.
//! * `wire`: search result entries encoded with their values in stored order.
//! * `session`: one connection's protocol state; a request in, replies out, no I/O.
//! * `ops`: the LDAP operations (bind, search, compare, extended, writes), one file each.
//! * `bind`: authentication with AD's account checks and data codes (simple binds; the account
//!   checks an NTLM logon shares).
//! * `sicily`: the wire types of AD's Sicily NTLM bind (choices 9-11, serverCreds in matchedDN).
//! * `acl`: who may read and write what.
//! * `search`: scope, index or scan, filter, access control, referrals, attribute selection.
//! * `search_cache`: the directory's lock, and search answers remembered until the next write.
//! * `log_time`: log timestamps in tracing-subscriber's format, the date worked out once a second.
//! * `filter`: search filters compiled against the schema and evaluated; RFC 4515 text for logs.
//! * `directory`: the in-memory tree: entries, naming contexts, indexes, AD's schema rules on
//!   every write.
//! * `entry`: one stored object and its attributes.
//! * `dn`: RFC 4514 distinguished names: parsing, printing, normalisation.
//! * `casefold`: the case- and space-insensitive string form DNs and string syntaxes share.
//! * `schema`: the AD attribute types and classes this server knows, their syntaxes, the
//!   subschema entry.
//! * `forest`: the skeleton of an AD forest for a DNS domain (NCs, Public Key Services, DC,
//!   Administrator).
//! * `rootdse`: the rootDSE.
//! * `ldif`: RFC 2849 reading and writing; `ldif_io`: loading files into the directory and
//!   exporting it.
//! * `journal`: durable state for `serve --data` (snapshot plus fsynced journal).
//! * `password`: stored passwords (`unicodePwd`, `userPassword`, `{SSHA}`).
//! * `web_enrollment`: the directory as the `certsrv` crate sees it (enrollment services'
//!   certificates, Basic credentials).
//! * `ad_text`: AD's diagnostic messages, word for word (from the shared `ad-common` crate).
//! * `error`: `OpError` for an operation's result (code, AD's text, matched DN), [`Error`] for
//!   the rest.

mod accept;
mod acl;
mod ad_text;
mod bind;
mod budget;
mod casefold;
mod closing;
mod codec;
mod connection;
mod directory;
mod dn;
mod entry;
mod error;
mod filter;
mod forest;
#[doc(hidden)]
pub mod fuzzing;
mod group_commit;
mod heavy;
mod journal;
mod ldif;
mod ldif_io;
mod log_fields;
mod log_time;
mod ops;
mod password;
mod priority;
mod rootdse;
mod sasl_layer;
mod schema;
mod search;
mod search_cache;
mod server;
mod session;
mod sicily;
mod tls;
mod tls_hkdf;
mod web_enrollment;
mod wire;

pub use directory::Directory;
pub use error::{Error, ResultCode};
pub use forest::Forest;
pub use ldif::{
    records_from, LdifAttribute, LdifChange, LdifError, LdifModification, LdifRecord, ModifyOp,
    Records,
};
pub use ldif_io::export as export_ldif;
pub use log_fields::LogFields;
pub use log_time::LogTime;
pub use password::{hash_ssha, nt_hash_value};
pub use server::{RunningServer, Server, ServerBuilder, DEFAULT_ADMIN_PASSWORD};
pub use tls::{ChannelBinding, DcCertificate, SigningPolicy, START_TLS};
