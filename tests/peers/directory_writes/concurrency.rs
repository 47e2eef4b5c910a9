//! Concurrency: many writers and readers on one object never see a torn entry.

use super::*;

const WRITERS: usize = 4;
const READERS: usize = 4;
const ROUNDS: usize = 25;
const SET_SIZE: usize = 4;

/// The set writer `w` writes in round `r`: SET_SIZE distinct values of different lengths, all
/// tagged with (w, r), so any mix of two sets is recognisable.
fn written_set(w: usize, r: usize) -> BTreeSet<Vec<u8>> {
    (0..SET_SIZE)
        .map(|k| format!("w{w}-r{r}-v{k}-{}", "x".repeat(k * 7 + w)).into_bytes())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_writers_and_readers_never_see_a_torn_entry() {
    let (ldif, seed_der) = seed();
    let server = start(&ldif).await;
    let dn = seed_ca_dn();

    let mut valid: HashSet<BTreeSet<Vec<u8>>> = HashSet::new();
    valid.insert(BTreeSet::from([seed_der.clone()]));
    for w in 0..WRITERS {
        for r in 0..ROUNDS {
            valid.insert(written_set(w, r));
        }
    }
    let valid = Arc::new(valid);
    let usn_before = highest_usn(&server).await;

    let done = Arc::new(AtomicBool::new(false));
    let reads = Arc::new(AtomicUsize::new(0));
    let mut readers = Vec::new();
    for _ in 0..READERS {
        let mut ldap = server.admin().await;
        let (dn, done, reads, valid) = (dn.clone(), done.clone(), reads.clone(), valid.clone());
        readers.push(tokio::spawn(async move {
            // Read at least a few times even if the writers are quick.
            let mut mine = 0usize;
            while !done.load(Ordering::SeqCst) || mine < 5 {
                let (entries, _) = ldap
                    .search(
                        &dn,
                        Scope::Base,
                        "(objectClass=*)",
                        vec!["cACertificate", "cn"],
                    )
                    .await
                    .expect("search I/O")
                    .success()
                    .expect("search succeeds");
                assert_eq!(entries.len(), 1, "the CA is always there");
                let entry = ldap3::SearchEntry::construct(entries.into_iter().next().unwrap());
                let seen: BTreeSet<Vec<u8>> = values(&entry, "cACertificate").into_iter().collect();
                assert!(
                    valid.contains(&seen),
                    "a reader saw a set nobody wrote (torn write): {:?}",
                    seen.iter()
                        .map(|v| String::from_utf8_lossy(v).into_owned())
                        .collect::<Vec<_>>()
                );
                assert_eq!(text_values(&entry, "cn"), vec![SEED_CA.to_string()]);
                mine += 1;
                reads.fetch_add(1, Ordering::SeqCst);
            }
            ldap.unbind().await.ok();
        }));
    }
    let mut writers = Vec::new();
    for w in 0..WRITERS {
        let mut ldap = server.admin().await;
        let dn = dn.clone();
        writers.push(tokio::spawn(async move {
            for r in 0..ROUNDS {
                let set: HashSet<Vec<u8>> = written_set(w, r).into_iter().collect();
                let res = ldap
                    .modify(&dn, vec![Mod::Replace(b"cACertificate".to_vec(), set)])
                    .await
                    .expect("modify I/O");
                assert_eq!(res.rc, 0, "writer {w} round {r}: {res}");
            }
            ldap.unbind().await.ok();
        }));
    }

    let all = async {
        for writer in writers {
            writer.await.expect("writer task");
        }
        done.store(true, Ordering::SeqCst);
        for reader in readers {
            reader.await.expect("reader task");
        }
    };
    tokio::time::timeout(Duration::from_secs(120), all)
        .await
        .expect("writers and readers finish within 120 s");
    assert!(reads.load(Ordering::SeqCst) >= READERS * 5);

    // The final state is one of the last sets written, read back with an independent client.
    let final_set: BTreeSet<Vec<u8>> = certificates(&server, &dn).await.into_iter().collect();
    assert!(
        (0..WRITERS).any(|w| final_set == written_set(w, ROUNDS - 1)),
        "the final value is some writer's last set: {final_set:?}"
    );
    // Every acknowledged modify committed exactly once.
    let usn_after = highest_usn(&server).await;
    assert!(
        usn_after >= usn_before + (WRITERS * ROUNDS) as u64,
        "highestCommittedUSN moved from {usn_before} to {usn_after} over {} modifies",
        WRITERS * ROUNDS
    );
    let entry = must_read(&server, &dn, &["uSNChanged"]).await;
    assert!(usn_after >= number(&entry, "uSNChanged"));

    server.stop().await;
}
