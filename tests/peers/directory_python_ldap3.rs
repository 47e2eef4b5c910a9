//! A third, independent client: python's `ldap3`, which decodes values by the syntaxes it reads
//! from the server's subschema entry (CN=Aggregate). Proves the subschema is usable by generic
//! clients: certificates come back as bytes, times as datetimes, names in the schema's spelling.
//!
//! `.ci/run` installs `ldap3` in a virtualenv and points `E2E_PYTHON` at it. Without a python that
//! has `ldap3`, the test fails (with python's ModuleNotFoundError): a missing peer never passes.

use e2e::*;

const SCRIPT: &str = r#"
import sys, ldap3
host, port, password, base = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
server = ldap3.Server(host, port=port, get_info=ldap3.ALL)
conn = ldap3.Connection(server, user="Administrator@example.test", password=password, auto_bind=True)
types = server.schema.attribute_types
print("syntax", types["cACertificate"].syntax)
print("single", types["certificateRevocationList"].single_value)
print("naming", server.info.other["defaultNamingContext"][0])
conn.search(base, "(objectCategory=certificationAuthority)", attributes=["cACertificate", "whenCreated", "objectClass"])
for entry in conn.entries:
    value = entry.cACertificate.value
    value = value[0] if isinstance(value, list) else value
    print("entry", entry.entry_dn, type(value).__name__, len(value), type(entry.whenCreated.value).__name__, ",".join(entry.objectClass.values))
print("whoami", conn.extend.standard.who_am_i())
"#;

#[tokio::test]
async fn python_ldap3_decodes_values_with_the_subschema() {
    let der = make_ca_cert(ROOT_CA_CN);
    let server = start(&ca_ldif(ROOT_CA_CN, "Certification Authorities", &der)).await;
    let output = run_python(
        SCRIPT,
        &[
            "127.0.0.1".to_string(),
            server.port().to_string(),
            ADMIN_PASSWORD.to_string(),
            CONFIG_DN.to_string(),
        ],
    )
    .await;
    // Exit 0, or the reason (e.g. no ldap3 module: set E2E_PYTHON to .ci/run's virtualenv).
    assert_exit(&output, 0);
    let stdout = &output.stdout;
    assert!(
        stdout.contains("syntax 1.3.6.1.4.1.1466.115.121.1.40"),
        "{stdout}"
    );
    assert!(stdout.contains("single True"), "{stdout}");
    assert!(stdout.contains(&format!("naming {BASE_DN}")), "{stdout}");
    let expected = format!(
        "entry {} bytes {} datetime top,certificationAuthority",
        ca_dn(ROOT_CA_CN, "Certification Authorities"),
        der.len()
    );
    assert!(
        stdout.contains(&expected),
        "expected {expected:?} in\n{stdout}"
    );
    assert!(
        stdout.contains("whoami u:EXAMPLE\\Administrator"),
        "{stdout}"
    );
    server.stop().await;
}
