//! Time, algorithms and key sizes the firmware refuses, connection failures, wording.

use super::*;

#[tokio::test]
async fn expired_leaf_is_expired() {
    let root = ec_ca("Test Root");
    let expired = leaf_with(&root, &rcgen::PKCS_ECDSA_P256_SHA256, |p| {
        p.not_before = rcgen::date_time_ymd(2020, 1, 1);
        p.not_after = rcgen::date_time_ymd(2021, 1, 1);
    });
    let address = serve(expired).await;
    let failure =
        validation(connect(address, POOL, std::slice::from_ref(&root.der), &modern()).await);
    match failure {
        ValidationFailure::Expired { not_after, .. } => {
            assert_eq!(not_after, "2021-01-01T00:00:00Z");
        }
        other => panic!("expected Expired, got {other:?}"),
    }
}

#[tokio::test]
async fn clock_ten_years_behind_is_not_yet_valid() {
    let root = ec_ca("Test Root");
    let address = serve(leaf(&root)).await;
    let policy = TrustPolicy {
        clock_offset_seconds: -10 * 365 * 24 * 3600,
        ..modern()
    };
    let failure =
        validation(connect(address, POOL, std::slice::from_ref(&root.der), &policy).await);
    match failure {
        ValidationFailure::NotYetValid { phone_time, .. } => {
            let year: i32 = phone_time[..4].parse().expect("year");
            let now = time::OffsetDateTime::now_utc().year();
            assert!((now - 11..=now - 9).contains(&year), "{phone_time}");
        }
        other => panic!("expected NotYetValid, got {other:?}"),
    }
}

#[tokio::test]
async fn rsa_4096_root_on_2048_firmware_is_unsupported() {
    let key =
        KeyPair::generate_rsa_for(&rcgen::PKCS_RSA_SHA256, RsaKeySize::_4096).expect("rsa keygen");
    let root = ca("Big RSA Root", key);
    let address = serve(leaf_with(&root, &rcgen::PKCS_RSA_SHA256, |_| {})).await;
    let policy = TrustPolicy {
        max_rsa_bits: 2048,
        ..modern()
    };
    let failure =
        validation(connect(address, POOL, std::slice::from_ref(&root.der), &policy).await);
    match failure {
        ValidationFailure::UnsupportedAlgorithm { what } => {
            assert!(what.contains("4096-bit RSA key"), "{what}");
            assert!(what.contains("CN=Big RSA Root"), "{what}");
        }
        other => panic!("expected UnsupportedAlgorithm, got {other:?}"),
    }
    // The install step refuses the same root on such firmware, for its key and nothing else:
    // a profile that reads SHA-256 and 2048-bit keys only.
    let info = crate::certinfo::describe(&root.der).expect("describes");
    let profile = crate::profile::Profile {
        max_rsa_bits: 2048,
        ..crate::profile::Profile::built_in("cpe-2007r2").expect("built-in")
    };
    assert_eq!(
        profile.refusal(&info).as_deref(),
        Some("this firmware cannot read a 4096-bit RSA key (at most 2048)")
    );
    let reads_4096 = crate::profile::Profile {
        max_rsa_bits: 4096,
        ..profile
    };
    assert_eq!(reads_4096.refusal(&info), None);
    // The same chain is fine for firmware that reads 4096-bit keys.
    assert!(connect(address, POOL, &[root.der], &modern()).await.is_ok());
}

#[tokio::test]
async fn ecdsa_chain_on_rsa_only_firmware_is_unsupported() {
    let root = ec_ca("Test Root");
    let address = serve(leaf(&root)).await;
    let policy = TrustPolicy {
        supports_ecdsa: false,
        ..modern()
    };
    let failure =
        validation(connect(address, POOL, std::slice::from_ref(&root.der), &policy).await);
    match failure {
        ValidationFailure::UnsupportedAlgorithm { what } => {
            assert!(what.contains("ECDSA"), "{what}");
            assert!(what.contains("registrar certificate"), "{what}");
        }
        other => panic!("expected UnsupportedAlgorithm, got {other:?}"),
    }
}

#[tokio::test]
async fn sha256_chain_on_sha1_firmware_is_unsupported() {
    let key = KeyPair::generate_for(&rcgen::PKCS_RSA_SHA256).expect("keygen");
    let root = ca("RSA Root", key);
    let address = serve(leaf_with(&root, &rcgen::PKCS_RSA_SHA256, |_| {})).await;
    let policy = TrustPolicy {
        supports_sha256: false,
        ..modern()
    };
    let failure =
        validation(connect(address, POOL, std::slice::from_ref(&root.der), &policy).await);
    assert!(
        matches!(failure, ValidationFailure::UnsupportedAlgorithm { ref what } if what.starts_with("SHA-256 signatures")),
        "{failure:?}"
    );
}

