//! LDAP operations, one file each, as `impl Session` blocks: bind, search, compare, extended,
//! and the writes (add, modify, delete, modify DN).

mod bind;
mod compare;
mod controls;
mod extended;
mod gss_spnego;
mod search;
mod sicily;
mod write;

#[cfg(test)]
mod tests;

use std::time::Duration;

use rasn_ldap::{LdapResult, ResultCode};

use crate::error::OpError;

/// The fields of one access-log line.
#[derive(Debug, Default)]
pub struct AccessLog {
    pub op: &'static str,
    pub dn: String,
    pub scope: &'static str,
    pub filter: String,
    pub code: Option<u32>,
    pub entries: usize,
}

impl AccessLog {
    /// Whether access-log lines are written at all (`RUST_LOG` may leave them out): the texts
    /// of a line (a search's base and filter) are only built for a line that is written.
    pub fn wanted() -> bool {
        tracing::enabled!(target: "ldap_server::access", tracing::Level::INFO)
    }

    pub fn emit(&self, connection: u64, message_id: u32, elapsed: Duration) {
        tracing::info!(
            target: "ldap_server::access",
            conn = connection,
            msgid = message_id,
            op = self.op,
            dn = %self.dn,
            scope = self.scope,
            filter = %self.filter,
            result = self.code.unwrap_or(0),
            entries = self.entries,
            // Whole microseconds: exact, and an integer writes for a fraction of a float.
            us = u64::try_from(elapsed.as_micros()).unwrap_or(u64::MAX),
        );
    }

    fn finish(&mut self, result: &LdapResult) {
        self.code = Some(result.result_code as u32);
    }
}

/// An ordinary reply message.
pub(crate) fn reply(id: u32, op: rasn_ldap::ProtocolOp) -> crate::wire::Reply {
    crate::wire::Reply::Message(rasn_ldap::LdapMessage::new(id, op))
}

pub(crate) fn success() -> LdapResult {
    LdapResult::new(ResultCode::Success, "".into(), "".into())
}

pub(crate) fn failure(error: OpError) -> LdapResult {
    let mut result = LdapResult::new(error.code, error.matched_dn.into(), error.diagnostic.into());
    if !error.referral.is_empty() {
        result.referral = Some(error.referral.into_iter().map(Into::into).collect());
    }
    result
}

pub(crate) fn to_result(outcome: Result<(), OpError>) -> LdapResult {
    match outcome {
        Ok(()) => success(),
        Err(error) => failure(error),
    }
}

/// A DN from the wire, or AD's invalidDNSyntax answer.
pub(crate) fn parse_dn(text: &str) -> Result<crate::dn::Dn, OpError> {
    crate::dn::Dn::parse(text).map_err(|error| {
        OpError::new(
            ResultCode::InvalidDnSyntax,
            crate::ad_text::bad_name(&error.dn),
        )
    })
}
