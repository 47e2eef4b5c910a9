//! MS-NLMP 4.2.4's NTLMv2 example (User / Domain / Password, server challenge 0123456789abcdef,
//! client challenge aa…aa, time 0, AV pairs Domain / Server), then messages as clients build them.

use super::*;

fn hex(text: &str) -> Vec<u8> {
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&text[i..i + 2], 16).expect("hex"))
        .collect()
}

const SERVER_CHALLENGE: [u8; 8] = [0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef];

/// The spec's `temp`: header, time 0, client challenge, the AV pairs (MsvAvNbDomainName "Domain",
/// MsvAvNbComputerName "Server", EOL), four zero bytes.
fn spec_temp() -> Vec<u8> {
    let mut temp = vec![1, 1, 0, 0, 0, 0, 0, 0];
    temp.extend_from_slice(&[0; 8]);
    temp.extend_from_slice(&[0xaa; 8]);
    temp.extend_from_slice(&[0; 4]);
    temp.extend_from_slice(&hex(
        "02000c0044006f006d00610069006e0001000c005300650072007600650072000000000000000000",
    ));
    temp
}

#[test]
fn the_spec_example_gives_the_spec_keys() {
    let nt = nt_hash("Password");
    assert_eq!(nt.to_vec(), hex("a4f49c406510bdcab6824ee7c30fd852"));
    let key = response_key_nt(&nt, "User", "Domain").expect("key");
    assert_eq!(key.to_vec(), hex("0c868a403bfd7a93a3001ef22ef02e3f"));
    let proof = hmac_md5(&key, &[&SERVER_CHALLENGE, &spec_temp()]).expect("proof");
    assert_eq!(proof.to_vec(), hex("68cd0ab851e51c96aabc927bebef6a1c"));
    let session_base_key = hmac_md5(&key, &[&proof]).expect("key");
    assert_eq!(
        session_base_key.to_vec(),
        hex("8de40ccadbc14a82f15cb0ad0de95ca3")
    );
}

/// A NEGOTIATE as a client sends it (UNICODE, NTLM, extended session security, 128, key exchange).
fn negotiate(flags: u32) -> Vec<u8> {
    let mut message = messages::SIGNATURE.to_vec();
    message.extend_from_slice(&1u32.to_le_bytes());
    message.extend_from_slice(&flags.to_le_bytes());
    message.extend_from_slice(&[0; 16]);
    message
}

/// An AUTHENTICATE as a client builds it from `challenged`: NTLMv2 over `password`, optionally
/// with key exchange and a MIC.
fn authenticate(
    challenged: &Challenged,
    user: &str,
    domain: &str,
    password: &str,
    with_mic: bool,
) -> Vec<u8> {
    let key = response_key_nt(&nt_hash(password), user, domain).expect("key");
    let mut temp = vec![1, 1, 0, 0, 0, 0, 0, 0];
    temp.extend_from_slice(&filetime_now().to_le_bytes());
    temp.extend_from_slice(&[0x5a; 8]);
    temp.extend_from_slice(&[0; 4]);
    if with_mic {
        temp.extend_from_slice(&[6, 0, 4, 0, 2, 0, 0, 0]);
    }
    temp.extend_from_slice(&[0; 4]);
    let proof = hmac_md5(&key, &[&challenged.server_challenge, &temp]).expect("proof");
    let mut nt_response = proof.to_vec();
    nt_response.extend_from_slice(&temp);
    let session_base_key = hmac_md5(&key, &[&proof]).expect("key");
    let exported = [0x11u8; 16];
    let mut encrypted = exported;
    {
        use rc4::{KeyInit, StreamCipher};
        let mut cipher =
            rc4::Rc4::<rc4::consts::U16>::new_from_slice(&session_base_key).expect("rc4");
        cipher.apply_keystream(&mut encrypted);
    }
    let payload: Vec<Vec<u8>> = vec![
        vec![0; 24],
        nt_response,
        utf16le(domain),
        utf16le(user),
        utf16le("WORKSTATION"),
        encrypted.to_vec(),
    ];
    let fixed = 88;
    let mut message = messages::SIGNATURE.to_vec();
    message.extend_from_slice(&3u32.to_le_bytes());
    let mut offset = fixed;
    for field in &payload {
        let length = u16::try_from(field.len()).expect("short");
        message.extend_from_slice(&length.to_le_bytes());
        message.extend_from_slice(&length.to_le_bytes());
        message.extend_from_slice(&u32::try_from(offset).expect("small").to_le_bytes());
        offset += field.len();
    }
    message.extend_from_slice(&challenged.flags.to_le_bytes());
    message.extend_from_slice(&[0; 8]);
    message.extend_from_slice(&[0; 16]);
    for field in &payload {
        message.extend_from_slice(field);
    }
    if with_mic {
        let mic = hmac_md5(
            &exported,
            &[&challenged.negotiate, &challenged.challenge, &message],
        )
        .expect("mic");
        message[72..88].copy_from_slice(&mic);
    }
    message
}