#[tokio::test]
async fn closed_port_is_connect_error() {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let address = listener.local_addr().expect("addr");
    drop(listener);
    let result = connect(address, POOL, &[], &modern()).await;
    assert!(
        matches!(result, Err(RegistrarError::Connect { .. })),
        "{result:?}"
    );
}

#[tokio::test]
async fn silent_server_times_out() {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let address = listener.local_addr().expect("addr");
    let holder = tokio::spawn(async move {
        let held = listener.accept().await;
        tokio::time::sleep(WAIT).await;
        drop(held);
    });
    let result = connect_registrar(address, POOL, &[], &modern(), Duration::from_millis(300)).await;
    holder.abort();
    match result {
        Err(RegistrarError::Timeout { seconds, .. }) => {
            assert!((seconds - 0.3).abs() < 1e-9, "{seconds}");
        }
        other => panic!("expected Timeout, got {other:?}"),
    }
}

#[test]
fn validation_error_text_matches_the_phone_wording() {
    let failure = ValidationFailure::UnknownIssuer {
        issuer: "CN=X".to_owned(),
    };
    let text = format!("{}", RegistrarError::Validation(failure));
    assert_eq!(
        text,
        "cannot validate server certificate: no installed root certificate issued the registrar's chain (issuer: CN=X)"
    );
}

#[test]
fn sha1_algorithm_ids_get_precise_wording() {
    // OID 1.2.840.113549.1.1.5 (sha1WithRSAEncryption) followed by NULL parameters.
    let id = [
        0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x05, 0x05, 0x00,
    ];
    let chain = Chain {
        certs: Vec::new(),
        top_issuer: String::new(),
        partial: None,
    };
    assert_eq!(
        unsupported_signature(&chain, Some(&id), false),
        ValidationFailure::UnsupportedAlgorithm {
            what: SHA1_UNSUPPORTED.to_owned()
        }
    );
    // Firmware that reads SHA-1 only verifies it with RSA: ecdsa-with-SHA1 (1.2.840.10045.4.1)
    // is named as it is.
    let ecdsa_sha1 = [0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x01];
    assert_eq!(
        unsupported_signature(&chain, Some(&ecdsa_sha1), true),
        ValidationFailure::UnsupportedAlgorithm {
            what: "the signature algorithm ecdsa-with-SHA1 (of the SHA-1 algorithms only sha1WithRSAEncryption is verified)".to_owned()
        }
    );
}

#[test]
fn phone_clock_clamps_at_the_epoch() {
    let now = UnixTime::since_unix_epoch(Duration::from_secs(100));
    assert_eq!(phone_clock(now, -1000).as_secs(), 0);
    assert_eq!(phone_clock(now, 50).as_secs(), 150);
    assert_eq!(rfc3339(phone_clock(now, -100)), "1970-01-01T00:00:00Z");
}

#[test]
fn offline_validation_reaches_the_handshake_verdicts() {
    let root = ec_ca("Offline Root");
    let other = ec_ca("Other Root");
    let chain: Vec<Vec<u8>> = leaf(&root).chain.iter().map(|der| der.to_vec()).collect();
    assert_eq!(
        validate_chain(&chain, POOL, std::slice::from_ref(&root.der), &modern()),
        Ok(())
    );
    assert!(matches!(
        validate_chain(&chain, POOL, std::slice::from_ref(&other.der), &modern()),
        Err(ValidationFailure::UnknownIssuer { .. })
    ));
    assert!(matches!(
        validate_chain(
            &chain,
            "other.example.test",
            std::slice::from_ref(&root.der),
            &modern()
        ),
        Err(ValidationFailure::NameMismatch { .. })
    ));
    assert!(matches!(
        validate_chain(&[], POOL, &[root.der], &modern()),
        Err(ValidationFailure::Other(_))
    ));
}

#[test]
fn an_expired_installed_root_fails_with_its_dates_not_unknown_issuer() {
    let key = KeyPair::generate().unwrap();
    let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
    params
        .distinguished_name
        .push(DnType::CommonName, "Old Root");
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params.not_before = rcgen::date_time_ymd(2015, 1, 1);
    params.not_after = rcgen::date_time_ymd(2020, 1, 1);
    let der = params.self_signed(&key).unwrap().der().to_vec();
    let root = TestCa {
        issuer: Issuer::new(params, key),
        der: der.clone(),
    };
    let chain: Vec<Vec<u8>> = leaf(&root).chain.iter().map(|der| der.to_vec()).collect();
    match validate_chain(&chain, POOL, &[der], &modern()) {
        Err(ValidationFailure::RootNotTimeValid {
            subject, not_after, ..
        }) => {
            assert!(subject.contains("Old Root"), "{subject}");
            assert_eq!(not_after, "2020-01-01T00:00:00Z");
        }
        other => panic!("expected RootNotTimeValid, got {other:?}"),
    }
}
