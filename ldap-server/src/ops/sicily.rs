//! The Sicily NTLM bind (MS-ADTS 5.1.1.1.3), three requests long: package discovery answers
//! `NTLM`; negotiate answers the NTLM CHALLENGE; the response is verified by the `ntlm` crate
//! against the account's NT hash (NTProofStr recomputed, the MIC when sent) and the account is
//! checked as a simple bind checks it, with AD's texts. No signing or sealing is offered, so on a
//! DC that requires signing the bind needs TLS, as on AD (8, 00002028 on the final response).
//! The account logon and the channel binding check here are shared with GSS-SPNEGO.

use rasn_ldap::ResultCode;

use super::AccessLog;
use crate::acl::Principal;
use crate::session::{Flow, Session};
use crate::sicily::{SicilyAuthentication, SicilyMessage, SicilyResponseMessage};
use crate::wire::Reply;

impl Session {
    pub fn handle_sicily(&mut self, message: SicilyMessage, out: &mut Vec<Reply>) -> Flow {
        let started = std::time::Instant::now();
        let id = message.message_id;
        let mut log = AccessLog {
            op: "bind",
            ..AccessLog::default()
        };
        let (code, creds, diagnostic): (ResultCode, Vec<u8>, String) = match message
            .request
            .authentication
        {
            SicilyAuthentication::Discovery(_) => {
                log.dn = "sicily discovery".into();
                (ResultCode::Success, b"NTLM".to_vec(), String::new())
            }
            SicilyAuthentication::Negotiate(token) => {
                log.dn = "sicily negotiate".into();
                self.principal = Principal::Anonymous;
                self.paged.clear();
                match ntlm::Challenged::new(
                    &token,
                    &self.shared.forest.ntlm_target(),
                    ntlm::filetime_now(),
                    false,
                ) {
                    Ok((challenged, challenge)) => {
                        self.ntlm = Some(crate::session::PendingNtlm {
                            challenged,
                            wrapping: ntlm::spnego::Wrapping::Raw,
                            mech_types: None,
                        });
                        (ResultCode::Success, challenge, String::new())
                    }
                    Err(error) => (
                        ResultCode::ProtocolError,
                        Vec::new(),
                        format!("sicilyNegotiate: {error}"),
                    ),
                }
            }
            SicilyAuthentication::Response(token) => {
                let (code, diagnostic) = match self.ntlm.take() {
                    // Sicily offers no integrity: AD refuses it on a DC that requires signing.
                    Some(_) if self.signing_required() => (
                        ResultCode::StrongerAuthRequired,
                        crate::ad_text::signing_required(),
                    ),
                    Some(pending) => match self.ntlm_logon(&pending.challenged, &token, &mut log) {
                        Ok(_) => (ResultCode::Success, String::new()),
                        Err(refused) => refused,
                    },
                    None => (
                        ResultCode::ProtocolError,
                        "sicilyResponse without a sicilyNegotiate on this connection".into(),
                    ),
                };
                (code, Vec::new(), diagnostic)
            }
        };
        log.code = Some(code as u32);
        out.push(Reply::Sicily(SicilyResponseMessage::new(
            id,
            code,
            &creds,
            &diagnostic,
        )));
        log.emit(self.connection, id, started.elapsed());
        Flow::Continue
    }

    /// Whether this plain connection must refuse a bind without integrity (LDAPServerIntegrity 2).
    pub(crate) fn signing_required(&self) -> bool {
        self.shared.signing == crate::tls::SigningPolicy::Require && !self.tls_active
    }

    /// An NTLM AUTHENTICATE (Sicily or GSS-SPNEGO), verified against the account it names
    /// (`DOMAIN\user`) with the checks a simple bind has, and the channel binding on TLS; sets
    /// the principal and gives the verified logon (its keys) on success.
    pub(crate) fn ntlm_logon(
        &mut self,
        challenged: &ntlm::Challenged,
        token: &[u8],
        log: &mut AccessLog,
    ) -> Result<ntlm::Verified, (ResultCode, String)> {
        let auth = match ntlm::Authenticate::parse(token) {
            Ok(auth) => auth,
            Err(error) => {
                return Err((
                    ResultCode::ProtocolError,
                    format!("NTLM AUTHENTICATE: {error}"),
                ))
            }
        };
        log.dn = if auth.domain.is_empty() {
            auth.user.clone()
        } else {
            format!("{}\\{}", auth.domain, auth.user)
        };
        let shared = self.shared.clone();
        let dir = shared.read();
        let mut reason = None;
        let mut verified = None;
        let result =
            crate::bind::ntlm_logon(&dir, &shared.forest, &auth.user, &auth.domain, |nt_hash| {
                match challenged.verify(token, &auth, nt_hash) {
                    Ok(logon) => {
                        verified = Some(logon);
                        true
                    }
                    Err(error) => {
                        reason = Some(error);
                        false
                    }
                }
            });
        match (result, verified) {
            (Ok(principal), Some(verified)) => {
                self.check_channel_binding(&auth)?;
                self.principal = principal;
                Ok(verified)
            }
            (Ok(_), None) => Err((
                ResultCode::InvalidCredentials,
                crate::ad_text::invalid_credentials(crate::ad_text::LogonFailure::BadCredentials),
            )),
            (Err(error), _) => {
                if let Some(reason) = reason {
                    tracing::info!(conn = self.connection, user = %log.dn, %reason, "NTLM logon refused");
                }
                Err((error.code, error.diagnostic))
            }
        }
    }

    /// LdapEnforceChannelBinding over TLS: the client's MsvAvChannelBindings against the DC's
    /// certificate (plain LDAP has no channel to bind to).
    fn check_channel_binding(&self, auth: &ntlm::Authenticate) -> Result<(), (ResultCode, String)> {
        use crate::tls::ChannelBinding;
        let Some(tls) = self.shared.tls.as_ref().filter(|_| self.tls_active) else {
            return Ok(());
        };
        let sent = ntlm::channel_bindings(auth);
        let acceptable = match (self.shared.channel_binding, sent) {
            (ChannelBinding::Never, _) => true,
            (ChannelBinding::WhenSupported, None) => true,
            (ChannelBinding::WhenSupported | ChannelBinding::Always, Some(sent)) => {
                sent == tls.channel_binding
            }
            (ChannelBinding::Always, None) => false,
        };
        if acceptable {
            Ok(())
        } else {
            Err((
                ResultCode::InvalidCredentials,
                crate::ad_text::channel_binding_failed(),
            ))
        }
    }
}
