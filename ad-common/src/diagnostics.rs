//! Active Directory's diagnostic messages, word for word.
//!
//! Clients and people grep for these (`data 52e`, `000004DC`, `best match of:`), so they follow the
//! strings captured from real domain controllers in `shared/domain.md` §B.8. The DSID part varies by
//! build on real servers; we use the ones seen in the field. The trailing `v4563` names Windows Server
//! 2019's build (17763 = 0x4563).

/// The build marker AD appends to LdapErr texts.
const VERSION: &str = "v4563";

/// Any operation but bind and rootDSE reads on an unauthenticated connection (result 1).
pub fn bind_required() -> String {
    format!("000004DC: LdapErr: DSID-0C090A5C, comment: In order to perform this operation a successful bind must be completed on the connection., data 0, {VERSION}")
}

/// AD's sub-codes inside an invalidCredentials (49) message (`…, data 52e, v4563`): the server
/// writes them, the phone and `adpki` read them back and explain them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LogonFailure {
    /// 525: user not found (AD itself answers 52e for unknown users; some tools print 525).
    UserNotFound,
    /// 52e: unknown user or wrong password.
    BadCredentials,
    /// 530: not permitted to log on at this time.
    LogonHours,
    /// 531: not permitted to log on at this workstation.
    Workstation,
    /// 532: password expired.
    PasswordExpired,
    /// 533: account disabled.
    AccountDisabled,
    /// 701: account expired.
    AccountExpired,
    /// 773: user must reset password (pwdLastSet = 0).
    MustResetPassword,
    /// 775: account locked out.
    AccountLockedOut,
}

impl LogonFailure {
    /// Every data code, in AD's numeric order.
    pub const ALL: [LogonFailure; 9] = [
        LogonFailure::UserNotFound,
        LogonFailure::BadCredentials,
        LogonFailure::LogonHours,
        LogonFailure::Workstation,
        LogonFailure::PasswordExpired,
        LogonFailure::AccountDisabled,
        LogonFailure::AccountExpired,
        LogonFailure::MustResetPassword,
        LogonFailure::AccountLockedOut,
    ];

    /// The hex `data` code as AD prints it.
    pub fn data_code(self) -> &'static str {
        match self {
            LogonFailure::UserNotFound => "525",
            LogonFailure::BadCredentials => "52e",
            LogonFailure::LogonHours => "530",
            LogonFailure::Workstation => "531",
            LogonFailure::PasswordExpired => "532",
            LogonFailure::AccountDisabled => "533",
            LogonFailure::AccountExpired => "701",
            LogonFailure::MustResetPassword => "773",
            LogonFailure::AccountLockedOut => "775",
        }
    }

    /// What the code means, in the words administrators search for.
    pub fn meaning(self) -> &'static str {
        match self {
            LogonFailure::UserNotFound => "user not found",
            LogonFailure::BadCredentials => "bad user name or password",
            LogonFailure::LogonHours => "not permitted to log on at this time",
            LogonFailure::Workstation => "not permitted to log on at this workstation",
            LogonFailure::PasswordExpired => "password expired",
            LogonFailure::AccountDisabled => "account disabled",
            LogonFailure::AccountExpired => "account expired",
            LogonFailure::MustResetPassword => "user must reset password",
            LogonFailure::AccountLockedOut => "account locked out",
        }
    }

    /// The failure a data code names (`52e`, case-insensitive).
    pub fn from_data_code(code: &str) -> Option<LogonFailure> {
        LogonFailure::ALL
            .into_iter()
            .find(|failure| failure.data_code().eq_ignore_ascii_case(code))
    }

    /// The failure named by the `data XYZ` part of a diagnostic text, as a real DC, Samba or
    /// this project's server writes it.
    pub fn in_diagnostic(text: &str) -> Option<LogonFailure> {
        let code = text
            .split("data ")
            .nth(1)?
            .split(|c: char| c == ',' || c.is_whitespace())
            .next()?;
        LogonFailure::from_data_code(code)
    }
}

