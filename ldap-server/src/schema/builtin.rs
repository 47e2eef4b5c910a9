//! The built-in Active Directory schema subset: every attribute type and object class the mock
//! directory knows before any LDIF teaches it more.
//!
//! Source of the data: Microsoft's published schema, [MS-ADA1], [MS-ADA2], [MS-ADA3] (attributes)
//! and [MS-ADSC] (classes), as shipped machine-readably with Samba
//! (`setup/ad-schema/MS-AD_Schema_2K8_R2_{Attributes,Classes}.txt`, the Windows Server 2008 R2
//! schema). Every `lDAPDisplayName`, schema-object `cn`, `attributeID` / `governsID`,
//! `isSingleValued`, `objectClassCategory`, `subClassOf`, `defaultObjectCategory`,
//! `defaultHidingValue` and (system)possSuperiors below was taken from that text, not from memory.
//!
//! What is deliberately simplified:
//! * Each class's `must` / `may` keeps AD's order but only the attributes this table defines (AD's
//!   `user` alone allows ~250); an LDIF naming another attribute makes the schema learn it.
//! * AD's system auxiliary classes are folded into the structural classes that carry them
//!   (`securityPrincipal` and `mailRecipient` into `user` / `group`, `samDomain` into `domainDNS`),
//!   because [`ObjectClass`] has no auxiliary-class list.
//! * Attributes AD fills in itself (`objectCategory`, `nTSecurityDescriptor`, `instanceType`,
//!   `objectSid`, `sAMAccountName`, `groupType`) are never demanded of a client: they sit in `may`.
//! * `operational` marks what AD flags as constructed (`FLAG_ATTR_IS_CONSTRUCTED`) or operational
//!   (`FLAG_ATTR_IS_OPERATIONAL`, only `nTSecurityDescriptor`): AD leaves those out of `*`.
//! * AD syntaxes are mapped onto [`Syntax`]: 2.5.5.4/.12/.13/.14 → `DirectoryString`, 2.5.5.5/.6 →
//!   `CaseExactString`, 2.5.5.15 (security descriptor) → `OctetString`, 2.5.5.16 → `Integer`.
//! * `poss_superiors` holds the effective set: a class's own (system)possSuperiors plus those of its
//!   superclasses (AD inherits them along `subClassOf`), restricted to the classes defined here.

use super::{AttributeType, ClassKind, ObjectClass, Syntax};
use ClassKind::{Abstract, Class88, Structural};
use Syntax::{
    Boolean, CaseExactString, DirectoryString, Dn, GeneralizedTime, Integer, OctetString, Oid, Sid,
};

const SINGLE: bool = true;
const MULTI: bool = false;

/// The built-in attribute types and object classes.
pub(super) fn tables() -> (Vec<AttributeType>, Vec<ObjectClass>) {
    let mut classes: Vec<ObjectClass> = class_table().into_iter().map(|def| def.0).collect();
    inherit_possible_superiors(&mut classes);
    (attribute_table(), classes)
}

/// One `attributeSchema` object: `attr(lDAPDisplayName, cn, attributeID, syntax, SINGLE | MULTI)`.
fn attr(name: &str, cn: &str, oid: &str, syntax: Syntax, single_valued: bool) -> AttributeType {
    AttributeType {
        name: name.to_string(),
        cn: cn.to_string(),
        oid: oid.to_string(),
        syntax,
        single_valued,
        operational: false,
        secret: false,
        learned: false,
    }
}

/// Constructed or operational in AD: returned only when asked for by name (or `+`).
fn operational(mut attribute: AttributeType) -> AttributeType {
    attribute.operational = true;
    attribute
}

/// Write-only: a search never returns it.
fn secret(mut attribute: AttributeType) -> AttributeType {
    attribute.secret = true;
    attribute
}

/// Builder for one `classSchema` object; name lists are whitespace-separated lDAPDisplayNames.
struct ClassDef(ObjectClass);

/// `class(lDAPDisplayName, cn, governsID, objectClassCategory, subClassOf)`, with `""` as the
/// superior of `top` only; the defaultObjectCategory defaults to the class's own `cn`, and
/// defaultHidingValue to TRUE (as for `top` and most classes; see [`ClassDef::shown`]).
fn class(name: &str, cn: &str, oid: &str, kind: ClassKind, superior: &str) -> ClassDef {
    ClassDef(ObjectClass {
        name: name.to_string(),
        cn: cn.to_string(),
        oid: oid.to_string(),
        kind,
        superior: (!superior.is_empty()).then(|| superior.to_string()),
        must: Vec::new(),
        may: Vec::new(),
        poss_superiors: Vec::new(),
        default_object_category_cn: cn.to_string(),
        default_hiding: true,
    })
}

fn names(list: &str) -> impl Iterator<Item = String> + '_ {
    list.split_whitespace().map(str::to_string)
}

impl ClassDef {
    /// systemMustContain + mustContain.
    fn must(mut self, list: &str) -> Self {
        self.0.must.extend(names(list));
        self
    }

    /// systemMayContain + mayContain.
    fn may(mut self, list: &str) -> Self {
        self.0.may.extend(names(list));
        self
    }

    /// systemPossSuperiors + possSuperiors.
    fn under(mut self, list: &str) -> Self {
        self.0.poss_superiors.extend(names(list));
        self
    }

    /// defaultObjectCategory, as the `cn` of another class (`contact` → `Person`).
    fn category(mut self, cn: &str) -> Self {
        self.0.default_object_category_cn = cn.to_string();
        self
    }

    /// defaultHidingValue FALSE: new objects of this class get no showInAdvancedViewOnly.
    fn shown(mut self) -> Self {
        self.0.default_hiding = false;
        self
    }
}

/// Adds each superclass's possible superiors to its subclasses (AD inherits possSuperiors).
fn inherit_possible_superiors(classes: &mut [ObjectClass]) {
    let position = |name: &str, classes: &[ObjectClass]| {
        classes
            .iter()
            .position(|class| class.name.eq_ignore_ascii_case(name))
    };
    for index in 0..classes.len() {
        let mut inherited = Vec::new();
        let mut seen = vec![index];
        let mut current = index;
        while let Some(next) = classes[current]
            .superior
            .as_deref()
            .and_then(|superior| position(superior, classes))
        {
            if seen.contains(&next) {
                break;
            }
            seen.push(next);
            inherited.extend(classes[next].poss_superiors.iter().cloned());
            current = next;
        }
        for name in inherited {
            let own = &mut classes[index].poss_superiors;
            if !own
                .iter()
                .any(|existing| existing.eq_ignore_ascii_case(&name))
            {
                own.push(name);
            }
        }
    }
}

