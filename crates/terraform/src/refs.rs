//! References an expression makes (`var.x`, `aws_x.y.id`, `module.m.out`,
//! ...), found by walking the syntax tree; they are the graph's edges.

use crate::error::TfError;
use hcl_edit::expr::{Expression, ObjectKey, TraversalOperator};
use hcl_edit::structure::Body;
use hcl_edit::template::{Directive, Element, Template};

/// A reference: the root name and up to two attribute steps after it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ref {
    /// `var`, `local`, `module`, `data`, `path`, `count`, `each`, or a resource type.
    pub root: String,
    /// The first attribute step.
    pub a1: Option<String>,
    /// The second attribute step.
    pub a2: Option<String>,
}

/// All references in a body (attributes and nested blocks).
pub fn body_refs(b: &Body, out: &mut Vec<Ref>) {
    for a in b.attributes() {
        expr_refs(&a.value, out);
    }
    for blk in b.blocks() {
        if blk.ident.value().as_str() == "dynamic" {
            // The iterator (named by `iterator`, else by the label) is bound
            // inside the block, not a reference.
            let iter = match blk.body.get_attribute("iterator").map(|a| &a.value) {
                Some(Expression::Variable(v)) => v.value().as_str().to_string(),
                _ => blk
                    .labels
                    .first()
                    .map(|l| l.as_str().to_string())
                    .unwrap_or_default(),
            };
            let mut inner = vec![];
            body_refs(&blk.body, &mut inner);
            out.extend(inner.into_iter().filter(|r| r.root != iter));
        } else {
            body_refs(&blk.body, out);
        }
    }
}

/// All references in an expression.
pub fn expr_refs(e: &Expression, out: &mut Vec<Ref>) {
    Walker { bound: vec![], out }.expr(e);
}

struct Walker<'a> {
    bound: Vec<String>,
    out: &'a mut Vec<Ref>,
}

impl Walker<'_> {
    fn expr(&mut self, e: &Expression) {
        match e {
            Expression::Null(_)
            | Expression::Bool(_)
            | Expression::Number(_)
            | Expression::String(_) => {}
            Expression::Array(a) => a.iter().for_each(|x| self.expr(x)),
            Expression::Object(o) => {
                for (k, v) in o.iter() {
                    if let ObjectKey::Expression(ke) = k {
                        self.expr(ke);
                    }
                    self.expr(v.expr());
                }
            }
            Expression::StringTemplate(t) => self.template(t),
            Expression::HeredocTemplate(h) => self.template(&h.template),
            Expression::Parenthesis(p) => self.expr(p.inner()),
            Expression::Variable(v) => self.push(v.value().as_str(), &[]),
            Expression::Conditional(c) => {
                self.expr(&c.cond_expr);
                self.expr(&c.true_expr);
                self.expr(&c.false_expr);
            }
            Expression::FuncCall(f) => f.args.iter().for_each(|x| self.expr(x)),
            Expression::Traversal(t) => {
                for op in &t.operators {
                    if let TraversalOperator::Index(i) = op.value() {
                        self.expr(i);
                    }
                }
                match &t.expr {
                    Expression::Variable(v) => self.push(v.value().as_str(), &t.operators),
                    other => self.expr(other),
                }
            }
            Expression::UnaryOp(u) => self.expr(&u.expr),
            Expression::BinaryOp(b) => {
                self.expr(&b.lhs_expr);
                self.expr(&b.rhs_expr);
            }
            Expression::ForExpr(f) => {
                self.expr(&f.intro.collection_expr);
                let mark = self.bound.len();
                if let Some(k) = &f.intro.key_var {
                    self.bound.push(k.value().as_str().to_string());
                }
                self.bound
                    .push(f.intro.value_var.value().as_str().to_string());
                if let Some(k) = &f.key_expr {
                    self.expr(k);
                }
                self.expr(&f.value_expr);
                if let Some(c) = &f.cond {
                    self.expr(&c.expr);
                }
                self.bound.truncate(mark);
            }
        }
    }

    fn template(&mut self, t: &Template) {
        for el in t.iter() {
            match el {
                Element::Literal(_) => {}
                Element::Interpolation(i) => self.expr(&i.expr),
                Element::Directive(d) => match d.as_ref() {
                    Directive::If(i) => {
                        self.expr(&i.if_expr.cond_expr);
                        self.template(&i.if_expr.template);
                        if let Some(e) = &i.else_expr {
                            self.template(&e.template);
                        }
                    }
                    Directive::For(f) => {
                        self.expr(&f.for_expr.collection_expr);
                        let mark = self.bound.len();
                        if let Some(k) = &f.for_expr.key_var {
                            self.bound.push(k.value().as_str().to_string());
                        }
                        self.bound
                            .push(f.for_expr.value_var.value().as_str().to_string());
                        self.template(&f.for_expr.template);
                        self.bound.truncate(mark);
                    }
                },
            }
        }
    }

    fn push(&mut self, root: &str, ops: &[hcl_edit::Decorated<TraversalOperator>]) {
        if self.bound.iter().any(|b| b == root) {
            return;
        }
        let attr = |i: usize| match ops.get(i).map(|o| o.value()) {
            Some(TraversalOperator::GetAttr(a)) => Some(a.value().as_str().to_string()),
            _ => None,
        };
        let a1 = attr(0);
        let a2 = if a1.is_some() { attr(1) } else { None };
        self.out.push(Ref {
            root: root.to_string(),
            a1,
            a2,
        });
    }
}