impl serde::Serialize for LogonFailure {
    /// As the data code (`"52e"`), which is what scripts and scenario files name.
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.data_code())
    }
}

impl<'de> serde::Deserialize<'de> for LogonFailure {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let code = String::deserialize(deserializer)?;
        LogonFailure::from_data_code(&code).ok_or_else(|| {
            serde::de::Error::custom(format!(
                "unknown AD data code {code:?} (known: {})",
                LogonFailure::ALL.map(LogonFailure::data_code).join(", ")
            ))
        })
    }
}

/// A failed simple bind (result 49).
pub fn invalid_credentials(failure: LogonFailure) -> String {
    format!(
        "80090308: LdapErr: DSID-0C09044E, comment: AcceptSecurityContext error, data {}, {VERSION}",
        failure.data_code()
    )
}

/// A missing object (result 32); `best_match` is the deepest existing ancestor.
pub fn no_such_object(best_match: &str) -> String {
    format!("0000208D: NameErr: DSID-0310020A, problem 2001 (NO_OBJECT), data 0, best match of:\n\t'{best_match}'\n")
}

/// Adding below a parent that does not exist (result 32).
pub fn no_parent(best_match: &str) -> String {
    format!("00002030: NameErr: DSID-0310020A, problem 2001 (NO_OBJECT), data 0, best match of:\n\t'{best_match}'\n")
}

/// A base DN in no naming context this DC holds (result 10).
pub fn referral(dns_domain: &str) -> String {
    format!("0000202B: RefErr: DSID-0310084A, data 0, 1 access points\n\tref 1: '{dns_domain}'\n")
}

/// A write the caller has no right to make (result 50): AD's SecErr text, then the object
/// named the way Samba words it, so either form a script looks for is there.
pub fn insufficient_access(dn: &str) -> String {
    format!("00002098: SecErr: DSID-03150F93, problem 4003 (INSUFF_ACCESS_RIGHTS), data 0, Object '{dn}' has no write property access\n")
}

/// An operation AD refuses outright, such as modifying the rootDSE (result 53).
pub fn will_not_perform(comment: &str) -> String {
    format!("000020EF: SvcErr: DSID-03380624, problem 5003 (WILL_NOT_PERFORM), data 0, {comment}\n")
}

/// A mandatory attribute missing or an attribute the class does not allow (result 65).
pub fn object_class_violation(detail: &str) -> String {
    format!(
        "00002014: UpdErr: DSID-030F0AA0, problem 6002 (OBJ_CLASS_VIOLATION), data 0, {detail}\n"
    )
}

/// A class that may not live under the parent's class (result 64).
pub fn illegal_superior(detail: &str) -> String {
    format!("00002037: NameErr: DSID-0305109C, problem 2005 (NAMING_VIOLATION), data 0, {detail}\n")
}

/// An RDN that disagrees with the naming attribute (result 64).
pub fn naming_violation(detail: &str) -> String {
    format!("00002073: NameErr: DSID-0305109C, problem 2005 (NAMING_VIOLATION), data 0, {detail}\n")
}

/// Adding an object that exists (result 68).
pub fn entry_exists() -> String {
    "00002071: UpdErr: DSID-031B0DE4, problem 6005 (ENTRY_EXISTS), data 0\n".to_string()
}

/// An attribute the schema does not define (result 16, as Samba and AD answer on add).
pub fn no_such_attribute(name: &str) -> String {
    format!("0000200A: AtrErr: DSID-03153943, #1:\n\t0: 0000200A: DSID-03153943, problem 1001 (NO_ATTRIBUTE_OR_VAL), data 0, Att 0 ({name})\n")
}

/// A second value for a single-valued attribute (result 19).
pub fn single_value_violation(name: &str) -> String {
    format!("0000202F: AtrErr: DSID-03151945, #1:\n\t0: 0000202F: DSID-03151945, problem 1005 (CONSTRAINT_ATT_TYPE), data 0, Att 0 ({name})\n")
}

