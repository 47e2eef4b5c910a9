//! ExtendedRequest: WhoAmI (RFC 4532); anything else is a protocolError, as RFC 4511 4.12 says.

use rasn_ldap::{ExtendedRequest, ExtendedResponse, ProtocolOp, ResultCode};

use super::AccessLog;
use crate::rootdse::WHO_AM_I;
use crate::session::{Flow, Session};
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
}
