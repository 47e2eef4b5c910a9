//! BindRequest: simple binds authenticate (see [`crate::bind`]); SASL GSS-SPNEGO carries NTLM
//! (see [`super::gss_spnego`]); other SASL mechanisms are refused honestly.

use rasn_ldap::{AuthenticationChoice, BindRequest, BindResponse, ProtocolOp, ResultCode};

use super::AccessLog;
use crate::acl::Principal;
use crate::session::{Flow, Session};
use crate::wire::Reply;

impl Session {
    pub(crate) fn bind(
        &mut self,
        id: u32,
        request: BindRequest,
        out: &mut Vec<Reply>,
        log: &mut AccessLog,
    ) -> Flow {
        log.op = "bind";
        if AccessLog::wanted() {
            log.dn = request.name.to_string();
        }
        // Any bind first drops the current identity and the paged searches made under it.
        self.principal = Principal::Anonymous;
        self.paged.clear();
        let mut server_creds = None;
        let (code, diagnostic) = if request.version != 3 && request.version != 2 {
            (
                ResultCode::ProtocolError,
                format!("LDAP version {} is not supported", request.version),
            )
        } else {
            match &request.authentication {
                // LDAPServerIntegrity = 2: a simple bind that authenticates needs TLS; an
                // anonymous one (no password) still works, as on AD.
                AuthenticationChoice::Simple(password)
                    if !password.is_empty()
                        && !self.tls_active
                        && self.shared.signing == crate::tls::SigningPolicy::Require =>
                {
                    (
                        ResultCode::StrongerAuthRequired,
                        crate::ad_text::signing_required(),
                    )
                }
                AuthenticationChoice::Simple(password) => {
                    let shared = self.shared.clone();
                    let dir = shared.read();
                    match crate::bind::simple_bind(&dir, &shared.forest, &request.name, password) {
                        Ok(principal) => {
                            self.principal = principal;
                            (ResultCode::Success, String::new())
                        }
                        Err(error) => (error.code, error.diagnostic),
                    }
                }
                AuthenticationChoice::Sasl(sasl) if sasl.mechanism.0 == "GSS-SPNEGO" => {
                    let token = sasl.credentials.as_deref().unwrap_or_default();
                    let (code, diagnostic, creds) = self.gss_spnego(token, log);
                    server_creds = creds;
                    (code, diagnostic)
                }
                AuthenticationChoice::Sasl(sasl) => (
                    ResultCode::AuthMethodNotSupported,
                    format!("SASL mechanism {} is not implemented by this mock domain controller; use a simple bind", sasl.mechanism.0),
                ),
                _ => (ResultCode::AuthMethodNotSupported, "unsupported authentication choice".to_string()),
            }
        };
        log.code = Some(code as u32);
        out.push(super::reply(
            id,
            ProtocolOp::BindResponse(BindResponse::new(
                code,
                "".into(),
                diagnostic.into(),
                None,
                server_creds.map(Into::into),
            )),
        ));
        Flow::Continue
    }
}