/// A value the attribute's syntax rejects, e.g. an empty value (result 21).
pub fn invalid_syntax(name: &str) -> String {
    format!("00000057: LdapErr: DSID-0C090D8A, comment: Error in attribute conversion operation, data 0, {VERSION} ({name})")
}

/// A critical control the server does not implement (result 12).
pub fn unavailable_critical_extension(oid: &str) -> String {
    format!("00000057: LdapErr: DSID-0C090A5D, comment: Error processing control, data 0, {VERSION} (control {oid})")
}

/// A delete of an object that still has children (result 66).
pub fn not_allowed_on_non_leaf() -> String {
    "0000208C: UpdErr: DSID-030F1AAA, problem 6003 (CANT_ON_NON_LEAF), data 0\n".to_string()
}

/// A simple bind without TLS on a DC that requires signing (result 8; LDAPServerIntegrity = 2,
/// the default of new Windows Server 2025 forests). Real DCs end the text with a NUL byte.
pub fn signing_required() -> String {
    format!("00002028: LdapErr: DSID-0C090259, comment: The server requires binds to turn on integrity checking if SSL\\TLS are not already active on the connection, data 0, {VERSION}\0")
}

/// An NTLM logon over TLS whose channel binding is missing or wrong where the DC requires it
/// (result 49; LdapEnforceChannelBinding).
pub fn channel_binding_failed() -> String {
    format!("80090346: LdapErr: DSID-0C09056D, comment: AcceptSecurityContext error, data 80090346, {VERSION}")
}

/// An NTLM bind that negotiated signing or sealing on a connection that already has TLS
/// (result 53): AD allows no SASL security layer under TLS (MS-ADTS 5.1.2.1). The comment is
/// AD's (quoted by clients that hit it, e.g. go-ldap Kerberos-over-LDAPS code); the numeric
/// prefix and DSID are UNCERTAIN.
pub fn sign_seal_over_tls() -> String {
    format!("00002029: LdapErr: DSID-0C0904B1, comment: Cannot bind using sign/seal on a connection on which TLS or SSL is in effect, data 0, {VERSION}")
}

/// A SPNEGO mechListMIC that does not verify (result 49; SEC_E_MESSAGE_ALTERED in
/// AcceptSecurityContext's format; DSID UNCERTAIN).
pub fn message_altered() -> String {
    format!("8009030F: LdapErr: DSID-0C09056D, comment: AcceptSecurityContext error, data 8009030f, {VERSION}")
}

/// StartTLS on a DC without a certificate (result 52).
pub fn tls_unavailable() -> String {
    format!(
        "00000000: LdapErr: DSID-0C09102C, comment: Error initializing SSL/TLS, data 0, {VERSION}"
    )
}

/// StartTLS on a connection that already has TLS (result 1, RFC 4511 §4.14.2). UNCERTAIN: AD's
/// exact text is not documented; the comment is RFC 4511's reason in AD's format.
pub fn tls_already_active() -> String {
    format!("00000000: LdapErr: DSID-0C09102C, comment: TLS is already in effect on the connection, data 0, {VERSION}")
}

/// StartTLS sent while other requests were still coming (result 1, RFC 4511 §4.14.1). UNCERTAIN
/// like [`tls_already_active`].
pub fn tls_with_operations_outstanding() -> String {
    format!("00000000: LdapErr: DSID-0C09102C, comment: StartTLS must be the only outstanding operation, data 0, {VERSION}")
}

/// A control whose value does not decode (result 2).
pub fn malformed_control(oid: &str) -> String {
    format!("00000057: LdapErr: DSID-0C090A5D, comment: Error processing control, data 0, {VERSION} (malformed {oid} value)")
}

/// A search filter larger than the server evaluates (result 11, adminLimitExceeded). AD's
/// problem name and code; the DSID and the comment are ours (UNCERTAIN: AD documents no filter
/// size limit, it bounds such queries through MaxTempTableSize and MaxQueryDuration).
pub fn filter_too_large(limit: usize) -> String {
    format!("00002024: SvcErr: DSID-0208043D, problem 5008 (ADMIN_LIMIT_EXCEEDED), data 0 (a filter of more than {limit} terms)")
}

