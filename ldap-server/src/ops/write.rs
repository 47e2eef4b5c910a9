//! The write operations: add, modify, delete, modify DN. The schema rules live in
//! [`crate::directory`], the access rules in [`crate::acl`]; this file only connects them.

use bytes::Bytes;
use rasn_ldap::{
    AddRequest, AddResponse, ChangeOperation, Control, DelRequest, DelResponse, ModifyDnRequest,
    ModifyDnResponse, ModifyRequest, ModifyResponse, ProtocolOp, ResultCode,
};

use super::{controls, parse_dn, to_result, AccessLog};
use crate::ad_text;
use crate::directory::{Directory, Modification, ModifyOp, Strictness};
use crate::dn::Dn;
use crate::error::OpError;
use crate::journal;
use crate::session::{Flow, Session};
use crate::wire::Reply;

impl Session {
    /// Journals an applied write (with `--data`) and notes its ticket: the connection
    /// acknowledges it once the group commit made it durable. Called with the directory's write
    /// lock held, so the journal's order is the order writes took effect.
    fn persist(&self, dir: &Directory, record: impl FnOnce() -> String) -> Result<(), OpError> {
        let (Some(journal), Some(commit)) = (&self.shared.journal, &self.shared.commit) else {
            return Ok(());
        };
        let mut journal = journal
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let compacted = journal.append(&record(), dir).map_err(|error| {
            tracing::error!(%error, "journal append failed; the write is applied in memory but not durable");
            OpError::new(ResultCode::Unavailable, format!("the write could not be made durable: {error}"))
        })?;
        self.durable_ticket
            .store(commit.appended(), std::sync::atomic::Ordering::Relaxed);
        if compacted {
            commit.all_durable();
        }
        Ok(())
    }

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
                let mut dir = self.shared.write();
                let added = dir.add(&dn, attributes, Strictness::Ldap)?;
                self.persist(&dir, || journal::entries_record(&dir, &[added]))
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
                let mut dir = self.shared.write();
                dir.modify(&dn, &modifications, Strictness::Ldap)?;
                let changed = dir.find(&dn).into_iter().collect::<Vec<_>>();
                self.persist(&dir, || journal::entries_record(&dir, &changed))
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
        let outcome = self.writable_target(&request.0, controls).and_then(|dn| {
            let mut dir = self.shared.write();
            dir.delete(&dn)?;
            self.persist(&dir, || journal::delete_record(&request.0))
        });
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
                let mut dir = self.shared.write();
                dir.rename(&dn, &new_rdn, request.delete_old_rdn, superior.as_ref())?;
                let parent = match &superior {
                    Some(superior) => superior.clone(),
                    None => dn.parent().unwrap_or_else(crate::dn::Dn::root),
                };
                let moved = dir
                    .find(&parent.child(new_rdn.clone()))
                    .into_iter()
                    .collect::<Vec<_>>();
                let mut record = journal::moddn_record(
                    &request.entry,
                    &request.new_rdn,
                    request.delete_old_rdn,
                    request
                        .new_superior
                        .as_deref()
                        .map(|superior| superior.as_str()),
                );
                // The moved object's state after the move, so replay restores its USN and time.
                record.push_str(&journal::entries_record(&dir, &moved));
                self.persist(&dir, || record)
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
