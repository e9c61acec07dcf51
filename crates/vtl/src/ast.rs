//! The parsed form of a template. Positions are byte offsets into the
//! source; errors turn them into line and column.

/// One piece of template output.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Node {
    Text(String),
    Ref(Reference),
    /// `\$ref` with `backslashes` leading backslashes (odd count = escaped).
    EscapedRef {
        backslashes: usize,
        reference: Reference,
    },
    Set {
        target: Reference,
        value: Expr,
        pos: usize,
    },
    If {
        branches: Vec<(Expr, Vec<Node>)>,
        otherwise: Option<Vec<Node>>,
        pos: usize,
    },
    Foreach {
        var: String,
        iterable: Expr,
        body: Vec<Node>,
        pos: usize,
    },
    Break,
    Stop,
    /// `#name(args)`; `literal` is rendered when no such macro exists.
    MacroCall {
        name: String,
        args: Vec<Expr>,
        literal: String,
        pos: usize,
    },
    /// `#define($name) body #end`; `block` indexes `Template::blocks`.
    Define {
        var: String,
        block: usize,
    },
}

/// `$a.b(c)[d]`, `${a}`, `$!a`.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Reference {
    pub(crate) root: String,
    pub(crate) parts: Vec<Accessor>,
    pub(crate) quiet: bool,
    /// The source text, for escaped references.
    pub(crate) literal: String,
    pub(crate) pos: usize,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Accessor {
    Property(String),
    Method(String, Vec<Expr>),
    Index(Expr),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum BinOp {
    Or,
    And,
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    Add,
    Sub,
    Mul,
    Div,
    Mod,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Expr {
    Bool(bool),
    Int(i64),
    Float(f64),
    /// A single-quoted string, or a double-quoted one with nothing to
    /// interpolate.
    Str(String),
    /// A double-quoted string containing `$` or `#`: rendered as a template.
    Interpolated(Vec<Node>),
    List(Vec<Expr>),
    Range(Box<Expr>, Box<Expr>),
    Map(Vec<(Expr, Expr)>),
    Ref(Reference),
    Not(Box<Expr>),
    Neg(Box<Expr>),
    Binary(BinOp, Box<Expr>, Box<Expr>),
}

/// `#macro(name $a $b) body #end`.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct MacroDef {
    pub(crate) params: Vec<String>,
    pub(crate) body: Vec<Node>,
}
