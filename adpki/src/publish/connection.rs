//! The directory side: bind, read the rootDSE and what is there now, apply the changes.

use super::*;
use ldap3::{Ldap, Mod, Scope, SearchEntry};
use phone_client::ldap::{LdapTarget, LdapTransport};
use std::collections::HashSet;
use std::time::Duration;

/// A connection to the directory.
pub struct Connection {
    ldap: Ldap,
    timeout: Duration,
    transport: LdapTransport,
}

pub(super) fn ldap_failure(operation: &str, dn: &str, code: u32, text: &str) -> Error {
    Error::Ldap {
        operation: operation.to_owned(),
        dn: dn.to_owned(),
        code,
        text: text.trim_end_matches('\0').trim().to_owned(),
    }
}

pub(super) fn io_failure(operation: &str, dn: &str, error: ldap3::LdapError) -> Error {
    Error::Connect(format!("{operation} {dn}: {error}"))
}

impl Connection {
    /// Plain LDAP, StartTLS or LDAPS as `target` says (a `SocketAddr` is plain LDAP).
    pub async fn connect(
        target: impl Into<LdapTarget>,
        timeout: Duration,
    ) -> Result<Connection, Error> {
        let target = target.into();
        let transport = target.transport;
        let ldap = phone_client::ldap::open(target, timeout)
            .await
            .map_err(|error| Error::Connect(error.to_string()))?;
        Ok(Connection {
            ldap,
            timeout,
            transport,
        })
    }

    /// A simple bind (`DOMAIN\user`, a UPN or a DN, as AD accepts them) or an NTLM one
    /// (`DOMAIN\user` or `user@domain`).
    pub async fn bind(
        &mut self,
        method: phone_client::ldap::LdapBind,
        user: &str,
        password: &str,
    ) -> Result<(), Error> {
        use phone_client::ldap::BindFailure;
        let result = phone_client::ldap::bind(&mut self.ldap, method, user, password, self.timeout)
            .await
            .map_err(|failure| match failure {
                BindFailure::Io(text) => Error::Connect(text),
                BindFailure::Name(text) => Error::Usage(text),
            })?;
        if result.rc != 0 {
            let over_tls = self.transport.is_tls();
            if let Some(text) =
                phone_client::ldap::policy_refusal(method, over_tls, user, result.rc, &result.text)
            {
                return Err(Error::SigningRequired(text));
            }
            return Err(ldap_failure("bind as", user, result.rc, &result.text));
        }
        Ok(())
    }

    /// The rootDSE's configurationNamingContext, or its first namingContexts value.
    pub async fn configuration_nc(&mut self) -> Result<String, Error> {
        let result = self
            .ldap
            .with_timeout(self.timeout)
            .search(
                "",
                Scope::Base,
                "(objectClass=*)",
                vec!["configurationNamingContext", "namingContexts"],
            )
            .await
            .map_err(|error| io_failure("reading", "the rootDSE", error))?;
        if result.1.rc != 0 {
            return Err(ldap_failure(
                "reading",
                "the rootDSE",
                result.1.rc,
                &result.1.text,
            ));
        }
        let entry = result
            .0
            .into_iter()
            .find(|raw| !raw.is_ref())
            .map(SearchEntry::construct)
            .ok_or_else(|| Error::Connect("the rootDSE returned no entry".into()))?;
        let first = |name: &str| {
            entry
                .attrs
                .iter()
                .find(|(key, _)| key.eq_ignore_ascii_case(name))
                .and_then(|(_, values)| values.first().cloned())
        };
        first("configurationNamingContext")
            .or_else(|| first("namingContexts"))
            .ok_or_else(|| {
                Error::Connect(
                    "the rootDSE names no configurationNamingContext and no namingContexts: give --base"
                        .into(),
                )
            })
    }

    /// Reads `dn`: None when it does not exist, else the values of `attribute` (any `;option`
    /// spelling; the bare name is asked too).
    async fn read(
        &mut self,
        dn: &str,
        attribute: Option<&str>,
    ) -> Result<Option<Vec<Vec<u8>>>, Error> {
        let bare = attribute.map(|name| name.split(';').next().unwrap_or(name).to_owned());
        let attributes: Vec<String> = match &bare {
            Some(bare) => vec![bare.clone(), format!("{bare};binary")],
            None => vec!["1.1".to_owned()],
        };
        let result = self
            .ldap
            .with_timeout(self.timeout)
            .search(dn, Scope::Base, "(objectClass=*)", attributes)
            .await
            .map_err(|error| io_failure("reading", dn, error))?;
        match result.1.rc {
            0 => {}
            32 => return Ok(None),
            code => return Err(ldap_failure("reading", dn, code, &result.1.text)),
        }
        let Some(entry) = result
            .0
            .into_iter()
            .find(|raw| !raw.is_ref())
            .map(SearchEntry::construct)
        else {
            return Ok(None);
        };
        let mut values = Vec::new();
        if let Some(bare) = bare {
            let matches = |key: &str| {
                let key_bare = key.split(';').next().unwrap_or(key);
                key_bare.eq_ignore_ascii_case(&bare)
            };
            for (key, text) in &entry.attrs {
                if matches(key) {
                    values.extend(text.iter().map(|value| value.as_bytes().to_vec()));
                }
            }
            for (key, binary) in &entry.bin_attrs {
                if matches(key) {
                    values.extend(binary.iter().cloned());
                }
            }
        }
        Ok(Some(values))
    }

    /// What the directory holds for `target` now.
    pub async fn state(&mut self, target: &Target) -> Result<State, Error> {
        let current = self.read(&target.dn, Some(&target.attribute)).await?;
        let parent_exists = match &target.parent {
            Some(parent) if current.is_none() => self.read(&parent.dn, None).await?.is_some(),
            _ => true,
        };
        Ok(State {
            exists: current.is_some(),
            values: current.unwrap_or_default(),
            parent_exists,
        })
    }

    /// Applies the changes in order; the first failure stops.
    pub async fn apply(&mut self, changes: &[Change]) -> Result<(), Error> {
        for change in changes {
            let (operation, dn, result) = match change {
                Change::Add { dn, attributes } => {
                    let attributes: Vec<(Vec<u8>, HashSet<Vec<u8>>)> = attributes
                        .iter()
                        .map(|(name, values)| {
                            (name.as_bytes().to_vec(), values.iter().cloned().collect())
                        })
                        .collect();
                    let result = self
                        .ldap
                        .with_timeout(self.timeout)
                        .add(dn, attributes)
                        .await;
                    ("adding", dn, result)
                }
                Change::Modify {
                    dn,
                    mode,
                    attribute,
                    values,
                } => {
                    let name = attribute.as_bytes().to_vec();
                    let set: HashSet<Vec<u8>> = values.iter().cloned().collect();
                    let modification = match mode {
                        WriteMode::Append => Mod::Add(name, set),
                        WriteMode::Replace => Mod::Replace(name, set),
                    };
                    let result = self
                        .ldap
                        .with_timeout(self.timeout)
                        .modify(dn, vec![modification])
                        .await;
                    ("modifying", dn, result)
                }
            };
            let result = result.map_err(|error| io_failure(operation, dn, error))?;
            if result.rc != 0 {
                return Err(ldap_failure(operation, dn, result.rc, &result.text));
            }
        }
        Ok(())
    }

    pub async fn unbind(mut self) {
        let _ = self.ldap.unbind().await;
    }
}

// ---------------------------------------------------------------------------------------------
// The whole publish
// ---------------------------------------------------------------------------------------------
