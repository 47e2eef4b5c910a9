//! Simple-bind authentication as AD does it: by DN, UPN or `DOMAIN\user`; account state checks
//! with AD's data codes; failures never say which part was wrong beyond the code AD gives.

use crate::acl::Principal;
use crate::ad_text::{self, LogonFailure};
use crate::directory::Directory;
use crate::dn::Dn;
use crate::entry::EntryId;
use crate::error::{OpError, ResultCode};
use crate::forest::{Forest, ADMIN_GROUPS};
use crate::password;
use crate::schema::parse_integer;

/// `userAccountControl` ACCOUNTDISABLE.
const ACCOUNT_DISABLED: i128 = 0x2;
/// accountExpires values meaning "never".
const NEVER: [i128; 2] = [0, 0x7FFF_FFFF_FFFF_FFFF];

/// Authenticates a simple bind. An empty password is an unauthenticated (anonymous) bind, as in AD.
pub fn simple_bind(
    dir: &Directory,
    forest: &Forest,
    name: &str,
    password: &[u8],
) -> Result<Principal, OpError> {
    if password.is_empty() {
        return Ok(Principal::Anonymous);
    }
    logon(dir, forest, name, |id| password_matches(dir, id, password))
}

/// The account `name` denotes, with AD's checks in AD's order: it exists, it is not locked out,
/// `proves` (the credential check: a password, an NTLM response) holds, it is enabled, not
/// expired, and needs no password reset. Every failure is 49 with AD's data code.
pub fn logon(
    dir: &Directory,
    forest: &Forest,
    name: &str,
    proves: impl FnOnce(EntryId) -> bool,
) -> Result<Principal, OpError> {
    let fail = |failure| {
        OpError::new(
            ResultCode::InvalidCredentials,
            ad_text::invalid_credentials(failure),
        )
    };
    let id =
        resolve_account(dir, forest, name).ok_or_else(|| fail(LogonFailure::BadCredentials))?;
    let integer = |attribute: &str| -> Option<i128> {
        let id_attr = dir.schema().attribute_id(attribute)?;
        dir.first_value(id, id_attr)
            .and_then(|value| parse_integer(&value))
    };
    // AD reports a lockout before it looks at the password.
    if integer("lockoutTime").is_some_and(|time| time > 0) {
        return Err(fail(LogonFailure::AccountLockedOut));
    }
    if !proves(id) {
        return Err(fail(LogonFailure::BadCredentials));
    }
    if integer("userAccountControl").is_some_and(|flags| flags & ACCOUNT_DISABLED != 0) {
        return Err(fail(LogonFailure::AccountDisabled));
    }
    if let Some(expires) = integer("accountExpires") {
        if !NEVER.contains(&expires) && expires < now_filetime() {
            return Err(fail(LogonFailure::AccountExpired));
        }
    }
    if integer("pwdLastSet") == Some(0) {
        return Err(fail(LogonFailure::MustResetPassword));
    }
    let dn = dir.dn_string(id);
    let admin = is_admin(dir, id);
    let sam = dir
        .schema()
        .attribute_id("sAMAccountName")
        .and_then(|attribute| {
            dir.first_value(id, attribute)
                .map(|value| String::from_utf8_lossy(&value).into_owned())
        })
        .unwrap_or_else(|| {
            dir.entry(id)
                .and_then(|entry| entry.name.rdn().map(|rdn| rdn.value().to_string()))
                .unwrap_or_default()
        });
    let account = format!("{}\\{sam}", forest.netbios);
    Ok(Principal::User { dn, account, admin })
}

/// Finds the account a bind name denotes: a DN, `user@dns.domain` (UPN, or sAMAccountName at the
/// domain's DNS name), `DOMAIN\user`, or a bare sAMAccountName.
pub fn resolve_account(dir: &Directory, forest: &Forest, name: &str) -> Option<EntryId> {
    let name = name.trim();
    if name.contains('=') {
        return Dn::parse(name).ok().and_then(|dn| dir.find(&dn));
    }
    if let Some((user, domain)) = name.rsplit_once('@') {
        if let Some(id) = find_by(dir, "userPrincipalName", name) {
            return Some(id);
        }
        return domain
            .eq_ignore_ascii_case(&forest.domain)
            .then(|| find_by(dir, "sAMAccountName", user))
            .flatten();
    }
    if let Some((domain, user)) = name.split_once('\\') {
        let matches_domain = domain.eq_ignore_ascii_case(&forest.netbios)
            || domain.eq_ignore_ascii_case(&forest.domain);
        return matches_domain
            .then(|| find_by(dir, "sAMAccountName", user))
            .flatten();
    }
    find_by(dir, "sAMAccountName", name)
}

