//! `#set`. Assigning to `$a.b` puts into the map `$a`; assigning to
//! `$a[k]` puts into a map or replaces a list element. This is how
//! templates write `$context.responseOverride.status`,
//! `$context.responseOverride.header.X` and
//! `$context["requestOverride"].querystring["k"]`.

use super::Renderer;
use crate::ast::{Accessor, Expr, Reference};
use crate::error::Fault;
use crate::value::Value;

impl<'t> Renderer<'t> {
    pub(crate) fn set(&mut self, target: &'t Reference, value: &'t Expr) -> Result<(), Fault> {
        let v = self.eval(value)?;
        // Velocity 1.7 (directive.set.null.allowed = false): a null right
        // side leaves the left side unchanged.
        if v.is_null() {
            return Ok(());
        }
        let Some((last, prefix)) = target.parts.split_last() else {
            self.vars.insert(target.root.clone(), v);
            return Ok(());
        };
        let mut obj = self.vars.get(&target.root).cloned().unwrap_or(Value::Null);
        for part in prefix {
            self.step()?;
            obj = match part {
                Accessor::Property(name) => self.property(&obj, name)?,
                Accessor::Method(name, args) => {
                    let mut vals = Vec::with_capacity(args.len());
                    for a in args {
                        vals.push(self.eval(a)?);
                    }
                    self.call_method(&obj, name, vals)?
                }
                Accessor::Index(e) => {
                    let i = self.eval(e)?;
                    self.index(&obj, &i)?
                }
            };
        }
        match last {
            Accessor::Property(name) => {
                // Only maps take properties; a bean setter does not exist
                // on any object a template can reach, so this is a no-op.
                if let Value::Map(_) = obj {
                    self.call_method(&obj, "put", vec![Value::str(name), v])?;
                }
            }
            Accessor::Index(e) => {
                let i = self.eval(e)?;
                match obj {
                    Value::Map(_) => {
                        self.call_method(&obj, "put", vec![i, v])?;
                    }
                    Value::List(_) => {
                        self.call_method(&obj, "set", vec![i, v])?;
                    }
                    _ => {}
                }
            }
            Accessor::Method(..) => {
                return Err(Fault::render("cannot assign to a method call"));
            }
        }
        Ok(())
    }
}
