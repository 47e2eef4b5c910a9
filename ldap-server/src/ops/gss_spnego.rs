//! SASL GSS-SPNEGO carrying NTLM, raw NTLMSSP or SPNEGO-wrapped (AD accepts both): a NEGOTIATE
//! is answered with saslBindInProgress (14) and the CHALLENGE, an AUTHENTICATE with the bind's
//! result. When the logon negotiated signing or sealing, the SPNEGO mechListMICs are exchanged
//! and every later message travels in the SASL security layer (the connection does the
//! wrapping; Samba and Windows seal even when only signing was asked, for LDAP).
//!
//! The policies, as AD applies them (domain.md §I):
//! - on a plain connection of a DC that requires signing, a logon with neither signing nor
//!   sealing is refused with 8 (00002028);
//! - on TLS, a logon that negotiated signing or sealing is refused with 53 (no SASL layer under
//!   TLS); channel binding is checked by the shared NTLM logon.

use rasn_ldap::ResultCode;

use super::AccessLog;
use crate::session::{PendingNtlm, Session};

/// A bind step's answer: result, diagnostic, serverSaslCreds.
type Answer = (ResultCode, String, Option<Vec<u8>>);

impl Session {
    /// One step of an NTLM logon in GSS-SPNEGO.
    pub(crate) fn gss_spnego(&mut self, token: &[u8], log: &mut AccessLog) -> Answer {
        let refused = |what: String| (ResultCode::ProtocolError, what, None);
        let unwrapped = match ntlm::spnego::unwrap(token) {
            Ok(unwrapped) => unwrapped,
            Err(error) => {
                self.ntlm = None;
                return refused(format!("GSS-SPNEGO: {error}"));
            }
        };
        match unwrapped.ntlm.get(8..12) {
            Some([1, 0, 0, 0]) => {
                log.dn = "GSS-SPNEGO negotiate".into();
                let created = ntlm::Challenged::new(
                    &unwrapped.ntlm,
                    &self.shared.forest.ntlm_target(),
                    ntlm::filetime_now(),
                    true,
                )
                .and_then(|(challenged, challenge)| {
                    ntlm::spnego::wrap_challenge(&challenge, unwrapped.wrapping)
                        .map(|wrapped| (challenged, wrapped))
                });
                match created {
                    Ok((challenged, wrapped)) => {
                        self.ntlm = Some(PendingNtlm {
                            challenged,
                            wrapping: unwrapped.wrapping,
                            mech_types: unwrapped.mech_types,
                        });
                        (ResultCode::SaslBindInProgress, String::new(), Some(wrapped))
                    }
                    Err(error) => refused(format!("GSS-SPNEGO: {error}")),
                }
            }
            Some([3, 0, 0, 0]) => {
                let Some(pending) = self.ntlm.take() else {
                    return refused("GSS-SPNEGO: an AUTHENTICATE without a NEGOTIATE".into());
                };
                match self.authenticate(&pending, &unwrapped, log) {
                    Ok(answer) => answer,
                    Err((code, diagnostic)) => {
                        self.principal = crate::acl::Principal::Anonymous;
                        (code, diagnostic, None)
                    }
                }
            }
            _ => {
                self.ntlm = None;
                refused("GSS-SPNEGO: not an NTLM NEGOTIATE or AUTHENTICATE".into())
            }
        }
    }

    /// The AUTHENTICATE leg: the logon, the policies, the mechListMICs, the layer.
    fn authenticate(
        &mut self,
        pending: &PendingNtlm,
        unwrapped: &ntlm::spnego::Unwrapped,
        log: &mut AccessLog,
    ) -> Result<Answer, (ResultCode, String)> {
        let verified = self.ntlm_logon(&pending.challenged, &unwrapped.ntlm, log)?;
        let layer = ntlm::SessionSecurity::wanted(verified.flags);
        if layer && self.tls_active {
            return Err((
                ResultCode::UnwillingToPerform,
                crate::ad_text::sign_seal_over_tls(),
            ));
        }
        if !layer && self.signing_required() {
            return Err((
                ResultCode::StrongerAuthRequired,
                crate::ad_text::signing_required(),
            ));
        }
        let mut security = None;
        let mut server_mic = None;
        if layer || unwrapped.mech_list_mic.is_some() {
            let mut keys = ntlm::SessionSecurity::new(
                &verified.session_key,
                verified.flags,
                ntlm::Side::Server,
            )
            .map_err(|error| (ResultCode::ProtocolError, format!("GSS-SPNEGO: {error}")))?;
            if let (Some(mic), Some(mech_types)) = (&unwrapped.mech_list_mic, &pending.mech_types) {
                // RFC 4178 §5: the client's MIC over the mechTypes it offered, then ours.
                if keys.verify(mech_types, mic).is_err() {
                    return Err((
                        ResultCode::InvalidCredentials,
                        crate::ad_text::message_altered(),
                    ));
                }
                let ours = keys
                    .sign(mech_types)
                    .map_err(|error| (ResultCode::ProtocolError, format!("GSS-SPNEGO: {error}")))?;
                server_mic = Some(ours);
                keys.restart_ciphers();
            }
            security = Some(keys);
        }
        let creds =
            ntlm::spnego::wrap_completed(pending.wrapping, server_mic.as_ref().map(|mic| &mic[..]))
                .map_err(|error| (ResultCode::ProtocolError, format!("GSS-SPNEGO: {error}")))?;
        if layer {
            self.new_security_layer = security;
        }
        Ok((ResultCode::Success, String::new(), creds))
    }
}
