//! One client connection's protocol state: who is bound, which paged searches are open. It turns
//! each decoded request into replies with no I/O, so every operation is testable without sockets.

use std::collections::HashMap;
use std::sync::{Arc, RwLockReadGuard, RwLockWriteGuard};
use std::time::{Duration, Instant};

use rasn_ldap::{LdapMessage, ProtocolOp};

use crate::wire::Reply;

use crate::acl::{AccessPolicy, Principal};
use crate::directory::Directory;
use crate::entry::EntryId;
use crate::forest::Forest;
use crate::search::Selection;

/// AD-like limits (KB 315071 defaults where AD has one).
#[derive(Debug, Clone)]
pub struct Limits {
    /// MaxPageSize: entries per page, and per unpaged search before sizeLimitExceeded.
    pub max_page_size: usize,
    /// Largest accepted message. AD's MaxReceiveBuffer is 10 MiB; 16 MiB fits a 10 MiB CRL in an add.
    pub max_message_size: usize,
    /// MaxConnections.
    pub max_connections: usize,
    /// MaxConnIdleTime.
    pub idle_timeout: Duration,
    /// Open paged-search cookies per connection (MaxResultSetsPerConn).
    pub max_paged_per_connection: usize,
    /// MaxQueryDuration: a search still running after this is answered timeLimitExceeded.
    pub max_query_duration: Duration,
    /// Request bytes all connections together may hold before the largest holders are
    /// disconnected (AD bounds each connection by MaxReceiveBuffer, 10 MiB).
    pub max_buffered_total: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_page_size: 1000,
            max_message_size: 16 * 1024 * 1024,
            max_connections: 5000,
            idle_timeout: Duration::from_secs(900),
            max_paged_per_connection: 10,
            max_query_duration: Duration::from_secs(120),
            max_buffered_total: 256 * 1024 * 1024,
        }
    }
}

/// What every connection shares.
#[derive(Debug)]
pub struct Shared {
    /// The directory, only through its lock (which forgets remembered searches on writes).
    pub directory: crate::search_cache::DirectoryLock,
    /// `--data DIR`: where acknowledged writes are made durable.
    pub journal: Option<std::sync::Mutex<crate::journal::Journal>>,
    /// The journal's group commit (with `journal`).
    pub commit: Option<Arc<crate::group_commit::GroupCommit>>,
    /// MaxConnections, for all listeners together (LDAP, LDAPS, Global Catalog): one permit
    /// per open connection.
    pub connection_slots: Arc<tokio::sync::Semaphore>,
    /// One search that may take long runs at a time: the others wait for their turn, so heavy
    /// requests cannot take every core from the phones' cheap ones.
    pub heavy_work: Arc<tokio::sync::Semaphore>,
    /// Request bytes buffered by all connections together (received, not yet answered).
    pub buffered: crate::budget::Budget,
    pub forest: Forest,
    pub policy: AccessPolicy,
    pub limits: Limits,
    /// The DC's TLS when it has a certificate (LDAPS, StartTLS).
    pub tls: Option<Arc<crate::tls::DcTls>>,
    /// LDAPServerIntegrity: whether simple binds need TLS.
    pub signing: crate::tls::SigningPolicy,
    /// LdapEnforceChannelBinding: whether NTLM over TLS must bind to the channel.
    pub channel_binding: crate::tls::ChannelBinding,
}

impl Shared {
    pub fn read(&self) -> RwLockReadGuard<'_, Directory> {
        self.directory.read()
    }

    pub fn write(&self) -> RwLockWriteGuard<'_, Directory> {
        self.directory.write()
    }
}

/// A paged search between pages.
#[derive(Debug)]
pub struct PagedSearch {
    pub message_id: u32,
    /// Base, scope and filter, re-checked for every entry of a later page: the directory may
    /// have changed in between (AD re-reads objects too).
    pub base: crate::dn::Dn,
    pub scope: crate::search::Scope,
    pub filter: crate::filter::Compiled,
    pub entries: Vec<EntryId>,
    pub next: usize,
    pub selection: Selection,
    pub types_only: bool,
    pub size_limit_hit: bool,
}

/// Whether the connection goes on after a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flow {
    Continue,
    Close,
    /// The client unbound: the connection closes, and the client, having sent its last
    /// request, may have closed its side already.
    Unbind,
    /// StartTLS succeeded: the connection handshakes before reading the next request.
    StartTls,
}