/// One `depends_on` entry as an address: a bare reference
/// (`aws_x.y`, `module.m`) or, in 0.11 files, a quoted one (`"aws_x.y"`).
pub fn depends_on_entry(e: &Expression) -> Result<String, TfError> {
    let bad = || {
        TfError::new(
            "Invalid depends_on reference",
            "References in depends_on must be to a whole object (a resource, a data source or a module), without further attribute access.",
        )
    };
    let text = match e {
        Expression::String(s) => s.value().clone(),
        Expression::StringTemplate(t) => match t.get(0) {
            Some(Element::Literal(l)) if t.len() == 1 => l.value().clone(),
            Some(Element::Interpolation(i)) if t.len() == 1 => return depends_on_entry(&i.expr),
            _ => return Err(bad()),
        },
        Expression::Traversal(_) | Expression::Variable(_) => {
            let mut r = vec![];
            expr_refs(e, &mut r);
            let r = r.into_iter().next().ok_or_else(bad)?;
            let mut s = r.root;
            for a in [r.a1, r.a2].into_iter().flatten() {
                s.push('.');
                s.push_str(&a);
            }
            s
        }
        _ => return Err(bad()),
    };
    let parts: Vec<&str> = text.split('.').collect();
    let ok = match parts.as_slice() {
        ["module", _] | ["data", _, _] => true,
        [t, _] => *t != "var" && *t != "local",
        _ => false,
    };
    if ok { Ok(text) } else { Err(bad()) }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refs(src: &str) -> Vec<String> {
        let mut out = vec![];
        expr_refs(&hcl_edit::parser::parse_expr(src).unwrap(), &mut out);
        out.into_iter()
            .map(|r| {
                format!(
                    "{}|{}|{}",
                    r.root,
                    r.a1.unwrap_or_default(),
                    r.a2.unwrap_or_default()
                )
            })
            .collect()
    }

    #[test]
    fn finds_references_skipping_bound_names() {
        assert_eq!(
            refs("\"${aws_x.y.id}/${var.apex_function_github-status}\""),
            vec!["aws_x|y|id", "var|apex_function_github-status|"]
        );
        assert_eq!(
            refs("[for k, v in local.m : v.id if k != var.z]"),
            vec!["local|m|", "var|z|"]
        );
        assert_eq!(
            refs("data.aws_region.current.name"),
            vec!["data|aws_region|current"]
        );
    }

    #[test]
    fn depends_on_forms() {
        let e = |s: &str| depends_on_entry(&hcl_edit::parser::parse_expr(s).unwrap());
        assert_eq!(
            e("\"aws_api_gateway_integration.x\"").unwrap(),
            "aws_api_gateway_integration.x"
        );
        assert_eq!(
            e("aws_api_gateway_integration.x").unwrap(),
            "aws_api_gateway_integration.x"
        );
        assert_eq!(e("module.m").unwrap(), "module.m");
        assert!(e("var.x").is_err());
    }
}
