//! Resource schemas, one table per type, following the AWS provider (v5,
//! which accepts both the `stage_name` and the `triggers` deployment
//! styles): argument names, required/optional, defaults, which arguments
//! force replacement, and computed attributes.

mod apigw;
mod data;
mod known;
mod lambda_iam;

use crate::value::Value;

/// An attribute's value type (element types are not checked).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ty {
    /// String.
    Str,
    /// Number.
    Num,
    /// Bool.
    Bool,
    /// List or set.
    List,
    /// Map.
    Map,
}

/// A default value written in a schema table.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Def {
    /// String default.
    S(&'static str),
    /// Number default.
    N(f64),
    /// Bool default.
    B(bool),
}

impl Def {
    /// The default as a value.
    pub fn value(self) -> Value {
        match self {
            Def::S(s) => Value::str(s),
            Def::N(n) => Value::Number(n),
            Def::B(b) => Value::Bool(b),
        }
    }
}

/// One attribute of a resource type.
#[derive(Debug, Clone, Copy)]
pub struct Attr {
    /// Attribute name.
    pub name: &'static str,
    /// Value type.
    pub ty: Ty,
    /// Must be set in configuration.
    pub required: bool,
    /// May be set in configuration.
    pub optional: bool,
    /// The provider computes it (when not set).
    pub computed: bool,
    /// A change replaces the object.
    pub force_new: bool,
    /// Value used when not set.
    pub default: Option<Def>,
}

/// A nested block type.
#[derive(Debug, Clone, Copy)]
pub struct BlockSpec {
    /// Block type name.
    pub name: &'static str,
    /// Its attributes.
    pub attrs: &'static [Attr],
    /// Its nested blocks.
    pub blocks: &'static [BlockSpec],
    /// A change replaces the object.
    pub force_new: bool,
}

/// The schema of a resource or data source type.
#[derive(Debug, Clone, Copy)]
pub struct Schema {
    /// Type name.
    pub ty: &'static str,
    /// Attributes.
    pub attrs: &'static [Attr],
    /// Nested block types.
    pub blocks: &'static [BlockSpec],
}

const fn base(name: &'static str, ty: Ty) -> Attr {
    Attr {
        name,
        ty,
        required: false,
        optional: false,
        computed: false,
        force_new: false,
        default: None,
    }
}
/// Required.
pub(crate) const fn r(name: &'static str, ty: Ty) -> Attr {
    Attr {
        required: true,
        ..base(name, ty)
    }
}
/// Required, forces replacement.
pub(crate) const fn rf(name: &'static str, ty: Ty) -> Attr {
    Attr {
        required: true,
        force_new: true,
        ..base(name, ty)
    }
}
/// Optional.
pub(crate) const fn o(name: &'static str, ty: Ty) -> Attr {
    Attr {
        optional: true,
        ..base(name, ty)
    }
}
/// Optional, forces replacement.
pub(crate) const fn of(name: &'static str, ty: Ty) -> Attr {
    Attr {
        optional: true,
        force_new: true,
        ..base(name, ty)
    }
}
/// Optional and computed when unset.
pub(crate) const fn oc(name: &'static str, ty: Ty) -> Attr {
    Attr {
        optional: true,
        computed: true,
        ..base(name, ty)
    }
}
/// Optional and computed, forces replacement.
pub(crate) const fn ocf(name: &'static str, ty: Ty) -> Attr {
    Attr {
        optional: true,
        computed: true,
        force_new: true,
        ..base(name, ty)
    }
}
/// Optional with a default.
pub(crate) const fn d(name: &'static str, ty: Ty, def: Def) -> Attr {
    Attr {
        optional: true,
        default: Some(def),
        ..base(name, ty)
    }
}
/// Optional with a default, forces replacement.
pub(crate) const fn df(name: &'static str, ty: Ty, def: Def) -> Attr {
    Attr {
        optional: true,
        force_new: true,
        default: Some(def),
        ..base(name, ty)
    }
}
/// Computed only.
pub(crate) const fn c(name: &'static str, ty: Ty) -> Attr {
    Attr {
        computed: true,
        ..base(name, ty)
    }
}
/// A nested block.
pub(crate) const fn blk(
    name: &'static str,
    attrs: &'static [Attr],
    blocks: &'static [BlockSpec],
    force_new: bool,
) -> BlockSpec {
    BlockSpec {
        name,
        attrs,
        blocks,
        force_new,
    }
}

/// How Portico treats a resource type.
#[derive(Debug, Clone, Copy)]
pub enum Support {
    /// Emulated, with its schema.
    Emulated(&'static Schema),
    /// A real provider type Portico records without emulating.
    RecordedOnly,
}

/// Looks up a managed resource type; `None` when the AWS provider has no such type.
pub fn resource(ty: &str) -> Option<Support> {
    if let Some(s) = apigw::SCHEMAS
        .iter()
        .chain(lambda_iam::SCHEMAS.iter())
        .find(|s| s.ty == ty)
    {
        return Some(Support::Emulated(s));
    }
    if known::RESOURCE_TYPES.contains(&ty) {
        Some(Support::RecordedOnly)
    } else {
        None
    }
}

/// Looks up a data source type Portico can read.
pub fn data_source(ty: &str) -> Option<&'static Schema> {
    data::SCHEMAS.iter().find(|s| s.ty == ty)
}

/// Every managed type name (emulated or recorded), for did-you-mean.
pub fn all_resource_types() -> impl Iterator<Item = &'static str> {
    apigw::SCHEMAS
        .iter()
        .chain(lambda_iam::SCHEMAS.iter())
        .map(|s| s.ty)
        .chain(known::RESOURCE_TYPES.iter().copied())
}

/// Every data source type name Portico reads.
pub fn all_data_types() -> impl Iterator<Item = &'static str> {
    data::SCHEMAS.iter().map(|s| s.ty)
}

/// Whether a data source type exists in the provider (even if Portico cannot read it).
pub fn is_known_data_type(ty: &str) -> bool {
    known::DATA_TYPES.contains(&ty)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_are_consistent() {
        for s in apigw::SCHEMAS
            .iter()
            .chain(lambda_iam::SCHEMAS.iter())
            .chain(data::SCHEMAS.iter())
        {
            assert!(s.attrs.iter().any(|a| a.name == "id"), "{} lacks id", s.ty);
            for a in s.attrs {
                assert!(
                    a.required || a.optional || a.computed,
                    "{}.{} is neither set nor computed",
                    s.ty,
                    a.name
                );
                assert!(!(a.required && a.default.is_some()), "{}.{}", s.ty, a.name);
            }
            let mut names: Vec<_> = s
                .attrs
                .iter()
                .map(|a| a.name)
                .chain(s.blocks.iter().map(|b| b.name))
                .collect();
            names.sort();
            let n = names.len();
            names.dedup();
            assert_eq!(n, names.len(), "{} has a duplicate attribute", s.ty);
        }
    }

    #[test]
    fn lookups() {
        assert!(matches!(
            resource("aws_api_gateway_deployment"),
            Some(Support::Emulated(_))
        ));
        assert!(matches!(
            resource("aws_s3_bucket"),
            Some(Support::RecordedOnly)
        ));
        assert!(resource("aws_api_gateway_restapi").is_none());
        let dep = match resource("aws_api_gateway_deployment") {
            Some(Support::Emulated(s)) => s,
            _ => unreachable!(),
        };
        let attr = |n: &str| dep.attrs.iter().find(|a| a.name == n);
        assert!(attr("stage_description").is_some_and(|a| a.force_new));
        assert!(attr("description").is_some_and(|a| !a.force_new));
    }
}