fn find_by(dir: &Directory, attribute: &str, value: &str) -> Option<EntryId> {
    let id = dir.schema().attribute_id(attribute)?;
    let key = dir
        .schema()
        .attribute(id)
        .syntax
        .normalize(value.as_bytes());
    let candidates = dir.indexed(id, &key)?;
    // An ambiguous name authenticates nobody.
    (candidates.len() == 1).then(|| candidates[0])
}

fn password_matches(dir: &Directory, id: EntryId, offered: &[u8]) -> bool {
    let schema = dir.schema();
    let mut matched = false;
    if let Some(attribute) = schema.attribute_id("unicodePwd") {
        matched |= dir
            .values(id, attribute)
            .iter()
            .any(|stored| password::verify_unicode_pwd(stored, offered));
    }
    if let Some(attribute) = schema.attribute_id("userPassword") {
        matched |= dir
            .values(id, attribute)
            .iter()
            .any(|stored| password::verify_user_password(stored, offered));
    }
    matched
}

/// An NTLM logon of `domain\user` (just `user` without a domain): the account checks of
/// [`logon`], the credential being whether `proves` accepts the NT hash of one of the account's
/// stored passwords (the NTLM response recomputed from it).
pub fn ntlm_logon(
    dir: &Directory,
    forest: &Forest,
    user: &str,
    domain: &str,
    mut proves: impl FnMut(&[u8; 16]) -> bool,
) -> Result<Principal, OpError> {
    let name = if domain.is_empty() {
        user.to_string()
    } else {
        format!("{domain}\\{user}")
    };
    logon(dir, forest, &name, |id| {
        stored_nt_hashes(dir, id).iter().any(&mut proves)
    })
}

/// The NT hashes an account's stored passwords give (NTLM proves knowledge of one); see
/// [`password::stored_nt_hash`].
fn stored_nt_hashes(dir: &Directory, id: EntryId) -> Vec<[u8; 16]> {
    let schema = dir.schema();
    let mut found = Vec::new();
    for (name, unicode) in [("unicodePwd", true), ("userPassword", false)] {
        if let Some(attribute) = schema.attribute_id(name) {
            found.extend(
                dir.values(id, attribute)
                    .iter()
                    .filter_map(|stored| password::stored_nt_hash(stored, unicode)),
            );
        }
    }
    found
}

/// Member of Enterprise Admins, Domain Admins or Administrators (directly).
fn is_admin(dir: &Directory, user: EntryId) -> bool {
    let schema = dir.schema();
    let (Some(cn), Some(member)) = (schema.attribute_id("cn"), schema.attribute_id("member"))
    else {
        return false;
    };
    // The user's DN as a member value normalises (DN syntax).
    let user_key = dir.dn_key(user).into_bytes();
    // The groups that list the user (member is indexed): most users are in no admin group, and
    // one lookup says so.
    if let Some(groups) = dir.indexed(member, &user_key) {
        return groups.into_iter().any(|group_id| {
            ADMIN_GROUPS.iter().any(|group| {
                let key = schema.attribute(cn).syntax.normalize(group.as_bytes());
                dir.has_value(group_id, cn, &key)
            })
        });
    }
    ADMIN_GROUPS.iter().any(|group| {
        let key = schema.attribute(cn).syntax.normalize(group.as_bytes());
        dir.indexed(cn, &key)
            .unwrap_or_default()
            .into_iter()
            .any(|group_id| dir.has_value(group_id, member, &user_key))
    })
}

/// Now as a Windows FILETIME (100 ns ticks since 1601), the unit of accountExpires.
fn now_filetime() -> i128 {
    let unix = time::OffsetDateTime::now_utc().unix_timestamp() as i128;
    (unix + 11_644_473_600) * 10_000_000
}