pub struct Session {
    pub(crate) shared: Arc<Shared>,
    pub(crate) principal: Principal,
    pub(crate) paged: HashMap<Vec<u8>, PagedSearch>,
    pub(crate) connection: u64,
    /// A Global Catalog connection: a subtree search based at "" spans every naming context.
    pub(crate) global_catalog: bool,
    /// TLS is active on this connection (LDAPS, or after StartTLS).
    pub(crate) tls_active: bool,
    /// More bytes follow the request being handled (set by the connection before each one).
    pub(crate) input_pending: bool,
    /// An NTLM bind (Sicily or GSS-SPNEGO) between its CHALLENGE and the client's AUTHENTICATE.
    pub(crate) ntlm: Option<PendingNtlm>,
    /// A SASL security layer negotiated by the bind just answered: the connection wraps every
    /// later message in it once the bind's response has gone out in the clear.
    pub(crate) new_security_layer: Option<ntlm::SessionSecurity>,
    /// The journal ticket of the write just answered (0: none; tickets start at 1): the
    /// connection acknowledges it only once the ticket is durable.
    pub(crate) durable_ticket: std::sync::atomic::AtomicU64,
}

/// An NTLM logon waiting for its AUTHENTICATE.
pub(crate) struct PendingNtlm {
    pub challenged: ntlm::Challenged,
    /// How the client wraps its tokens (the answer is wrapped alike).
    pub wrapping: ntlm::spnego::Wrapping,
    /// The NegTokenInit's mechTypes, which the mechListMICs sign.
    pub mech_types: Option<Vec<u8>>,
}

impl Session {
    pub fn new(shared: Arc<Shared>, connection: u64) -> Session {
        Session {
            shared,
            principal: Principal::Anonymous,
            paged: HashMap::new(),
            connection,
            global_catalog: false,
            tls_active: false,
            input_pending: false,
            ntlm: None,
            new_security_layer: None,
            durable_ticket: std::sync::atomic::AtomicU64::new(0),
        }
    }

    /// A session on the Global Catalog port.
    pub fn global_catalog(shared: Arc<Shared>, connection: u64) -> Session {
        Session {
            global_catalog: true,
            ..Session::new(shared, connection)
        }
    }

    #[cfg(test)]
    pub(crate) fn principal(&self) -> &Principal {
        &self.principal
    }

    /// Handles one request, appending its replies to `out`.
    pub fn handle(&mut self, message: LdapMessage, out: &mut Vec<Reply>) -> Flow {
        let started = Instant::now();
        let id = message.message_id;
        let controls = message.controls.unwrap_or_default();
        let mut log = crate::ops::AccessLog::default();
        let flow = match message.protocol_op {
            ProtocolOp::BindRequest(request) => self.bind(id, request, out, &mut log),
            ProtocolOp::UnbindRequest(_) => {
                log.op = "unbind";
                return Flow::Unbind;
            }
            ProtocolOp::SearchRequest(request) => {
                self.search(id, request, &controls, out, &mut log)
            }
            ProtocolOp::CompareRequest(request) => self.compare(id, request, out, &mut log),
            ProtocolOp::AbandonRequest(request) => {
                self.paged
                    .retain(|_, search| search.message_id != request.0);
                log.op = "abandon";
                Flow::Continue
            }
            ProtocolOp::ExtendedReq(request) => self.extended(id, request, out, &mut log),
            ProtocolOp::AddRequest(request) => self.add(id, request, &controls, out, &mut log),
            ProtocolOp::ModifyRequest(request) => {
                self.modify(id, request, &controls, out, &mut log)
            }
            ProtocolOp::DelRequest(request) => self.delete(id, request, &controls, out, &mut log),
            ProtocolOp::ModDnRequest(request) => self.rename(id, request, &controls, out, &mut log),
            _ => {
                // A response type sent by a client, or an operation RFC 4511 does not define.
                log.op = "invalid";
                out.push(Reply::Message(crate::codec::notice_of_disconnection(
                    rasn_ldap::ResultCode::ProtocolError,
                    "a client sent a server-only message type",
                )));
                Flow::Close
            }
        };
        log.emit(self.connection, id, started.elapsed());
        flow
    }
}
