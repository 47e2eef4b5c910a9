//! The schema as RFC 4512 text, the way AD's subschema entry (`CN=Aggregate,CN=Schema,…`) shows it
//! in `attributeTypes` and `objectClasses`.
//!
//! AD's spelling, which generic clients (python ldap3, Apache Directory Studio, Certipy) parse:
//! ```text
//! ( 2.5.4.37 NAME 'cACertificate' SYNTAX '1.3.6.1.4.1.1466.115.121.1.40' )
//! ( 2.5.4.3 NAME 'cn' SYNTAX '1.3.6.1.4.1.1466.115.121.1.15' SINGLE-VALUE )
//! ( 2.5.6.16 NAME 'certificationAuthority' SUP top STRUCTURAL MUST (cn $ … ) MAY (… ) )
//! ```
//! The syntax OID is quoted, lists are written `(a $ b )`, and AD shows its 88-classes
//! (`certificationAuthority`, `person`) as STRUCTURAL.

use super::{ClassKind, ObjectClass, Schema};

impl Schema {
    /// One `attributeTypes` value per attribute type, learned ones included.
    pub fn attribute_type_descriptions(&self) -> Vec<String> {
        self.attributes()
            .iter()
            .map(|attribute| {
                let mut text = format!(
                    "( {} NAME '{}' SYNTAX '{}'",
                    attribute.oid,
                    attribute.name,
                    attribute.syntax.ldap_oid()
                );
                if attribute.single_valued {
                    text.push_str(" SINGLE-VALUE");
                }
                text.push_str(" )");
                text
            })
            .collect()
    }

    /// One `objectClasses` value per object class.
    pub fn object_class_descriptions(&self) -> Vec<String> {
        self.classes()
            .iter()
            .map(|class| self.object_class_description(class))
            .collect()
    }

    fn object_class_description(&self, class: &ObjectClass) -> String {
        let mut text = format!("( {} NAME '{}'", class.oid, class.name);
        if let Some(superior) = &class.superior {
            let superior = self
                .class_id(superior)
                .map_or(superior.as_str(), |id| self.class(id).name.as_str());
            text.push_str(" SUP ");
            text.push_str(superior);
        }
        text.push_str(match class.kind {
            ClassKind::Class88 | ClassKind::Structural => " STRUCTURAL",
            ClassKind::Abstract => " ABSTRACT",
            ClassKind::Auxiliary => " AUXILIARY",
        });
        self.push_list(&mut text, "MUST", &class.must);
        self.push_list(&mut text, "MAY", &class.may);
        text.push_str(" )");
        text
    }

    /// ` KEYWORD (a $ b )`, names spelled as the schema spells them, duplicates dropped.
    fn push_list(&self, text: &mut String, keyword: &str, names: &[String]) {
        let mut written: Vec<&str> = Vec::new();
        for name in names {
            let name = self
                .attribute_id(name)
                .map_or(name.as_str(), |id| self.attribute(id).name.as_str());
            if !written.iter().any(|seen| seen.eq_ignore_ascii_case(name)) {
                written.push(name);
            }
        }
        if !written.is_empty() {
            text.push_str(&format!(" {keyword} ({} )", written.join(" $ ")));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const OCTET_STRING: &str = "1.3.6.1.4.1.1466.115.121.1.40";

    /// What an RFC 4512 parser needs: `( <numeric oid> NAME '<name>' … )` with balanced
    /// parentheses and quotes, and nothing after the closing parenthesis.
    fn assert_well_formed(description: &str) {
        let rest = description
            .strip_prefix("( ")
            .unwrap_or_else(|| panic!("no opening: {description}"));
        let oid = rest.split(' ').next().unwrap();
        assert!(
            !oid.is_empty()
                && oid
                    .split('.')
                    .all(|arc| !arc.is_empty() && arc.bytes().all(|b| b.is_ascii_digit())),
            "bad OID in {description}"
        );
        let after_oid = &rest[oid.len()..];
        let name = after_oid
            .strip_prefix(" NAME '")
            .and_then(|tail| tail.split('\'').next())
            .unwrap_or_else(|| panic!("no quoted NAME: {description}"));
        assert!(!name.is_empty() && !name.contains(' '), "{description}");
        assert!(description.ends_with(" )"), "{description}");
        assert_eq!(description.matches('\'').count() % 2, 0, "{description}");
        let mut depth = 0i32;
        for (index, byte) in description.bytes().enumerate() {
            match byte {
                b'(' => depth += 1,
                b')' => {
                    depth -= 1;
                    assert!(depth >= 0, "{description}");
                    if depth == 0 {
                        assert_eq!(
                            index,
                            description.len() - 1,
                            "text after the end: {description}"
                        );
                    }
                }
                _ => {}
            }
        }
        assert_eq!(depth, 0, "unbalanced: {description}");
    }

    fn find<'a>(descriptions: &'a [String], name: &str) -> &'a str {
        let needle = format!(" NAME '{name}' ");
        descriptions
            .iter()
            .find(|d| d.contains(&needle))
            .unwrap_or_else(|| panic!("{name}"))
    }

