//! ExtendedRequest: WhoAmI (RFC 4532); anything else is a protocolError, as RFC 4511 4.12 says.

use rasn_ldap::{ExtendedRequest, ExtendedResponse, ProtocolOp, ResultCode};

use super::AccessLog;
use crate::rootdse::WHO_AM_I;
use crate::session::{Flow, Session};
use crate::tls::START_TLS;
use crate::wire::Reply;

impl Session {
    pub(crate) fn extended(
        &mut self,
        id: u32,
        request: ExtendedRequest,
        out: &mut Vec<Reply>,
        log: &mut AccessLog,
    ) -> Flow {
        log.op = "extended";
        let oid = String::from_utf8_lossy(&request.request_name).to_string();
        log.dn = oid.clone();
        if oid == START_TLS {
            return self.start_tls(id, out, log);
        }
        let response = if oid == WHO_AM_I {
            ExtendedResponse {
                result_code: ResultCode::Success,
                matched_dn: "".into(),
                diagnostic_message: "".into(),
                referral: None,
                response_name: None,
                response_value: Some(self.principal.authz_id().into_bytes().into()),
            }
        } else {
            ExtendedResponse {
                result_code: ResultCode::ProtocolError,
                matched_dn: "".into(),
                diagnostic_message: crate::ad_text::unknown_extended_operation(&oid).into(),
                referral: None,
                response_name: None,
                response_value: None,
            }
        };
        log.code = Some(response.result_code as u32);
        out.push(super::reply(id, ProtocolOp::ExtendedResp(response)));
        Flow::Continue
    }

    /// StartTLS (RFC 4511 §4.14): success in the clear, then the connection handshakes. Refused
    /// with 52 on a DC without a certificate (AD's text), with 1 when TLS is already active or
    /// other requests follow it.
    fn start_tls(&mut self, id: u32, out: &mut Vec<Reply>, log: &mut AccessLog) -> Flow {
        use crate::ad_text;
        let (code, diagnostic) = if self.tls_active {
            (ResultCode::OperationsError, ad_text::tls_already_active())
        } else if self.input_pending {
            (
                ResultCode::OperationsError,
                ad_text::tls_with_operations_outstanding(),
            )
        } else if self.shared.tls.is_none() {
            (ResultCode::Unavailable, ad_text::tls_unavailable())
        } else {
            (ResultCode::Success, String::new())
        };
        log.code = Some(code as u32);
        out.push(super::reply(
            id,
            ProtocolOp::ExtendedResp(ExtendedResponse {
                result_code: code,
                matched_dn: "".into(),
                diagnostic_message: diagnostic.into(),
                referral: None,
                response_name: Some(START_TLS.as_bytes().to_vec().into()),
                response_value: None,
            }),
        ));
        if code == ResultCode::Success {
            Flow::StartTls
        } else {
            Flow::Continue
        }
    }
}
