//! `scenarios up` writes a world's certificates and the phone's effective profile to a
//! directory, so a person can publish them with `adpki publish` and boot `phone-client` with
//! exactly the scenario's firmware settings.

use std::path::Path;

use crate::world::World;
use crate::Error;

/// Writes `<id>.pem` for every certificate, `registrar-chain.pem`, `dc-ca.pem` (the CA of the
/// DC's TLS certificate, for `--ca-file`), and `phone-profile.toml`.
/// Returns the file names written.
pub fn write(world: &World, dir: &Path) -> Result<Vec<String>, Error> {
    std::fs::create_dir_all(dir)
        .map_err(|error| Error::Files(format!("{}: {error}", dir.display())))?;
    let mut written = Vec::new();
    let mut put = |name: &str, contents: &[u8]| -> Result<(), Error> {
        let path = dir.join(name);
        std::fs::write(&path, contents)
            .map_err(|error| Error::Files(format!("{}: {error}", path.display())))?;
        written.push(path.display().to_string());
        Ok(())
    };
    for certificate in world.pki.certificates() {
        put(
            &format!("{}.pem", certificate.id),
            certificate.pem().as_bytes(),
        )?;
    }
    put(
        "registrar-chain.pem",
        world.pki.registrar.chain_pem().as_bytes(),
    )?;
    if let Some(ca) = world.dc_ca_pem() {
        put("dc-ca.pem", ca.as_bytes())?;
    }
    let profile = world.profile()?;
    let text = toml::to_string(&profile).map_err(|error| Error::Files(error.to_string()))?;
    put("phone-profile.toml", text.as_bytes())?;
    Ok(written)
}

/// Where `write` puts the profile.
pub fn profile_path(dir: &Path) -> std::path::PathBuf {
    dir.join("phone-profile.toml")
}