/// A search that ran past MaxQueryDuration (result 3, timeLimitExceeded). UNCERTAIN: the exact
/// AD text; the code and the policy's name are AD's.
pub fn query_duration_exceeded(seconds: u64) -> String {
    format!("00002022: SvcErr: DSID-0208085B, problem 5008 (TIME_LIMIT_EXCEEDED), data 0 (MaxQueryDuration, {seconds} s)")
}

/// A heavy search that waited too long for its turn (result 51, busy). AD's problem name and
/// code (ERROR_DS_BUSY); the DSID is UNCERTAIN.
pub fn busy() -> String {
    "0000200E: SvcErr: DSID-02080A3C, problem 5001 (BUSY), data 0 (other heavy searches are running; try again)".to_string()
}

/// A paged-results cookie the server does not know (result 53).
pub fn unknown_paged_cookie() -> String {
    "00002024: SvcErr: DSID-02040A3A, problem 5010 (UNAVAIL_EXTENSION), data 0 (the paged-results cookie is unknown or expired)".to_string()
}

/// An extended operation the server does not implement (result 2).
pub fn unknown_extended_operation(oid: &str) -> String {
    format!("0000203D: LdapErr: DSID-0C090C4B, comment: Unknown extended request OID, data 0, {VERSION} ({oid})")
}

/// A DN that does not parse (result 34).
pub fn bad_name(dn: &str) -> String {
    format!("0000208F: NameErr: DSID-03100225, problem 2006 (BAD_NAME), data 8350, best match of:\n\t'{dn}'\n")
}

/// A multi-valued RDN, which AD does not allow (result 34).
pub fn bad_attribute_syntax_in_name(dn: &str) -> String {
    format!("00002081: NameErr: DSID-03050F42, problem 2003 (BAD_ATT_SYNTAX), data 0, best match of:\n\t'{dn}'\n")
}

/// Adding a value the attribute already holds (result 20).
pub fn attribute_or_value_exists(name: &str) -> String {
    format!("00002083: AtrErr: DSID-03151904, #1:\n\t0: 00002083: DSID-03151904, problem 1006 (ATT_OR_VALUE_EXISTS), data 0, Att 0 ({name})\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn texts_carry_the_codes_clients_look_for() {
        assert!(bind_required().starts_with("000004DC: LdapErr"));
        assert!(invalid_credentials(LogonFailure::BadCredentials).contains("data 52e,"));
        assert!(invalid_credentials(LogonFailure::AccountLockedOut).contains("data 775,"));
        assert!(
            no_such_object("DC=example,DC=test").contains("best match of:\n\t'DC=example,DC=test'")
        );
    }

    #[test]
    fn the_signing_refusal_is_ads_text_with_its_nul() {
        let text = signing_required();
        assert!(text.starts_with("00002028: LdapErr: DSID-0C090259, comment: The server requires binds to turn on integrity checking if SSL\\TLS are not already active"));
        assert!(text.ends_with("v4563\0"));
        assert!(tls_unavailable().contains("Error initializing SSL/TLS"));
    }

    #[test]
    fn data_codes_are_read_back_from_the_texts_the_server_writes() {
        for failure in LogonFailure::ALL {
            assert_eq!(
                LogonFailure::in_diagnostic(&invalid_credentials(failure)),
                Some(failure)
            );
        }
        assert_eq!(
            LogonFailure::in_diagnostic("data 775, v1db1"),
            Some(LogonFailure::AccountLockedOut)
        );
        assert_eq!(LogonFailure::in_diagnostic("no code here"), None);
        assert_eq!(LogonFailure::in_diagnostic("data 0, v4563"), None);
        assert_eq!(
            LogonFailure::from_data_code("52E"),
            Some(LogonFailure::BadCredentials)
        );
    }
}
