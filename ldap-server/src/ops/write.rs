//! The write operations: add, modify, delete, modify DN. The schema rules live in
//! [`crate::directory`], the access rules in [`crate::acl`]; this file only connects them.

use bytes::Bytes;
use rasn_ldap::{
    AddRequest, AddResponse, ChangeOperation, Control, DelRequest, DelResponse, ModifyDnRequest,
    ModifyDnResponse, ModifyRequest, ModifyResponse, ProtocolOp, ResultCode,
};

use super::{controls, parse_dn, to_result, AccessLog};
use crate::ad_text;
use crate::directory::{Modification, ModifyOp, Strictness};
use crate::dn::Dn;
use crate::error::OpError;
use crate::session::{Flow, Session};
use crate::wire::Reply;

impl Session {
    /// Common preamble: controls, DN, not the rootDSE, and the caller's right to write there.
    fn writable_target(&self, dn_text: &str, request_controls: &[Control]) -> Result<Dn, OpError> {
        controls::parse(request_controls)?;
        let dn = parse_dn(dn_text)?;
        if dn.is_root() {
            return Err(OpError::new(
                ResultCode::UnwillingToPerform,
                ad_text::will_not_perform("the rootDSE is read-only"),
            ));
        }
        self.shared.policy.check_write(&self.principal, &dn)?;
        Ok(dn)
    }

    pub(crate) fn add(
        &mut self,
        id: u32,
        request: AddRequest,
        controls: &[Control],
        out: &mut Vec<Reply>,
        log: &mut AccessLog,
    ) -> Flow {
        log.op = "add";
        log.dn = request.entry.to_string();
        let outcome = self
            .writable_target(&request.entry, controls)
            .and_then(|dn| {
                let attributes = request
                    .attributes
                    .iter()
                    .map(|attribute| {
                        (
                            attribute.r#type.to_string(),
                            attribute
                                .vals
                                .iter()
                                .map(|value| Bytes::from(value.to_vec()))
                                .collect(),
                        )
                    })
                    .collect();
                self.shared
                    .write()
                    .add(&dn, attributes, Strictness::Ldap)
                    .map(|_| ())
            });
        let result = to_result(outcome);
        log.finish(&result);
        out.push(super::reply(
            id,
            ProtocolOp::AddResponse(AddResponse(result)),
        ));
        Flow::Continue
    }

    pub(crate) fn modify(
        &mut self,
        id: u32,
        request: ModifyRequest,
        controls: &[Control],
        out: &mut Vec<Reply>,
        log: &mut AccessLog,
    ) -> Flow {
        log.op = "modify";
        log.dn = request.object.to_string();
        let outcome = self
            .writable_target(&request.object, controls)
            .and_then(|dn| {
                let modifications: Vec<Modification> = request
                    .changes
                    .iter()
                    .map(|change| Modification {
                        op: match change.operation {
                            ChangeOperation::Add => ModifyOp::Add,
                            ChangeOperation::Delete => ModifyOp::Delete,
                            _ => ModifyOp::Replace,
                        },
                        attribute: change.modification.r#type.to_string(),
                        values: change
                            .modification
                            .vals
                            .iter()
                            .map(|value| Bytes::from(value.to_vec()))
                            .collect(),
                    })
                    .collect();
                self.shared
                    .write()
                    .modify(&dn, &modifications, Strictness::Ldap)
            });
        let result = to_result(outcome);
        log.finish(&result);
        out.push(super::reply(
            id,
            ProtocolOp::ModifyResponse(ModifyResponse(result)),
        ));
        Flow::Continue
    }

    pub(crate) fn delete(
        &mut self,
        id: u32,
        request: DelRequest,
        controls: &[Control],
        out: &mut Vec<Reply>,
        log: &mut AccessLog,
    ) -> Flow {
        log.op = "delete";
        log.dn = request.0.to_string();
        let outcome = self
            .writable_target(&request.0, controls)
            .and_then(|dn| self.shared.write().delete(&dn));
        let result = to_result(outcome);
        log.finish(&result);
        out.push(super::reply(
            id,
            ProtocolOp::DelResponse(DelResponse(result)),
        ));
        Flow::Continue
    }

    pub(crate) fn rename(
        &mut self,
        id: u32,
        request: ModifyDnRequest,
        controls: &[Control],
        out: &mut Vec<Reply>,
        log: &mut AccessLog,
    ) -> Flow {
        log.op = "moddn";
        log.dn = request.entry.to_string();
        let outcome = self
            .writable_target(&request.entry, controls)
            .and_then(|dn| {
                let new_rdn = parse_dn(&request.new_rdn)?.rdn().cloned().ok_or_else(|| {
                    OpError::new(ResultCode::InvalidDnSyntax, "the new RDN is empty")
                })?;
                let superior = match &request.new_superior {
                    Some(text) => Some(parse_dn(text)?),
                    None => None,
                };
                if let Some(superior) = &superior {
                    self.shared.policy.check_write(&self.principal, superior)?;
                }
                self.shared
                    .write()
                    .rename(&dn, &new_rdn, request.delete_old_rdn, superior.as_ref())
            });
        let result = to_result(outcome);
        log.finish(&result);
        out.push(super::reply(
            id,
            ProtocolOp::ModDnResponse(ModifyDnResponse(result)),
        ));
        Flow::Continue
    }
}