use fuzzing::target;

const CLIENT_FLAGS: u32 = flags::UNICODE
    | flags::NTLM
    | flags::EXTENDED_SESSIONSECURITY
    | flags::NEGOTIATE_128
    | flags::KEY_EXCH
    | flags::REQUEST_TARGET;

#[test]
fn a_right_password_verifies_with_and_without_a_mic_and_a_wrong_one_does_not() {
    for with_mic in [false, true] {
        let (challenged, challenge) =
            Challenged::new(&negotiate(CLIENT_FLAGS), &target(), filetime_now(), false)
                .expect("challenge");
        assert_eq!(&challenge[..8], messages::SIGNATURE);
        assert_eq!(challenge, challenged.challenge_message());
        let token = authenticate(&challenged, "alice", "EXAMPLE", "Secret-1", with_mic);
        let auth = Authenticate::parse(&token).expect("parses");
        assert_eq!(
            (auth.user.as_str(), auth.domain.as_str()),
            ("alice", "EXAMPLE")
        );
        let verified = challenged
            .verify(&token, &auth, &nt_hash("Secret-1"))
            .expect("verifies");
        assert_eq!(verified.session_key, [0x11; 16], "key exchange decrypted");
        assert_eq!(
            challenged.verify(&token, &auth, &nt_hash("Wrong-1")),
            Err(NtlmError::WrongPassword)
        );
        if with_mic {
            let mut tampered = token.clone();
            tampered[72] ^= 1;
            let auth = Authenticate::parse(&tampered).expect("parses");
            assert_eq!(
                challenged.verify(&tampered, &auth, &nt_hash("Secret-1")),
                Err(NtlmError::BadMic)
            );
        }
    }
}

#[test]
fn the_challenge_carries_the_dcs_names_and_answers_the_flags_asked() {
    let (challenged, challenge) = Challenged::new(
        &negotiate(CLIENT_FLAGS | flags::SIGN | flags::SEAL),
        &target(),
        0,
        false,
    )
    .expect("challenge");
    let granted = u32::from_le_bytes([challenge[20], challenge[21], challenge[22], challenge[23]]);
    assert_eq!(granted, challenged.flags);
    assert_ne!(granted & flags::UNICODE, 0);
    assert_ne!(granted & flags::KEY_EXCH, 0);
    assert_eq!(
        granted & (flags::SIGN | flags::SEAL),
        0,
        "no security layer offered"
    );
    let as_text = String::from_utf16_lossy(
        &challenge
            .chunks_exact(2)
            .map(|pair| u16::from_le_bytes([pair[0], pair[1]]))
            .collect::<Vec<_>>(),
    );
    let shifted = String::from_utf16_lossy(
        &challenge[1..]
            .chunks_exact(2)
            .map(|pair| u16::from_le_bytes([pair[0], pair[1]]))
            .collect::<Vec<_>>(),
    );
    let both = format!("{as_text}{shifted}");
    for name in ["EXAMPLE", "DC1", "example.test", "dc1.example.test"] {
        assert!(both.contains(name), "{name} not in the CHALLENGE");
    }
}

