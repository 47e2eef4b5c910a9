//! The phone's side of a scenario as acts change it: settings merged into the profile, changes
//! that persist into later acts, and the user a world without users gets.

use crate::spec::{PhoneSpec, Scenario};

/// An act's phone changes applied to the phone as it was (they persist into later acts).
pub fn apply_phone_change(phone: &mut PhoneSpec, change: &PhoneSpec) {
    if change.profile.is_some() {
        phone.profile = change.profile.clone();
        phone.settings = None;
    }
    if let Some(settings) = &change.settings {
        let merged = phone.settings.get_or_insert_with(toml::Table::new);
        merge(merged, settings);
    }
    for (slot, value) in [
        (&mut phone.user, &change.user),
        (&mut phone.password, &change.password),
        (&mut phone.dhcp_domain, &change.dhcp_domain),
        (&mut phone.dhcp_option_43, &change.dhcp_option_43),
        (&mut phone.dhcp_option_120, &change.dhcp_option_120),
        (&mut phone.pin, &change.pin),
        (&mut phone.registrar, &change.registrar),
    ] {
        if value.is_some() {
            *slot = value.clone();
        }
    }
    if change.dhcp_search.is_some() {
        phone.dhcp_search = change.dhcp_search.clone();
    }
}

/// Recursive table merge: `over` wins, sub-tables merge.
pub(super) fn merge(base: &mut toml::Table, over: &toml::Table) {
    for (key, value) in over {
        match (base.get_mut(key), value) {
            (Some(toml::Value::Table(inner)), toml::Value::Table(over_inner)) => {
                merge(inner, over_inner)
            }
            _ => {
                base.insert(key.clone(), value.clone());
            }
        }
    }
}

/// A world without users gets alice, so the phone has someone to sign in as.
pub fn with_default_user(scenario: &mut Scenario) {
    if scenario.users.is_empty() {
        scenario.users.push(crate::spec::UserSpec {
            name: "alice".into(),
            password: crate::spec::default_password(),
            state: Default::default(),
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn profile_settings_merge_into_nested_tables() {
        let mut base: toml::Table =
            toml::from_str("retries = 2\n[timeouts]\nhttp_ms = 10000\nldap_ms = 10000\n").unwrap();
        let over: toml::Table =
            toml::from_str("retries = 0\ntimeouts = { http_ms = 1500 }\n").unwrap();
        merge(&mut base, &over);
        assert_eq!(base["retries"].as_integer(), Some(0));
        assert_eq!(base["timeouts"]["http_ms"].as_integer(), Some(1500));
        assert_eq!(base["timeouts"]["ldap_ms"].as_integer(), Some(10000));
    }
}
