//! The CA certificate downloads: the PKCS #7 chain (.p7b) and single certificates (.cer), base64
//! and binary.

use super::*;

#[tokio::test]
async fn p7b_holds_the_chain_in_order_in_b64_and_bin() {
    let generations = two_generations();
    let (server, http) = start(config(&generations, CertsrvBehaviour::Anonymous), "").await;

    let b64_reply = get(
        http,
        "/certsrv/certnew.p7b?ReqID=CACert&Renewal=-1&Enc=b64",
        &[],
    )
    .await;
    assert_eq!(b64_reply.status, 200);
    assert_eq!(b64_reply.content_type(), "application/x-pkcs7-certificates");
    assert!(b64_reply.body.starts_with(b"-----BEGIN CERTIFICATE-----"));
    let (subjects, certificates) = print_certs(&unarmour(&b64_reply.body));
    assert_eq!(subjects, [ISSUING_CN, POLICY_CN, ROOT_CN]);
    assert_eq!(
        certificates,
        generations[1].all(),
        "renewal -1 = the current chain"
    );

    let bin_reply = get(
        http,
        "/certsrv/certnew.p7b?ReqID=CACert&Renewal=0&Enc=bin",
        &[],
    )
    .await;
    assert_eq!(bin_reply.status, 200);
    assert_eq!(bin_reply.content_type(), "application/x-pkcs7-certificates");
    assert_eq!(bin_reply.body.first(), Some(&0x30), "raw DER");
    assert!(!bin_reply.body.starts_with(b"-----BEGIN"));
    let (subjects, certificates) = print_certs(&bin_reply.body);
    assert_eq!(subjects, [ISSUING_CN, POLICY_CN, ROOT_CN]);
    assert_eq!(
        certificates,
        generations[0].all(),
        "renewal 0 = the original chain"
    );

    // Enc=DER means binary too; Renewal=1 is the current one named explicitly.
    let der_reply = get(
        http,
        "/certsrv/certnew.p7b?ReqID=CACert&Renewal=1&Enc=DER",
        &[],
    )
    .await;
    assert_eq!(print_certs(&der_reply.body).1, generations[1].all());
    stop(server).await;
}

#[tokio::test]
async fn cer_is_one_certificate_in_pem_or_der() {
    let generations = two_generations();
    let (server, http) = start(config(&generations, CertsrvBehaviour::Anonymous), "").await;

    let pem_reply = get(
        http,
        "/certsrv/certnew.cer?ReqID=CACert&Renewal=-1&Enc=b64",
        &[],
    )
    .await;
    assert_eq!(pem_reply.status, 200);
    assert_eq!(pem_reply.content_type(), "application/pkix-cert");
    assert!(pem_reply.body.starts_with(b"-----BEGIN CERTIFICATE-----"));
    assert_eq!(
        x509_subject(&pem_reply.body, "PEM"),
        format!("subject=CN = {ISSUING_CN}")
    );
    assert_eq!(unarmour(&pem_reply.body), generations[1].issuing);

    let current = get(
        http,
        "/certsrv/certnew.cer?ReqID=CACert&Renewal=-1&Enc=bin",
        &[],
    )
    .await;
    let original = get(
        http,
        "/certsrv/certnew.cer?ReqID=CACert&Renewal=0&Enc=bin",
        &[],
    )
    .await;
    assert_eq!(current.content_type(), "application/pkix-cert");
    assert_eq!(
        x509_subject(&current.body, "DER"),
        format!("subject=CN = {ISSUING_CN}")
    );
    assert_eq!(current.body, generations[1].issuing);
    assert_eq!(original.body, generations[0].issuing);
    assert_ne!(current.body, original.body, "Renewal=0 and -1 differ");
    stop(server).await;
}