#[test]
fn garbage_tokens_are_errors_not_panics() {
    let cases: Vec<Vec<u8>> = vec![
        vec![],
        b"NTLMSSP".to_vec(),
        b"NTLMSSP\0\x01".to_vec(),
        b"GARBAGE\0\x01\0\0\0".to_vec(),
        negotiate(0)[..10].to_vec(),
        {
            let mut wrong = negotiate(0);
            wrong[8] = 3;
            wrong
        },
        vec![0xff; 200],
    ];
    for case in &cases {
        assert!(
            Negotiate::parse(case).is_err() || case.len() >= 16,
            "{case:?}"
        );
        assert!(Authenticate::parse(case).is_err(), "{case:?}");
    }
    // An AUTHENTICATE whose fields point outside it.
    let mut outside = messages::SIGNATURE.to_vec();
    outside.extend_from_slice(&3u32.to_le_bytes());
    outside.extend_from_slice(&[0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f]);
    outside.resize(88, 0);
    assert!(Authenticate::parse(&outside).is_err());
    // NTLMv1 (24-byte responses) and anonymous logons are refused.
    let (challenged, _) =
        Challenged::new(&negotiate(CLIENT_FLAGS), &target(), 0, false).expect("challenge");
    let mut v1 = authenticate(&challenged, "alice", "EXAMPLE", "Secret-1", false);
    let mut auth = Authenticate::parse(&v1).expect("parses");
    auth.nt_response.truncate(24);
    assert_eq!(
        challenged.verify(&v1, &auth, &nt_hash("Secret-1")),
        Err(NtlmError::NotNtlmV2)
    );
    auth.nt_response.clear();
    auth.user.clear();
    assert_eq!(
        challenged.verify(&v1, &auth, &nt_hash("")),
        Err(NtlmError::Anonymous)
    );
    v1.truncate(60);
    assert!(Authenticate::parse(&v1).is_err());
}

#[test]
fn channel_bindings_are_read_from_the_response_and_computed_for_a_certificate() {
    // The value impacket and ldap3 compute: MD5 over 16 zero bytes, the length, and
    // "tls-server-end-point:" + SHA-256(certificate).
    let certificate = b"not really DER, the hash is all that matters";
    let expected = tls_server_end_point(certificate);
    let mut manual = vec![0u8; 16];
    let mut application = b"tls-server-end-point:".to_vec();
    application.extend_from_slice(&<sha2::Sha256 as Digest>::digest(certificate));
    manual.extend_from_slice(&(application.len() as u32).to_le_bytes());
    manual.extend_from_slice(&application);
    assert_eq!(expected, <[u8; 16]>::from(md5::Md5::digest(&manual)));

    let (challenged, _) =
        Challenged::new(&negotiate(CLIENT_FLAGS), &target(), 0, false).expect("challenge");
    let token = authenticate(&challenged, "alice", "EXAMPLE", "Secret-1", false);
    let mut auth = Authenticate::parse(&token).expect("parses");
    assert_eq!(channel_bindings(&auth), None);
    // Append MsvAvChannelBindings before the EOL in the client challenge's AV pairs.
    let eol = auth.nt_response.len() - 4;
    let mut pair = vec![10, 0, 16, 0];
    pair.extend_from_slice(&expected);
    auth.nt_response.splice(eol..eol, pair);
    assert_eq!(channel_bindings(&auth), Some(expected));
}

/// Every parser and the session layer take hostile bytes without panicking: random tokens,
/// and real messages cut short or with random bytes flipped (a deterministic generator, so a
/// failure repeats). The fuzz targets of issue #12 go further.
#[test]
fn malformed_tokens_are_errors_never_panics() {
    let mut state = 0x2545_f491_4f6c_dd1du64;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let client = client::Client::new("alice", "EXAMPLE", "Secret-1", client::DEFAULT_FLAGS);
    let (_, challenge) =
        Challenged::new(client.negotiate(), &target(), 0, true).expect("challenge");
    let authenticate = client
        .authenticate(&challenge, None)
        .expect("authenticate")
        .message;
    let init = spnego::client_init(client.negotiate()).expect("init");
    let seeds = [client.negotiate().to_vec(), challenge, authenticate, init];
    for round in 0..4000 {
        let seed = &seeds[round % seeds.len()];
        let mut token = seed.clone();
        match next() % 3 {
            0 => token.truncate(usize::try_from(next()).unwrap_or(0) % (seed.len() + 1)),
            1 => {
                for _ in 0..1 + next() % 8 {
                    let at = usize::try_from(next()).unwrap_or(0) % token.len().max(1);
                    if let Some(byte) = token.get_mut(at) {
                        *byte = (next() & 0xff) as u8;
                    }
                }
            }
            _ => {
                token = (0..next() % 300).map(|_| (next() & 0xff) as u8).collect();
            }
        }
        fuzzing::token(&token);
    }
}
