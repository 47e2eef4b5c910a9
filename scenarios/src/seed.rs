//! The seed story, in three acts, each a real world on loopback (our DC, a TLS registrar) and a
//! real phone boot:
//! 1. a standalone root CA issued the pool's certificate but was never published: the phone shows
//!    "Cannot validate server certificate";
//! 2. the administrator runs the `certutil -f -dspublish root.cer RootCA` equivalent: the phone
//!    signs in through the directory;
//! 3. in another forest, the root is added to NTAuthCertificates instead (pkiview's "Manage AD
//!    Containers"): the phone signs in too, because that object is a certificationAuthority.

use std::time::Duration;

use phone_client::enroll::ResolveMap;
use phone_client::locate::Locator;
use phone_client::profile::Profile;
use phone_client::publish::{self, PublishType, Request, Settings};
use phone_client::report::Report;
use phone_client::run::Boot;

use crate::pki::Pki;

const DOMAIN: &str = "example.test";
const POOL: &str = "pool.example.test";
const ADMIN_PASSWORD: &str = "Passw0rd!";
const USER: &str = "Administrator@example.test";

/// One act: what was done, the phone's report, and whether the outcome is the expected one.
pub struct Act {
    pub title: String,
    pub action: String,
    pub expected: &'static str,
    pub report: Report,
}

impl Act {
    pub fn as_expected(&self) -> bool {
        self.report.outcome == self.expected
    }
}

/// Plays the three acts with the given firmware profile.
pub async fn play(profile: &Profile) -> Result<Vec<Act>, String> {
    let pki = Pki::new("Contoso Standalone Root CA", POOL).map_err(|error| error.to_string())?;
    let (registrar, registrar_task) = crate::registrar::start(&pki.leaf_der, &pki.leaf_key_der)
        .await
        .map_err(|error| format!("cannot start the registrar: {error}"))?;
    let mut acts = Vec::new();

    let forest = start_forest().await?;
    let before = boot(profile, forest.local_addr(), registrar).await;
    acts.push(Act {
        title: "Act 1: a standalone root, not published".into(),
        action: "nothing published; the pool's certificate chains to a root the directory does not carry".into(),
        expected: "cannot_validate_server_certificate",
        report: before,
    });
    let published = publish_root(&pki, forest.local_addr(), PublishType::RootCA).await?;
    let after = boot(profile, forest.local_addr(), registrar).await;
    acts.push(Act {
        title: "Act 2: published as RootCA".into(),
        action: format!("certutil -f -dspublish root.cer RootCA  →  {published}"),
        expected: "signed_in",
        report: after,
    });
    forest.shutdown().await;

    let other = start_forest().await?;
    let published = publish_root(&pki, other.local_addr(), PublishType::NTAuthCA).await?;
    let ntauth = boot(profile, other.local_addr(), registrar).await;
    acts.push(Act {
        title: "Act 3: added to NTAuthCertificates instead".into(),
        action: format!(
            "pkiview → Manage AD Containers → NTAuthCertificates → Add  →  {published}"
        ),
        expected: "signed_in",
        report: ntauth,
    });
    other.shutdown().await;
    registrar_task.abort();
    Ok(acts)
}

async fn start_forest() -> Result<ldap_server::RunningServer, String> {
    ldap_server::Server::builder(DOMAIN)
        .admin_password(ADMIN_PASSWORD)
        .listen(std::net::SocketAddr::from(([127, 0, 0, 1], 0)))
        .start()
        .await
        .map_err(|error| format!("cannot start the directory: {error}"))
}

async fn publish_root(
    pki: &Pki,
    dc: std::net::SocketAddr,
    kind: PublishType,
) -> Result<String, String> {
    let settings = Settings {
        address: dc,
        user: Some(USER.into()),
        password: ADMIN_PASSWORD.into(),
        base: None,
        request: Request {
            kind: Some(kind),
            profile: Default::default(),
            force_create: true,
            cdp_container: None,
            cdp_cn: None,
        },
        dry_run: false,
        timeout: Duration::from_secs(10),
    };
    let report = publish::publish(pki.root_pem.as_bytes(), &settings)
        .await
        .map_err(|error| error.to_string())?;
    Ok(report
        .human()
        .lines()
        .next()
        .unwrap_or("published")
        .to_string())
}

async fn boot(
    profile: &Profile,
    dc: std::net::SocketAddr,
    registrar: std::net::SocketAddr,
) -> Report {
    let mut resolve = ResolveMap::new();
    resolve.insert(POOL.into(), registrar);
    Boot {
        profile: profile.clone(),
        user: USER.into(),
        password: ADMIN_PASSWORD.into(),
        locator: Locator {
            dc: Some(dc.to_string()),
            resolve: resolve.clone(),
            ..Locator::default()
        },
        registrar: format!("{POOL}:{}", registrar.port()),
        resolve,
    }
    .run()
    .await
}