/// Attribute types, grouped by the classes that use them (MS-ADA1, MS-ADA2, MS-ADA3).
#[rustfmt::skip]
fn attribute_table() -> Vec<AttributeType> {
    vec![
        // Naming, identity and bookkeeping present on every object (MS-ADA1-3; `top`)
        attr("objectClass", "Object-Class", "2.5.4.0", Oid, MULTI),
        attr("objectCategory", "Object-Category", "1.2.840.113556.1.4.782", Dn, SINGLE),
        attr("distinguishedName", "Obj-Dist-Name", "2.5.4.49", Dn, SINGLE),
        attr("name", "RDN", "1.2.840.113556.1.4.1", DirectoryString, SINGLE),
        attr("cn", "Common-Name", "2.5.4.3", DirectoryString, SINGLE),
        attr("objectGUID", "Object-Guid", "1.2.840.113556.1.4.2", OctetString, SINGLE),
        attr("whenCreated", "When-Created", "1.2.840.113556.1.2.2", GeneralizedTime, SINGLE),
        attr("whenChanged", "When-Changed", "1.2.840.113556.1.2.3", GeneralizedTime, SINGLE),
        attr("uSNCreated", "USN-Created", "1.2.840.113556.1.2.19", Integer, SINGLE),
        attr("uSNChanged", "USN-Changed", "1.2.840.113556.1.2.120", Integer, SINGLE),
        attr("instanceType", "Instance-Type", "1.2.840.113556.1.2.1", Integer, SINGLE),
        operational(attr("nTSecurityDescriptor", "NT-Security-Descriptor", "1.2.840.113556.1.2.281", OctetString, SINGLE)),
        attr("description", "Description", "2.5.4.13", DirectoryString, MULTI),
        attr("displayName", "Display-Name", "1.2.840.113556.1.2.13", DirectoryString, SINGLE),
        attr("adminDisplayName", "Admin-Display-Name", "1.2.840.113556.1.2.194", DirectoryString, SINGLE),
        attr("adminDescription", "Admin-Description", "1.2.840.113556.1.2.226", DirectoryString, SINGLE),
        attr("showInAdvancedViewOnly", "Show-In-Advanced-View-Only", "1.2.840.113556.1.2.169", Boolean, SINGLE),
        attr("systemFlags", "System-Flags", "1.2.840.113556.1.4.375", Integer, SINGLE),
        attr("isCriticalSystemObject", "Is-Critical-System-Object", "1.2.840.113556.1.4.868", Boolean, SINGLE),
        attr("isDeleted", "Is-Deleted", "1.2.840.113556.1.2.48", Boolean, SINGLE),
        attr("flags", "Flags", "1.2.840.113556.1.4.38", Integer, SINGLE),
        attr("fSMORoleOwner", "FSMO-Role-Owner", "1.2.840.113556.1.4.369", Dn, SINGLE),
        attr("memberOf", "Is-Member-Of-DL", "1.2.840.113556.1.2.102", Dn, MULTI),
        attr("objectVersion", "Object-Version", "1.2.840.113556.1.2.76", Integer, SINGLE),
        attr("revision", "Revision", "1.2.840.113556.1.4.145", Integer, SINGLE),
        attr("url", "WWW-Page-Other", "1.2.840.113556.1.4.749", DirectoryString, MULTI),
        attr("wWWHomePage", "WWW-Home-Page", "1.2.840.113556.1.2.464", DirectoryString, SINGLE),
        attr("proxyAddresses", "Proxy-Addresses", "1.2.840.113556.1.2.210", DirectoryString, MULTI),
        operational(attr("createTimeStamp", "Create-Time-Stamp", "2.5.18.1", GeneralizedTime, SINGLE)),
        operational(attr("modifyTimeStamp", "Modify-Time-Stamp", "2.5.18.2", GeneralizedTime, SINGLE)),
        operational(attr("subSchemaSubEntry", "SubSchemaSubEntry", "2.5.18.10", Dn, MULTI)),
        operational(attr("canonicalName", "Canonical-Name", "1.2.840.113556.1.4.916", DirectoryString, MULTI)),
        operational(attr("structuralObjectClass", "Structural-Object-Class", "2.5.21.9", Oid, MULTI)),
        operational(attr("allowedAttributes", "Allowed-Attributes", "1.2.840.113556.1.4.913", Oid, MULTI)),
        operational(attr("allowedAttributesEffective", "Allowed-Attributes-Effective", "1.2.840.113556.1.4.914", Oid, MULTI)),
        operational(attr("allowedChildClasses", "Allowed-Child-Classes", "1.2.840.113556.1.4.911", Oid, MULTI)),
        operational(attr("allowedChildClassesEffective", "Allowed-Child-Classes-Effective", "1.2.840.113556.1.4.912", Oid, MULTI)),
        // Certificates and CRLs: certificationAuthority, cRLDistributionPoint, pKIEnrollmentService (domain.md A.3, A.4)
        attr("cACertificate", "CA-Certificate", "2.5.4.37", OctetString, MULTI),
        attr("certificateRevocationList", "Certificate-Revocation-List", "2.5.4.39", OctetString, SINGLE),
        attr("authorityRevocationList", "Authority-Revocation-List", "2.5.4.38", OctetString, MULTI),
        attr("deltaRevocationList", "Delta-Revocation-List", "2.5.4.53", OctetString, MULTI),
        attr("crossCertificatePair", "Cross-Certificate-Pair", "2.5.4.40", OctetString, MULTI),
        attr("cRLPartitionedRevocationList", "CRL-Partitioned-Revocation-List", "1.2.840.113556.1.4.683", OctetString, SINGLE),
        attr("cACertificateDN", "CA-Certificate-DN", "1.2.840.113556.1.4.697", DirectoryString, SINGLE),
        attr("certificateTemplates", "Certificate-Templates", "1.2.840.113556.1.4.823", DirectoryString, MULTI),
        attr("enrollmentProviders", "Enrollment-Providers", "1.2.840.113556.1.4.825", DirectoryString, SINGLE),
        attr("msPKI-Enrollment-Servers", "ms-PKI-Enrollment-Servers", "1.2.840.113556.1.4.2076", DirectoryString, MULTI),
        attr("msPKI-Site-Name", "ms-PKI-Site-Name", "1.2.840.113556.1.4.2077", DirectoryString, SINGLE),
        attr("userCertificate", "X509-Cert", "2.5.4.36", OctetString, MULTI),
        attr("certificateAuthorityObject", "Certificate-Authority-Object", "1.2.840.113556.1.4.684", Dn, SINGLE),
        attr("teletexTerminalIdentifier", "Teletex-Terminal-Identifier", "2.5.4.22", OctetString, MULTI),
        attr("supportedApplicationContext", "Supported-Application-Context", "2.5.4.30", OctetString, MULTI),
        attr("signatureAlgorithms", "Signature-Algorithms", "1.2.840.113556.1.4.824", DirectoryString, SINGLE),
        attr("searchGuide", "Search-Guide", "2.5.4.14", OctetString, MULTI),
        attr("previousParentCA", "Previous-Parent-CA", "1.2.840.113556.1.4.694", Dn, MULTI),
        attr("previousCACertificates", "Previous-CA-Certificates", "1.2.840.113556.1.4.692", OctetString, SINGLE),
        attr("pendingParentCA", "Pending-Parent-CA", "1.2.840.113556.1.4.695", Dn, MULTI),
        attr("pendingCACertificates", "Pending-CA-Certificates", "1.2.840.113556.1.4.693", OctetString, SINGLE),
        attr("parentCACertificateChain", "Parent-CA-Certificate-Chain", "1.2.840.113556.1.4.685", OctetString, SINGLE),
        attr("parentCA", "Parent-CA", "1.2.840.113556.1.4.557", Dn, SINGLE),
        attr("domainPolicyObject", "Domain-Policy-Object", "1.2.840.113556.1.4.32", Dn, SINGLE),
        attr("domainID", "Domain-ID", "1.2.840.113556.1.4.686", Dn, SINGLE),
        attr("dNSHostName", "DNS-Host-Name", "1.2.840.113556.1.4.619", DirectoryString, SINGLE),
        attr("currentParentCA", "Current-Parent-CA", "1.2.840.113556.1.4.696", Dn, MULTI),
        attr("cRLObject", "CRL-Object", "1.2.840.113556.1.4.689", Dn, SINGLE),
        attr("cAWEBURL", "CA-WEB-URL", "1.2.840.113556.1.4.688", DirectoryString, SINGLE),
        attr("cAUsages", "CA-Usages", "1.2.840.113556.1.4.690", DirectoryString, MULTI),
        attr("cAConnect", "CA-Connect", "1.2.840.113556.1.4.687", DirectoryString, SINGLE),
        // Certificate templates and enterprise OIDs (what Certipy reads, domain.md F)
        attr("pKIOverlapPeriod", "PKI-Overlap-Period", "1.2.840.113556.1.4.1332", OctetString, SINGLE),
        attr("pKIMaxIssuingDepth", "PKI-Max-Issuing-Depth", "1.2.840.113556.1.4.1329", Integer, SINGLE),
        attr("pKIKeyUsage", "PKI-Key-Usage", "1.2.840.113556.1.4.1328", OctetString, SINGLE),
        attr("pKIExtendedKeyUsage", "PKI-Extended-Key-Usage", "1.2.840.113556.1.4.1333", DirectoryString, MULTI),
        attr("pKIExpirationPeriod", "PKI-Expiration-Period", "1.2.840.113556.1.4.1331", OctetString, SINGLE),
        attr("pKIEnrollmentAccess", "PKI-Enrollment-Access", "1.2.840.113556.1.4.1335", OctetString, MULTI),
        attr("pKIDefaultCSPs", "PKI-Default-CSPs", "1.2.840.113556.1.4.1334", DirectoryString, MULTI),
        attr("pKIDefaultKeySpec", "PKI-Default-Key-Spec", "1.2.840.113556.1.4.1327", Integer, SINGLE),
        attr("pKICriticalExtensions", "PKI-Critical-Extensions", "1.2.840.113556.1.4.1330", DirectoryString, MULTI),
        attr("msPKI-RA-Signature", "ms-PKI-RA-Signature", "1.2.840.113556.1.4.1429", Integer, SINGLE),
        attr("msPKI-RA-Policies", "ms-PKI-RA-Policies", "1.2.840.113556.1.4.1438", DirectoryString, MULTI),
        attr("msPKI-RA-Application-Policies", "ms-PKI-RA-Application-Policies", "1.2.840.113556.1.4.1675", DirectoryString, MULTI),
        attr("msPKI-Template-Schema-Version", "ms-PKI-Template-Schema-Version", "1.2.840.113556.1.4.1434", Integer, SINGLE),
        attr("msPKI-Template-Minor-Revision", "ms-PKI-Template-Minor-Revision", "1.2.840.113556.1.4.1435", Integer, SINGLE),
        attr("msPKI-Supersede-Templates", "ms-PKI-Supersede-Templates", "1.2.840.113556.1.4.1437", DirectoryString, MULTI),
        attr("msPKI-Private-Key-Flag", "ms-PKI-Private-Key-Flag", "1.2.840.113556.1.4.1431", Integer, SINGLE),
        attr("msPKI-Minimal-Key-Size", "ms-PKI-Minimal-Key-Size", "1.2.840.113556.1.4.1433", Integer, SINGLE),
        attr("msPKI-Enrollment-Flag", "ms-PKI-Enrollment-Flag", "1.2.840.113556.1.4.1430", Integer, SINGLE),
        attr("msPKI-Certificate-Policy", "ms-PKI-Certificate-Policy", "1.2.840.113556.1.4.1439", DirectoryString, MULTI),
        attr("msPKI-Certificate-Name-Flag", "ms-PKI-Certificate-Name-Flag", "1.2.840.113556.1.4.1432", Integer, SINGLE),
        attr("msPKI-Certificate-Application-Policy", "ms-PKI-Certificate-Application-Policy", "1.2.840.113556.1.4.1674", DirectoryString, MULTI),
        attr("msPKI-Cert-Template-OID", "ms-PKI-Cert-Template-OID", "1.2.840.113556.1.4.1436", DirectoryString, SINGLE),
        attr("msDS-OIDToGroupLink", "ms-DS-OIDToGroup-Link", "1.2.840.113556.1.4.2051", Dn, SINGLE),
        attr("msPKI-OID-User-Notice", "ms-PKI-OID-User-Notice", "1.2.840.113556.1.4.1673", DirectoryString, MULTI),
        attr("msPKI-OIDLocalizedName", "ms-PKI-OID-LocalizedName", "1.2.840.113556.1.4.1712", DirectoryString, MULTI),
        attr("msPKI-OID-CPS", "ms-PKI-OID-CPS", "1.2.840.113556.1.4.1672", DirectoryString, MULTI),
        attr("msPKI-OID-Attribute", "ms-PKI-OID-Attribute", "1.2.840.113556.1.4.1671", Integer, SINGLE),
        // People: person, organizationalPerson, contact, mailRecipient
        attr("sn", "Surname", "2.5.4.4", DirectoryString, SINGLE),
        attr("givenName", "Given-Name", "2.5.4.42", DirectoryString, SINGLE),
        attr("initials", "Initials", "2.5.4.43", DirectoryString, SINGLE),
        attr("title", "Title", "2.5.4.12", DirectoryString, SINGLE),
        attr("department", "Department", "1.2.840.113556.1.2.141", DirectoryString, SINGLE),
        attr("company", "Company", "1.2.840.113556.1.2.146", DirectoryString, SINGLE),
        attr("manager", "Manager", "0.9.2342.19200300.100.1.10", Dn, SINGLE),
        attr("mail", "E-mail-Addresses", "0.9.2342.19200300.100.1.3", DirectoryString, SINGLE),
        attr("telephoneNumber", "Telephone-Number", "2.5.4.20", DirectoryString, SINGLE),
        attr("mobile", "Phone-Mobile-Primary", "0.9.2342.19200300.100.1.41", DirectoryString, SINGLE),
        attr("homePhone", "Phone-Home-Primary", "0.9.2342.19200300.100.1.20", DirectoryString, SINGLE),
        attr("facsimileTelephoneNumber", "Facsimile-Telephone-Number", "2.5.4.23", DirectoryString, SINGLE),
        attr("l", "Locality-Name", "2.5.4.7", DirectoryString, SINGLE),
        attr("st", "State-Or-Province-Name", "2.5.4.8", DirectoryString, SINGLE),
        attr("c", "Country-Name", "2.5.4.6", DirectoryString, SINGLE),
        attr("co", "Text-Country", "1.2.840.113556.1.2.131", DirectoryString, SINGLE),
        attr("postalCode", "Postal-Code", "2.5.4.17", DirectoryString, SINGLE),
        attr("streetAddress", "Address", "1.2.840.113556.1.2.256", DirectoryString, SINGLE),
        attr("street", "Street-Address", "2.5.4.9", DirectoryString, SINGLE),
        attr("physicalDeliveryOfficeName", "Physical-Delivery-Office-Name", "2.5.4.19", DirectoryString, SINGLE),
        attr("ou", "Organizational-Unit-Name", "2.5.4.11", DirectoryString, MULTI),
        attr("o", "Organization-Name", "2.5.4.10", DirectoryString, MULTI),
        attr("seeAlso", "See-Also", "2.5.4.34", Dn, MULTI),
        attr("serialNumber", "Serial-Number", "2.5.4.5", CaseExactString, MULTI),
        attr("employeeID", "Employee-ID", "1.2.840.113556.1.4.35", DirectoryString, SINGLE),
        attr("info", "Comment", "1.2.840.113556.1.2.81", DirectoryString, SINGLE),
        secret(attr("userPassword", "User-Password", "2.5.4.35", OctetString, MULTI)),
        // Security principals: user, computer, group (securityPrincipal folded in)
        attr("sAMAccountName", "SAM-Account-Name", "1.2.840.113556.1.4.221", DirectoryString, SINGLE),
        attr("userPrincipalName", "User-Principal-Name", "1.2.840.113556.1.4.656", DirectoryString, SINGLE),
        attr("userAccountControl", "User-Account-Control", "1.2.840.113556.1.4.8", Integer, SINGLE),
        attr("lockoutTime", "Lockout-Time", "1.2.840.113556.1.4.662", Integer, SINGLE),
        attr("accountExpires", "Account-Expires", "1.2.840.113556.1.4.159", Integer, SINGLE),
        attr("pwdLastSet", "Pwd-Last-Set", "1.2.840.113556.1.4.96", Integer, SINGLE),
        attr("badPwdCount", "Bad-Pwd-Count", "1.2.840.113556.1.4.12", Integer, SINGLE),
        attr("badPasswordTime", "Bad-Password-Time", "1.2.840.113556.1.4.49", Integer, SINGLE),
        attr("logonCount", "Logon-Count", "1.2.840.113556.1.4.169", Integer, SINGLE),
        attr("lastLogon", "Last-Logon", "1.2.840.113556.1.4.52", Integer, SINGLE),
        attr("lastLogoff", "Last-Logoff", "1.2.840.113556.1.4.51", Integer, SINGLE),
        attr("lastLogonTimestamp", "Last-Logon-Timestamp", "1.2.840.113556.1.4.1696", Integer, SINGLE),
        attr("primaryGroupID", "Primary-Group-ID", "1.2.840.113556.1.4.98", Integer, SINGLE),
        attr("objectSid", "Object-Sid", "1.2.840.113556.1.4.146", Sid, SINGLE),
        attr("sAMAccountType", "SAM-Account-Type", "1.2.840.113556.1.4.302", Integer, SINGLE),
        secret(attr("unicodePwd", "Unicode-Pwd", "1.2.840.113556.1.4.90", OctetString, SINGLE)),
        attr("servicePrincipalName", "Service-Principal-Name", "1.2.840.113556.1.4.771", DirectoryString, MULTI),
        attr("homeDirectory", "Home-Directory", "1.2.840.113556.1.4.44", DirectoryString, SINGLE),
        attr("homeDrive", "Home-Drive", "1.2.840.113556.1.4.45", DirectoryString, SINGLE),
        attr("scriptPath", "Script-Path", "1.2.840.113556.1.4.62", DirectoryString, SINGLE),
        attr("profilePath", "Profile-Path", "1.2.840.113556.1.4.139", DirectoryString, SINGLE),
        attr("userWorkstations", "User-Workstations", "1.2.840.113556.1.4.86", DirectoryString, SINGLE),
        attr("logonHours", "Logon-Hours", "1.2.840.113556.1.4.64", OctetString, SINGLE),
        attr("adminCount", "Admin-Count", "1.2.840.113556.1.4.150", Integer, SINGLE),
        attr("altSecurityIdentities", "Alt-Security-Identities", "1.2.840.113556.1.4.867", DirectoryString, MULTI),
        attr("sIDHistory", "SID-History", "1.2.840.113556.1.4.609", Sid, MULTI),
        attr("msDS-SupportedEncryptionTypes", "ms-DS-Supported-Encryption-Types", "1.2.840.113556.1.4.1963", Integer, SINGLE),
        operational(attr("msDS-User-Account-Control-Computed", "ms-DS-User-Account-Control-Computed", "1.2.840.113556.1.4.1460", Integer, SINGLE)),
        operational(attr("tokenGroups", "Token-Groups", "1.2.840.113556.1.4.1301", Sid, MULTI)),
        attr("operatingSystem", "Operating-System", "1.2.840.113556.1.4.363", DirectoryString, SINGLE),
        attr("operatingSystemVersion", "Operating-System-Version", "1.2.840.113556.1.4.364", DirectoryString, SINGLE),
        attr("operatingSystemServicePack", "Operating-System-Service-Pack", "1.2.840.113556.1.4.365", DirectoryString, SINGLE),
        attr("managedBy", "Managed-By", "1.2.840.113556.1.4.653", Dn, SINGLE),
        attr("location", "Location", "1.2.840.113556.1.4.222", DirectoryString, SINGLE),
        attr("member", "Member", "2.5.4.31", Dn, MULTI),
        attr("groupType", "Group-Type", "1.2.840.113556.1.4.750", Integer, SINGLE),
        operational(attr("primaryGroupToken", "Primary-Group-Token", "1.2.840.113556.1.4.1412", Integer, SINGLE)),
        // Domains and OUs: domainDNS (samDomain folded in), builtinDomain, organizationalUnit
        attr("dc", "Domain-Component", "0.9.2342.19200300.100.1.25", DirectoryString, SINGLE),
        attr("nETBIOSName", "NETBIOS-Name", "1.2.840.113556.1.4.87", DirectoryString, SINGLE),
        attr("msDS-Behavior-Version", "ms-DS-Behavior-Version", "1.2.840.113556.1.4.1459", Integer, SINGLE),
        attr("ms-DS-MachineAccountQuota", "MS-DS-Machine-Account-Quota", "1.2.840.113556.1.4.1411", Integer, SINGLE),
        attr("minPwdLength", "Min-Pwd-Length", "1.2.840.113556.1.4.79", Integer, SINGLE),
        attr("minPwdAge", "Min-Pwd-Age", "1.2.840.113556.1.4.78", Integer, SINGLE),
        attr("maxPwdAge", "Max-Pwd-Age", "1.2.840.113556.1.4.74", Integer, SINGLE),
        attr("pwdHistoryLength", "Pwd-History-Length", "1.2.840.113556.1.4.95", Integer, SINGLE),
        attr("pwdProperties", "Pwd-Properties", "1.2.840.113556.1.4.93", Integer, SINGLE),
        attr("lockoutThreshold", "Lockout-Threshold", "1.2.840.113556.1.4.73", Integer, SINGLE),
        attr("lockoutDuration", "Lockout-Duration", "1.2.840.113556.1.4.60", Integer, SINGLE),
        attr("lockOutObservationWindow", "Lock-Out-Observation-Window", "1.2.840.113556.1.4.61", Integer, SINGLE),
        attr("nTMixedDomain", "NT-Mixed-Domain", "1.2.840.113556.1.4.357", Integer, SINGLE),
        attr("forceLogoff", "Force-Logoff", "1.2.840.113556.1.4.39", Integer, SINGLE),
        attr("nextRid", "Next-Rid", "1.2.840.113556.1.4.88", Integer, SINGLE),
        attr("gPLink", "GP-Link", "1.2.840.113556.1.4.891", DirectoryString, SINGLE),
        attr("gPOptions", "GP-Options", "1.2.840.113556.1.4.892", Integer, SINGLE),
        attr("uPNSuffixes", "UPN-Suffixes", "1.2.840.113556.1.4.890", DirectoryString, MULTI),
        // Schema NC: classSchema, attributeSchema, dMD
        attr("lDAPDisplayName", "LDAP-Display-Name", "1.2.840.113556.1.2.460", DirectoryString, SINGLE),
        attr("governsID", "Governs-ID", "1.2.840.113556.1.2.22", Oid, SINGLE),
        attr("attributeID", "Attribute-ID", "1.2.840.113556.1.2.30", Oid, SINGLE),
        attr("attributeSyntax", "Attribute-Syntax", "1.2.840.113556.1.2.32", Oid, SINGLE),
        attr("oMSyntax", "OM-Syntax", "1.2.840.113556.1.2.231", Integer, SINGLE),
        attr("isSingleValued", "Is-Single-Valued", "1.2.840.113556.1.2.33", Boolean, SINGLE),
        attr("subClassOf", "Sub-Class-Of", "1.2.840.113556.1.2.21", Oid, SINGLE),
        attr("systemMustContain", "System-Must-Contain", "1.2.840.113556.1.4.197", Oid, MULTI),
        attr("systemMayContain", "System-May-Contain", "1.2.840.113556.1.4.196", Oid, MULTI),
        attr("mustContain", "Must-Contain", "1.2.840.113556.1.2.24", Oid, MULTI),
        attr("mayContain", "May-Contain", "1.2.840.113556.1.2.25", Oid, MULTI),
        attr("possSuperiors", "Poss-Superiors", "1.2.840.113556.1.2.8", Oid, MULTI),
        attr("systemPossSuperiors", "System-Poss-Superiors", "1.2.840.113556.1.4.195", Oid, MULTI),
        attr("auxiliaryClass", "Auxiliary-Class", "1.2.840.113556.1.2.351", Oid, MULTI),
        attr("systemAuxiliaryClass", "System-Auxiliary-Class", "1.2.840.113556.1.4.198", Oid, MULTI),
        attr("objectClassCategory", "Object-Class-Category", "1.2.840.113556.1.2.370", Integer, SINGLE),
        attr("defaultObjectCategory", "Default-Object-Category", "1.2.840.113556.1.4.783", Dn, SINGLE),
        attr("rDNAttID", "RDN-Att-ID", "1.2.840.113556.1.2.26", Oid, SINGLE),
        attr("schemaIDGUID", "Schema-ID-GUID", "1.2.840.113556.1.4.148", OctetString, SINGLE),
        attr("attributeSecurityGUID", "Attribute-Security-GUID", "1.2.840.113556.1.4.149", OctetString, SINGLE),
        attr("isMemberOfPartialAttributeSet", "Is-Member-Of-Partial-Attribute-Set", "1.2.840.113556.1.4.639", Boolean, SINGLE),
        attr("searchFlags", "Search-Flags", "1.2.840.113556.1.2.334", Integer, SINGLE),
        attr("rangeLower", "Range-Lower", "1.2.840.113556.1.2.34", Integer, SINGLE),
        attr("rangeUpper", "Range-Upper", "1.2.840.113556.1.2.35", Integer, SINGLE),
        attr("systemOnly", "System-Only", "1.2.840.113556.1.4.170", Boolean, SINGLE),
        attr("isDefunct", "Is-Defunct", "1.2.840.113556.1.4.661", Boolean, SINGLE),
        attr("linkID", "Link-ID", "1.2.840.113556.1.2.50", Integer, SINGLE),
        attr("oMObjectClass", "OM-Object-Class", "1.2.840.113556.1.2.218", OctetString, SINGLE),
        attr("defaultSecurityDescriptor", "Default-Security-Descriptor", "1.2.840.113556.1.4.224", DirectoryString, SINGLE),
        attr("defaultHidingValue", "Default-Hiding-Value", "1.2.840.113556.1.4.518", Boolean, SINGLE),
        attr("schemaFlagsEx", "Schema-Flags-Ex", "1.2.840.113556.1.4.120", Integer, SINGLE),
        attr("prefixMap", "Prefix-Map", "1.2.840.113556.1.4.538", OctetString, SINGLE),
        attr("schemaInfo", "Schema-Info", "1.2.840.113556.1.4.1358", OctetString, MULTI),
        attr("schemaUpdate", "Schema-Update", "1.2.840.113556.1.4.481", GeneralizedTime, SINGLE),
        // The subschema entry CN=Aggregate (RFC 4512 text)
        operational(attr("attributeTypes", "Attribute-Types", "2.5.21.5", DirectoryString, MULTI)),
        operational(attr("objectClasses", "Object-Classes", "2.5.21.6", DirectoryString, MULTI)),
        operational(attr("dITContentRules", "DIT-Content-Rules", "2.5.21.2", DirectoryString, MULTI)),
        operational(attr("extendedAttributeInfo", "Extended-Attribute-Info", "1.2.840.113556.1.4.909", DirectoryString, MULTI)),
        operational(attr("extendedClassInfo", "Extended-Class-Info", "1.2.840.113556.1.4.908", DirectoryString, MULTI)),
        // Configuration NC: partitions, sites, DSA, directory service settings
        attr("nCName", "NC-Name", "1.2.840.113556.1.2.16", Dn, SINGLE),
        attr("dnsRoot", "Dns-Root", "1.2.840.113556.1.4.28", DirectoryString, MULTI),
        attr("options", "Options", "1.2.840.113556.1.4.307", Integer, SINGLE),
        attr("dSHeuristics", "DS-Heuristics", "1.2.840.113556.1.2.212", DirectoryString, SINGLE),
        attr("tombstoneLifetime", "Tombstone-Lifetime", "1.2.840.113556.1.2.54", Integer, SINGLE),
        attr("garbageCollPeriod", "Garbage-Coll-Period", "1.2.840.113556.1.2.301", Integer, SINGLE),
        attr("serverReference", "Server-Reference", "1.2.840.113556.1.4.515", Dn, SINGLE),
        attr("invocationId", "Invocation-Id", "1.2.840.113556.1.2.115", OctetString, SINGLE),
        attr("hasMasterNCs", "Has-Master-NCs", "1.2.840.113556.1.2.14", Dn, MULTI),
        attr("msDS-hasMasterNCs", "ms-DS-Has-Master-NCs", "1.2.840.113556.1.4.1836", Dn, MULTI),
        attr("dMDLocation", "DMD-Location", "1.2.840.113556.1.2.36", Dn, SINGLE),
        attr("msDS-HasDomainNCs", "ms-DS-Has-Domain-NCs", "1.2.840.113556.1.4.1820", Dn, MULTI),
        attr("lDAPAdminLimits", "LDAP-Admin-Limits", "1.2.840.113556.1.4.843", DirectoryString, MULTI),
        attr("lDAPIPDenyList", "LDAP-IPDeny-List", "1.2.840.113556.1.4.844", OctetString, MULTI),
    ]
}

