//! The two directories: where and as whom to publish, and the snapshot of Public Key Services read
//! back with ldapsearch.

use super::*;

/// Where to publish and how to bind.
pub(crate) struct Target {
    pub(crate) name: &'static str,
    pub(crate) addr: SocketAddr,
    pub(crate) user: &'static str,
    pub(crate) password: &'static str,
}

impl Target {
    /// `adpki publish FILE TYPE --url … --user … --password … -f --format json <extra>`.
    pub(crate) async fn publish(&self, file: &Path, kind: &str, extra: &[&str]) -> ToolOutput {
        let mut args: Vec<String> = vec![
            "publish".into(),
            file.to_str().expect("utf-8 path").into(),
            kind.into(),
            "--url".into(),
            url(self.addr),
            "--user".into(),
            self.user.into(),
            "--password".into(),
            self.password.into(),
            "-f".into(),
            "--format".into(),
            "json".into(),
        ];
        args.extend(extra.iter().map(|arg| arg.to_string()));
        run_tool(adpki_binary().to_str().expect("utf-8 path"), &args).await
    }

    /// Everything under Public Key Services, bound as the administrator.
    pub(crate) async fn snapshot(&self) -> Snapshot {
        let out = ldapsearch(
            self.addr,
            &[
                "-D",
                self.user,
                "-w",
                self.password,
                "-b",
                PKS_DN,
                "-s",
                "sub",
                "(objectClass=*)",
                "*",
            ],
        )
        .await;
        assert_eq!(out.code, 0, "{}: ldapsearch of {PKS_DN}: {out}", self.name);
        let mut snapshot = Snapshot::new();
        for entry in out.ldif().entries {
            let mut attrs: BTreeMap<String, (String, Vec<Vec<u8>>)> = BTreeMap::new();
            for (name, value) in entry.attrs {
                attrs
                    .entry(name.to_ascii_lowercase())
                    .or_insert_with(|| (name.clone(), Vec::new()))
                    .1
                    .push(value);
            }
            snapshot.insert(
                entry.dn.to_ascii_lowercase(),
                Entry {
                    dn: entry.dn,
                    attrs,
                },
            );
        }
        snapshot
    }
}

/// One entry as read back: attributes by lower-case name → (name as printed, values in order).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Entry {
    pub(crate) dn: String,
    pub(crate) attrs: BTreeMap<String, (String, Vec<Vec<u8>>)>,
}

impl Entry {
    pub(crate) fn values(&self, name: &str) -> Vec<Vec<u8>> {
        self.attrs
            .get(&name.to_ascii_lowercase())
            .map(|(_, values)| values.clone())
            .unwrap_or_default()
    }

    /// objectClass values, lower case, without `top`, as a set.
    pub(crate) fn classes(&self) -> BTreeSet<String> {
        self.values("objectClass")
            .into_iter()
            .map(|value| String::from_utf8_lossy(&value).to_ascii_lowercase())
            .filter(|class| class != "top")
            .collect()
    }

    /// The attributes publish writes, plus objectClass: what "changed" means.
    pub(crate) fn published_part(&self) -> Vec<(String, BTreeSet<Vec<u8>>)> {
        WRITTEN
            .iter()
            .chain(["objectClass"].iter())
            .map(|name| (name.to_string(), self.values(name).into_iter().collect()))
            .collect()
    }
}

/// Entries by lower-case DN.
pub(crate) type Snapshot = BTreeMap<String, Entry>;
