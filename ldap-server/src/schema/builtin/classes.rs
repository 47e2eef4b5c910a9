//! The classSchema table: kind, superior, must/may, possible superiors, hiding (MS-ADSC).

use super::*;

/// Object classes (MS-ADSC), most general first within each group.
#[rustfmt::skip]
pub(super) fn class_table() -> Vec<ClassDef> {
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