/// Object classes (MS-ADSC), most general first within each group.
#[rustfmt::skip]
fn class_table() -> Vec<ClassDef> {
    vec![
        // AD's systemMustContain also names objectCategory, nTSecurityDescriptor and instanceType; the
        // server maintains those, so only objectClass is demanded of a client.
        class("top", "Top", "2.5.6.0", Abstract, "")
            .must("objectClass")
            .may("objectCategory nTSecurityDescriptor instanceType url wWWHomePage whenCreated \
                whenChanged uSNCreated uSNChanged systemFlags subSchemaSubEntry \
                structuralObjectClass revision name proxyAddresses objectVersion objectGUID \
                distinguishedName modifyTimeStamp memberOf isDeleted isCriticalSystemObject \
                showInAdvancedViewOnly fSMORoleOwner flags displayName description createTimeStamp \
                cn canonicalName allowedChildClassesEffective allowedChildClasses \
                allowedAttributesEffective allowedAttributes adminDisplayName adminDescription")
            .under("lostAndFound"),
        class("container", "Container", "1.2.840.113556.1.3.23", Structural, "top")
            .must("cn")
            .under("server nTDSService domainDNS configuration container organizationalUnit"),
        class("lostAndFound", "Lost-And-Found", "1.2.840.113556.1.5.139", Structural, "top")
            .under("configuration domainDNS dMD"),
        class("certificationAuthority", "Certification-Authority", "2.5.6.16", Class88, "top")
            .must("cn certificateRevocationList cACertificate authorityRevocationList")
            .may("teletexTerminalIdentifier supportedApplicationContext signatureAlgorithms \
                searchGuide previousParentCA previousCACertificates pendingParentCA \
                pendingCACertificates parentCACertificateChain parentCA enrollmentProviders \
                domainPolicyObject domainID dNSHostName deltaRevocationList currentParentCA \
                crossCertificatePair cRLObject certificateTemplates cAWEBURL cAUsages cAConnect \
                cACertificateDN")
            .under("container"),
        class("cRLDistributionPoint", "CRL-Distribution-Point", "2.5.6.19", Structural, "top")
            .must("cn")
            .may("deltaRevocationList cRLPartitionedRevocationList certificateRevocationList \
                certificateAuthorityObject authorityRevocationList")
            .under("container"),
        class("pKIEnrollmentService", "PKI-Enrollment-Service", "1.2.840.113556.1.5.178", Structural, "top")
            .may("msPKI-Enrollment-Servers msPKI-Site-Name signatureAlgorithms enrollmentProviders \
                dNSHostName certificateTemplates cACertificateDN cACertificate")
            .under("container"),
        class("pKICertificateTemplate", "PKI-Certificate-Template", "1.2.840.113556.1.5.177", Structural, "top")
            .may("pKIOverlapPeriod pKIMaxIssuingDepth pKIKeyUsage pKIExtendedKeyUsage \
                pKIExpirationPeriod pKIEnrollmentAccess pKIDefaultCSPs pKIDefaultKeySpec \
                pKICriticalExtensions msPKI-RA-Signature msPKI-RA-Policies \
                msPKI-RA-Application-Policies msPKI-Template-Schema-Version \
                msPKI-Template-Minor-Revision msPKI-Supersede-Templates msPKI-Private-Key-Flag \
                msPKI-Minimal-Key-Size msPKI-Enrollment-Flag msPKI-Certificate-Policy \
                msPKI-Certificate-Name-Flag msPKI-Certificate-Application-Policy \
                msPKI-Cert-Template-OID flags displayName")
            .under("container"),
        class("msPKI-Enterprise-Oid", "ms-PKI-Enterprise-Oid", "1.2.840.113556.1.5.196", Structural, "top")
            .may("msDS-OIDToGroupLink msPKI-OID-User-Notice msPKI-OIDLocalizedName msPKI-OID-CPS \
                msPKI-OID-Attribute msPKI-Cert-Template-OID")
            // Inherited from top in AD; repeated because Certipy reads them from every OID object.
            .may("displayName flags")
            .under("msPKI-Enterprise-Oid container"),
        class("msPKI-PrivateKeyRecoveryAgent", "ms-PKI-Private-Key-Recovery-Agent", "1.2.840.113556.1.5.223", Structural, "top")
            .must("userCertificate")
            .under("container"),
        // person and organizationalPerson are 88-classes (objectClassCategory 0) in AD.
        class("person", "Person", "2.5.6.6", Class88, "top")
            .must("cn")
            .may("userPassword telephoneNumber sn serialNumber seeAlso")
            .under("organizationalUnit container"),
        class("organizationalPerson", "Organizational-Person", "2.5.6.7", Class88, "person")
            .may("title co teletexTerminalIdentifier street st postalCode physicalDeliveryOfficeName \
                mobile homePhone ou o manager l initials givenName facsimileTelephoneNumber \
                employeeID mail department c company streetAddress")
            .under("organizationalUnit container")
            .category("Person"),
        // securityPrincipal and mailRecipient (system auxiliary classes) folded in; their musts
        // sAMAccountName and objectSid are server-generated in AD, so they sit in `may`.
        // defaultObjectCategory is Person, exactly as in AD.
        class("user", "User", "1.2.840.113556.1.5.9", Structural, "organizationalPerson")
            .must("cn")
            .may("sAMAccountName objectSid msDS-SupportedEncryptionTypes o mobile manager mail \
                initials homePhone userCertificate userWorkstations userPrincipalName \
                userAccountControl unicodePwd servicePrincipalName scriptPath pwdLastSet \
                profilePath primaryGroupID msDS-User-Account-Control-Computed logonHours \
                logonCount lockoutTime lastLogonTimestamp lastLogon lastLogoff homeDrive \
                homeDirectory badPwdCount badPasswordTime adminCount accountExpires givenName \
                displayName sIDHistory sAMAccountType tokenGroups nTSecurityDescriptor \
                altSecurityIdentities telephoneNumber garbageCollPeriod info")
            .under("builtinDomain organizationalUnit domainDNS")
            .category("Person")
            .shown(),
        class("computer", "Computer", "1.2.840.113556.1.3.30", Structural, "user")
            .may("operatingSystemVersion operatingSystemServicePack operatingSystem managedBy \
                location dNSHostName cn")
            .under("container organizationalUnit domainDNS")
            .shown(),
        // AD's own example of a class whose objectCategory is another class's (Person).
        class("contact", "Contact", "1.2.840.113556.1.5.15", Structural, "organizationalPerson")
            .must("cn")
            .may("userCertificate telephoneNumber garbageCollPeriod info")
            .under("organizationalUnit domainDNS")
            .category("Person")
            .shown(),
        // groupType is in AD's systemMustContain, but AD fills it (global security group) when an
        // add omits it, so it sits in `may` here along with folded-in securityPrincipal/mailRecipient.
        class("group", "Group", "1.2.840.113556.1.5.8", Structural, "top")
            .must("cn")
            .may("groupType sAMAccountName objectSid primaryGroupToken member managedBy mail \
                adminCount sIDHistory sAMAccountType tokenGroups nTSecurityDescriptor \
                altSecurityIdentities userCertificate telephoneNumber garbageCollPeriod info")
            .under("container builtinDomain organizationalUnit domainDNS")
            .shown(),
        class("domain", "Domain", "1.2.840.113556.1.5.66", Abstract, "top")
            .must("dc")
            .under("domain")
            .category("Domain-DNS"),
        // samDomain / samDomainBase (system auxiliary classes) folded in.
        class("domainDNS", "Domain-DNS", "1.2.840.113556.1.5.67", Structural, "domain")
            .may("msDS-Behavior-Version managedBy pwdProperties pwdHistoryLength nTMixedDomain \
                nextRid nETBIOSName ms-DS-MachineAccountQuota minPwdLength minPwdAge maxPwdAge \
                lockoutThreshold lockoutDuration lockOutObservationWindow gPOptions gPLink \
                domainPolicyObject description cACertificate revision objectSid \
                nTSecurityDescriptor forceLogoff")
            .under("domainDNS")
            .shown(),
        // samDomainBase (system auxiliary class) folded in.
        class("builtinDomain", "Builtin-Domain", "1.2.840.113556.1.5.4", Structural, "top")
            .may("revision pwdProperties pwdHistoryLength objectSid nTSecurityDescriptor nextRid \
                minPwdLength minPwdAge maxPwdAge lockoutThreshold lockoutDuration \
                lockOutObservationWindow forceLogoff")
            .under("domainDNS"),
        class("organizationalUnit", "Organizational-Unit", "2.5.6.5", Structural, "top")
            .must("ou")
            .may("userPassword uPNSuffixes co teletexTerminalIdentifier telephoneNumber street st \
                seeAlso searchGuide postalCode physicalDeliveryOfficeName managedBy l gPOptions \
                gPLink facsimileTelephoneNumber c")
            .under("organizationalUnit domainDNS")
            .shown(),
        class("configuration", "Configuration", "1.2.840.113556.1.5.12", Structural, "top")
            .must("cn")
            .may("gPOptions gPLink")
            .under("domainDNS"),
        class("dMD", "DMD", "1.2.840.113556.1.3.9", Structural, "top")
            .must("cn")
            .may("schemaUpdate schemaInfo prefixMap")
            .under("configuration"),
        class("classSchema", "Class-Schema", "1.2.840.113556.1.3.13", Structural, "top")
            .must("subClassOf schemaIDGUID objectClassCategory governsID defaultObjectCategory cn")
            .may("systemPossSuperiors systemOnly systemMustContain systemMayContain \
                systemAuxiliaryClass schemaFlagsEx rDNAttID possSuperiors mustContain mayContain \
                lDAPDisplayName isDefunct defaultSecurityDescriptor defaultHidingValue \
                auxiliaryClass")
            .under("dMD"),
        class("attributeSchema", "Attribute-Schema", "1.2.840.113556.1.3.14", Structural, "top")
            .must("schemaIDGUID oMSyntax lDAPDisplayName isSingleValued cn attributeSyntax \
                attributeID")
            .may("systemOnly searchFlags schemaFlagsEx rangeUpper rangeLower oMObjectClass linkID \
                isMemberOfPartialAttributeSet isDefunct attributeSecurityGUID")
            .under("dMD"),
        class("subSchema", "SubSchema", "2.5.20.1", Structural, "top")
            .may("objectClasses modifyTimeStamp extendedClassInfo extendedAttributeInfo \
                dITContentRules attributeTypes")
            .under("dMD"),
        class("crossRefContainer", "Cross-Ref-Container", "1.2.840.113556.1.5.7000.53", Structural, "top")
            .may("uPNSuffixes msDS-Behavior-Version")
            .under("configuration")
            .shown(),
        class("crossRef", "Cross-Ref", "1.2.840.113556.1.3.11", Structural, "top")
            .must("nCName dnsRoot cn")
            .may("nTMixedDomain nETBIOSName msDS-Behavior-Version")
            .under("crossRefContainer"),
        class("sitesContainer", "Sites-Container", "1.2.840.113556.1.5.107", Structural, "top")
            .under("configuration"),
        class("site", "Site", "1.2.840.113556.1.5.31", Structural, "top")
            .may("managedBy location gPOptions gPLink")
            .under("sitesContainer"),
        class("serversContainer", "Servers-Container", "1.2.840.113556.1.5.7000.48", Structural, "top")
            .under("site"),
        class("server", "Server", "1.2.840.113556.1.5.17", Structural, "top")
            .may("serverReference serialNumber managedBy dNSHostName")
            .under("serversContainer"),
        class("applicationSettings", "Application-Settings", "1.2.840.113556.1.5.7000.49", Abstract, "top")
            .under("server"),
        class("nTDSDSA", "NTDS-DSA", "1.2.840.113556.1.5.7000.47", Structural, "applicationSettings")
            .may("serverReference options msDS-hasMasterNCs msDS-HasDomainNCs msDS-Behavior-Version \
                managedBy invocationId hasMasterNCs dMDLocation")
            .under("server"),
        class("nTDSService", "NTDS-Service", "1.2.840.113556.1.5.72", Structural, "top")
            .may("tombstoneLifetime garbageCollPeriod dSHeuristics")
            .under("container"),
        class("queryPolicy", "Query-Policy", "1.2.840.113556.1.5.106", Structural, "top")
            .may("lDAPIPDenyList lDAPAdminLimits")
            .under("container"),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lookup<'a>(attributes: &'a [AttributeType], name: &str) -> &'a AttributeType {
        attributes
            .iter()
            .find(|a| a.name == name)
            .unwrap_or_else(|| panic!("{name}"))
    }

    #[test]
    fn names_and_oids_are_unique() {
        let (attributes, classes) = tables();
        let mut seen = std::collections::HashSet::new();
        for key in attributes
            .iter()
            .flat_map(|a| [a.name.to_ascii_lowercase(), a.oid.clone()])
        {
            assert!(seen.insert(key.clone()), "duplicate attribute key {key}");
        }
        let mut seen = std::collections::HashSet::new();
        for key in classes
            .iter()
            .flat_map(|c| [c.name.to_ascii_lowercase(), c.oid.clone()])
        {
            assert!(seen.insert(key.clone()), "duplicate class key {key}");
        }
    }

    #[test]
    fn certificate_attributes_match_ad() {
        let (attributes, _) = tables();
        let ca = lookup(&attributes, "cACertificate");
        assert_eq!(
            (ca.cn.as_str(), ca.oid.as_str()),
            ("CA-Certificate", "2.5.4.37")
        );
        assert_eq!((ca.syntax, ca.single_valued), (OctetString, MULTI));
        let crl = lookup(&attributes, "certificateRevocationList");
        assert_eq!((crl.oid.as_str(), crl.single_valued), ("2.5.4.39", SINGLE));
        assert!(!lookup(&attributes, "authorityRevocationList").single_valued);
        assert!(!lookup(&attributes, "userCertificate").single_valued);
        assert_eq!(lookup(&attributes, "objectCategory").syntax, Dn);
        assert_eq!(lookup(&attributes, "objectSid").syntax, Sid);
        assert!(
            lookup(&attributes, "unicodePwd").secret && lookup(&attributes, "userPassword").secret
        );
        assert!(!lookup(&attributes, "name").operational);
    }

    #[test]
    fn user_and_contact_objects_are_categorised_as_person() {
        let (_, classes) = tables();
        let category = |name: &str| {
            classes
                .iter()
                .find(|c| c.name == name)
                .unwrap()
                .default_object_category_cn
                .clone()
        };
        assert_eq!(category("contact"), "Person");
        assert_eq!(category("user"), "Person");
        assert_eq!(category("computer"), "Computer");
        assert_eq!(category("pKIEnrollmentService"), "PKI-Enrollment-Service");
    }

    #[test]
    fn default_hiding_values_match_ad() {
        // MS-AD_Schema_2K8_R2_Classes.txt: defaultHidingValue FALSE for exactly these classes
        // defined here; TRUE for the rest (PKI objects, containers, configuration objects).
        let (_, classes) = tables();
        let mut shown: Vec<&str> = classes
            .iter()
            .filter(|c| !c.default_hiding)
            .map(|c| c.name.as_str())
            .collect();
        shown.sort_unstable();
        assert_eq!(
            shown,
            [
                "computer",
                "contact",
                "crossRefContainer",
                "domainDNS",
                "group",
                "organizationalUnit",
                "user"
            ]
        );
        let hidden = |name: &str| {
            classes
                .iter()
                .find(|c| c.name == name)
                .unwrap()
                .default_hiding
        };
        for name in [
            "top",
            "container",
            "certificationAuthority",
            "cRLDistributionPoint",
            "msPKI-PrivateKeyRecoveryAgent",
            "pKIEnrollmentService",
            "pKICertificateTemplate",
            "msPKI-Enterprise-Oid",
        ] {
            assert!(hidden(name), "{name}");
        }
    }

    #[test]
    fn the_configuration_skeleton_is_legal() {
        let (_, classes) = tables();
        let may_hold = |parent: &str, child: &str| {
            let child = classes.iter().find(|c| c.name == child).unwrap();
            child.poss_superiors.iter().any(|p| p == parent)
        };
        for (parent, child) in [
            ("domainDNS", "configuration"),
            ("configuration", "dMD"),
            ("dMD", "subSchema"),
            ("dMD", "classSchema"),
            ("dMD", "attributeSchema"),
            ("configuration", "container"),
            ("container", "container"),
            ("container", "certificationAuthority"),
            ("container", "pKIEnrollmentService"),
            ("container", "pKICertificateTemplate"),
            ("container", "cRLDistributionPoint"),
            ("container", "msPKI-Enterprise-Oid"),
            ("container", "msPKI-PrivateKeyRecoveryAgent"),
            ("container", "nTDSService"),
            ("nTDSService", "container"),
            ("container", "queryPolicy"),
            ("configuration", "crossRefContainer"),
            ("crossRefContainer", "crossRef"),
            ("configuration", "sitesContainer"),
            ("sitesContainer", "site"),
            ("site", "serversContainer"),
            ("serversContainer", "server"),
            ("server", "nTDSDSA"),
            ("domainDNS", "container"),
            ("domainDNS", "builtinDomain"),
            ("domainDNS", "organizationalUnit"),
            ("organizationalUnit", "organizationalUnit"),
            ("container", "user"),
            ("organizationalUnit", "computer"),
            ("container", "contact"),
            ("builtinDomain", "group"),
        ] {
            assert!(may_hold(parent, child), "{child} under {parent}");
        }
    }
}