    #[test]
    fn every_description_is_well_formed() {
        let schema = Schema::active_directory();
        let attributes = schema.attribute_type_descriptions();
        let classes = schema.object_class_descriptions();
        assert_eq!(attributes.len(), schema.attributes().len());
        assert_eq!(classes.len(), schema.classes().len());
        for description in attributes.iter().chain(&classes) {
            assert_well_formed(description);
        }
    }

    #[test]
    fn attribute_types_read_like_ad() {
        let schema = Schema::active_directory();
        let attributes = schema.attribute_type_descriptions();
        assert_eq!(
            find(&attributes, "cACertificate"),
            format!("( 2.5.4.37 NAME 'cACertificate' SYNTAX '{OCTET_STRING}' )")
        );
        assert_eq!(
            find(&attributes, "cn"),
            "( 2.5.4.3 NAME 'cn' SYNTAX '1.3.6.1.4.1.1466.115.121.1.15' SINGLE-VALUE )"
        );
        assert_eq!(
            find(&attributes, "certificateRevocationList"),
            format!("( 2.5.4.39 NAME 'certificateRevocationList' SYNTAX '{OCTET_STRING}' SINGLE-VALUE )")
        );
        assert!(!find(&attributes, "authorityRevocationList").contains("SINGLE-VALUE"));
    }

    #[test]
    fn object_classes_read_like_ad() {
        let schema = Schema::active_directory();
        let classes = schema.object_class_descriptions();
        let ca = find(&classes, "certificationAuthority");
        assert!(
            ca.starts_with(
                "( 2.5.6.16 NAME 'certificationAuthority' SUP top STRUCTURAL \
                 MUST (cn $ certificateRevocationList $ cACertificate $ authorityRevocationList ) MAY ("
            ),
            "{ca}"
        );
        assert!(ca.contains(" $ cACertificateDN ) )"), "{ca}");
        assert!(find(&classes, "top")
            .starts_with("( 2.5.6.0 NAME 'top' ABSTRACT MUST (objectClass ) MAY ("));
        assert!(find(&classes, "pKIEnrollmentService")
            .contains(" STRUCTURAL MAY (msPKI-Enrollment-Servers $ "));
        assert!(find(&classes, "computer").contains(" SUP user STRUCTURAL"));
    }

    #[test]
    fn learned_attributes_appear_as_octet_strings() {
        let mut schema = Schema::active_directory();
        schema.learn_attribute("msExchMailboxGuid");
        let attributes = schema.attribute_type_descriptions();
        let learned = find(&attributes, "msExchMailboxGuid");
        assert_well_formed(learned);
        assert!(
            learned.ends_with(&format!("SYNTAX '{OCTET_STRING}' )")),
            "{learned}"
        );
    }
}
