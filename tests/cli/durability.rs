//! `serve --data DIR`: acknowledged writes survive `kill -9`, and a restart serves the same tree.
//! The server runs as a real process; the writes come over LDAP from the ldap3 crate.

use e2e::*;
use ldap3::{Mod, Scope, SearchEntry};
use std::collections::HashSet;

fn user_attributes(name: &str) -> Vec<(String, HashSet<String>)> {
    vec![
        (
            "objectClass".to_string(),
            HashSet::from(["user".to_string()]),
        ),
        (
            "sAMAccountName".to_string(),
            HashSet::from([name.to_string()]),
        ),
    ]
}

async fn kill_hard(server: &CliServer) {
    let pid = server.child.id().expect("server pid");
    let status = tokio::process::Command::new("kill")
        .args(["-9", &pid.to_string()])
        .status()
        .await
        .expect("kill");
    assert!(status.success());
}

async fn user_names(server: &CliServer) -> HashSet<String> {
    let mut ldap = connect(server.addr).await;
    ldap.simple_bind(ADMIN_DN, ADMIN_PASSWORD)
        .await
        .expect("bind")
        .success()
        .expect("bind ok");
    let mut stream = ldap
        .streaming_search(
            USERS_DN,
            Scope::OneLevel,
            "(sAMAccountName=durable*)",
            vec!["sAMAccountName", "description"],
        )
        .await
        .expect("search");
    let mut names = HashSet::new();
    while let Some(entry) = stream.next().await.expect("entry") {
        if entry.is_ref() {
            continue;
        }
        let entry = SearchEntry::construct(entry);
        let description = entry
            .attrs
            .get("description")
            .and_then(|values| values.first().cloned())
            .unwrap_or_default();
        names.insert(format!(
            "{}{}",
            entry.dn,
            if description.is_empty() {
                String::new()
            } else {
                format!(" [{description}]")
            }
        ));
    }
    stream.finish().await;
    names
}

#[tokio::test]
async fn acknowledged_writes_survive_kill_9_and_a_restart() {
    let data = tempfile::tempdir().expect("tempdir");
    let data_dir = data.path().to_str().expect("utf-8").to_string();
    let server = CliServer::spawn(&["--data", &data_dir]).await;
    let mut ldap = connect(server.addr).await;
    ldap.simple_bind(ADMIN_DN, ADMIN_PASSWORD)
        .await
        .expect("bind")
        .success()
        .expect("bind ok");

    // A modify and a delete that were acknowledged before the stream.
    ldap.add(&user_dn("durable-kept"), user_attributes("durable-kept"))
        .await
        .expect("add")
        .success()
        .expect("add ok");
    ldap.modify(
        &user_dn("durable-kept"),
        vec![Mod::Replace("description", HashSet::from(["changed"]))],
    )
    .await
    .expect("modify")
    .success()
    .expect("modify ok");
    ldap.add(&user_dn("durable-gone"), user_attributes("durable-gone"))
        .await
        .expect("add")
        .success()
        .expect("add ok");
    ldap.delete(&user_dn("durable-gone"))
        .await
        .expect("delete")
        .success()
        .expect("delete ok");

    // A stream of adds; the server is killed with SIGKILL in the middle of it.
    let mut acknowledged = vec![user_dn("durable-kept") + " [changed]"];
    let mut killed = false;
    for index in 0..2_000 {
        let name = format!("durable{index}");
        if index == 150 {
            kill_hard(&server).await;
            killed = true;
        }
        match ldap.add(&user_dn(&name), user_attributes(&name)).await {
            Ok(result) if result.rc == 0 => acknowledged.push(user_dn(&name)),
            _ => break,
        }
    }
    assert!(killed, "the server was not killed mid-stream");
    assert!(
        acknowledged.len() >= 151,
        "only {} writes were acknowledged before the kill",
        acknowledged.len()
    );

    let restarted = CliServer::spawn(&["--data", &data_dir]).await;
    let names = user_names(&restarted).await;
    for dn in &acknowledged {
        assert!(
            names.contains(dn),
            "acknowledged write lost after kill -9: {dn}"
        );
    }
    assert!(
        !names
            .iter()
            .any(|dn| dn.starts_with(&user_dn("durable-gone"))),
        "a deleted object came back"
    );
    assert!(
        names.len() <= acknowledged.len() + 1,
        "more objects than writes: {}",
        names.len()
    );
}

#[tokio::test]
async fn a_restart_serves_the_same_tree() {
    let data = tempfile::tempdir().expect("tempdir");
    let data_dir = data.path().to_str().expect("utf-8").to_string();
    let first = CliServer::spawn(&["--data", &data_dir]).await;
    let mut ldap = connect(first.addr).await;
    ldap.simple_bind(ADMIN_DN, ADMIN_PASSWORD)
        .await
        .expect("bind")
        .success()
        .expect("bind ok");
    ldap.add(
        &user_dn("durable-renamed"),
        user_attributes("durable-renamed"),
    )
    .await
    .expect("add")
    .success()
    .expect("add ok");
    ldap.modifydn(&user_dn("durable-renamed"), "CN=durable-moved", true, None)
        .await
        .expect("moddn")
        .success()
        .expect("moddn ok");
    let names_before = user_names(&first).await;
    kill_hard(&first).await;
    let second = CliServer::spawn(&["--data", &data_dir]).await;
    assert_eq!(user_names(&second).await, names_before);
    assert!(
        names_before.contains(&user_dn("durable-moved")),
        "{names_before:?}"
    );
}
