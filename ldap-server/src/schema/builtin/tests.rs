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
    assert!(lookup(&attributes, "unicodePwd").secret && lookup(&attributes, "userPassword").secret);
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
