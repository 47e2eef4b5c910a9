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

mod attributes;
mod classes;

use attributes::attribute_table;
use classes::class_table;

#[cfg(test)]
mod tests;
