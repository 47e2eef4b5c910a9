//! CompareRequest: compareTrue / compareFalse by the attribute's matching rule.

use rasn_ldap::{CompareRequest, CompareResponse, LdapResult, ProtocolOp, ResultCode};

use super::{failure, parse_dn, AccessLog};
use crate::ad_text;
use crate::error::OpError;
use crate::session::{Flow, Session};
use crate::wire::Reply;

impl Session {
    pub(crate) fn compare(
        &mut self,
        id: u32,
        request: CompareRequest,
        out: &mut Vec<Reply>,
        log: &mut AccessLog,
    ) -> Flow {
        log.op = "compare";
        log.dn = request.entry.to_string();
        let result = match self.compare_result(&request) {
            Ok(true) => LdapResult::new(ResultCode::CompareTrue, "".into(), "".into()),
            Ok(false) => LdapResult::new(ResultCode::CompareFalse, "".into(), "".into()),
            Err(error) => failure(error),
        };
        log.finish(&result);
        out.push(super::reply(
            id,
            ProtocolOp::CompareResponse(CompareResponse(result)),
        ));
        Flow::Continue
    }

    fn compare_result(&self, request: &CompareRequest) -> Result<bool, OpError> {
        let dn = parse_dn(&request.entry)?;
        self.shared.policy.check_search(&self.principal, &dn)?;
        let dir = self.shared.read();
        let entry = dir.lookup(&dn)?;
        let attribute = dir
            .schema()
            .attribute_id(&request.ava.attribute_desc)
            .filter(|&attribute| !dir.schema().attribute(attribute).secret)
            .ok_or_else(|| {
                OpError::new(
                    ResultCode::NoSuchAttribute,
                    ad_text::no_such_attribute(&request.ava.attribute_desc),
                )
            })?;
        let syntax = dir.schema().attribute(attribute).syntax;
        let wanted = syntax.normalize(&request.ava.assertion_value);
        Ok(dir
            .values(entry, attribute)
            .iter()
            .any(|value| syntax.normalize(value) == wanted))
    }
}
