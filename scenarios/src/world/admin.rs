//! What an administrator does to a world between boots, over real LDAP as the Administrator:
//! the `certutil -f -dspublish` equivalent (phone-client's publish, the same code as
//! `adpki publish`) and ldapmodify-style LDIF.

use std::collections::HashSet;
use std::time::Duration;

use adpki::publish::{self, PublishType, Request, Settings};
use ldap3::Mod;
use ldap_server::{records_from, LdifChange, ModifyOp};
use phone_client::ldap::LdapTarget;

use crate::Error;

const TIMEOUT: Duration = Duration::from_secs(10);

/// Publishes a PEM certificate as `kind`, creating the object (`-f`). Returns certutil-like text.
pub async fn publish(
    dc: impl Into<LdapTarget>,
    user: &str,
    password: &str,
    pem: &str,
    file: &str,
    kind: PublishType,
) -> Result<String, Error> {
    let settings = Settings {
        address: dc.into(),
        user: Some(user.to_string()),
        bind: Default::default(),
        password: password.to_string(),
        base: None,
        request: Request {
            kind: Some(kind),
            profile: Default::default(),
            force_create: true,
            cdp_container: None,
            cdp_cn: None,
        },
        dry_run: false,
        timeout: TIMEOUT,
    };
    let report = publish::publish(pem.as_bytes(), &settings)
        .await
        .map_err(|error| Error::Act(format!("publish {}: {error}", kind.name())))?;
    let action = match report.action {
        publish::Action::Created => "created",
        publish::Action::Appended => "appended to",
        publish::Action::Replaced => "replaced the value of",
    };
    Ok(format!(
        "certutil -f -dspublish {file} {} → {action} {} ({})",
        kind.name(),
        report.dn,
        report.subject
    ))
}

/// Applies every record of `text` in order; stops at the first refusal. Returns the count.
pub async fn apply_ldif(
    dc: impl Into<LdapTarget>,
    user: &str,
    password: &str,
    text: &str,
) -> Result<usize, Error> {
    apply_records(dc.into(), user, password, text)
        .await
        .map_err(Error::Act)
}

async fn apply_records(
    dc: LdapTarget,
    user: &str,
    password: &str,
    text: &str,
) -> Result<usize, String> {
    let mut ldap = phone_client::ldap::open(dc, TIMEOUT)
        .await
        .map_err(|error| error.to_string())?;
    ldap.simple_bind(user, password)
        .await
        .and_then(|result| result.success())
        .map_err(|error| format!("bind as {user}: {error}"))?;
    let mut applied = 0;
    for record in records_from(text.as_bytes(), None, 0, true) {
        let record = record.map_err(|error| format!("LDIF {error}"))?;
        let result = match &record.change {
            LdifChange::Add(attributes) => {
                let mut grouped: Vec<(Vec<u8>, HashSet<Vec<u8>>)> = Vec::new();
                for attribute in attributes {
                    let name = attribute.name.as_bytes().to_vec();
                    match grouped.iter_mut().find(|(existing, _)| *existing == name) {
                        Some((_, values)) => {
                            values.insert(attribute.value.clone());
                        }
                        None => grouped.push((name, HashSet::from([attribute.value.clone()]))),
                    }
                }
                ldap.add(&record.dn, grouped).await
            }
            LdifChange::Delete => ldap.delete(&record.dn).await,
            LdifChange::Modify(changes) => {
                let mods = changes
                    .iter()
                    .map(|change| {
                        let name = change.attribute.as_bytes().to_vec();
                        let values: HashSet<Vec<u8>> = change.values.iter().cloned().collect();
                        match change.op {
                            ModifyOp::Add => Mod::Add(name, values),
                            ModifyOp::Delete => Mod::Delete(name, values),
                            ModifyOp::Replace => Mod::Replace(name, values),
                        }
                    })
                    .collect();
                ldap.modify(&record.dn, mods).await
            }
            LdifChange::ModDn {
                new_rdn,
                delete_old_rdn,
                new_superior,
            } => {
                ldap.modifydn(
                    &record.dn,
                    new_rdn,
                    *delete_old_rdn,
                    new_superior.as_deref(),
                )
                .await
            }
        };
        result
            .and_then(|result| result.success())
            .map_err(|error| format!("line {}: {}: {error}", record.line, record.dn))?;
        applied += 1;
    }
    let _ = ldap.unbind().await;
    Ok(applied)
}
