use super::*;
use crate::ast::{Accessor, BinOp, Expr, Node};

fn nodes(src: &str) -> Vec<Node> {
    parse(src, 64).unwrap().nodes
}

fn err(src: &str) -> String {
    let e = parse(src, 64).unwrap_err();
    format!("{:?}@{}", e.fault, e.pos)
}

fn text(s: &str) -> Node {
    Node::Text(s.into())
}

#[test]
fn plain_text_and_lone_symbols() {
    assert_eq!(
        nodes("a $ b # c \\ d $1 #1"),
        vec![text("a $ b # c \\ d $1 #1")]
    );
    assert_eq!(nodes("color: #fff;"), vec![text("color: #fff;")]);
}

#[test]
fn references_with_chains() {
    let n = nodes("x${a.b}y$!c.d('e', 1)[0].f$g.");
    assert_eq!(n.len(), 6);
    let Node::Ref(r) = &n[1] else { panic!() };
    assert_eq!(r.root, "a");
    assert_eq!(r.parts, vec![Accessor::Property("b".into())]);
    assert_eq!(r.literal, "${a.b}");
    let Node::Ref(r) = &n[3] else { panic!() };
    assert!(r.quiet);
    assert_eq!(
        r.parts,
        vec![
            Accessor::Method("d".into(), vec![Expr::Str("e".into()), Expr::Int(1)]),
            Accessor::Index(Expr::Int(0)),
            Accessor::Property("f".into()),
        ]
    );
    assert_eq!(n[5], text("."));
}

#[test]
fn hyphen_is_part_of_identifiers_as_in_1_7() {
    let n = nodes("$a-b");
    let Node::Ref(r) = &n[0] else { panic!() };
    assert_eq!(r.root, "a-b");
}

#[test]
fn set_with_and_without_space_and_braces() {
    for src in ["#set($x = 1)", "#set ($x=1)", "#{set}( $x = 1 )"] {
        let n = nodes(src);
        assert!(
            matches!(
                &n[..],
                [Node::Set {
                    value: Expr::Int(1),
                    ..
                }]
            ),
            "{src}"
        );
    }
}

#[test]
fn set_eats_leading_blanks_and_trailing_newline() {
    let n = nodes("a\n   #set($x = 1)  \nb");
    assert_eq!(n.len(), 3);
    assert_eq!(n[0], text("a\n"));
    assert_eq!(n[2], text("b"));
}

#[test]
fn end_and_else_eat_their_line() {
    let n = nodes("#if($a)\nA\n#else\nB\n#end\nC");
    let Node::If {
        branches,
        otherwise,
        ..
    } = &n[0]
    else {
        panic!()
    };
    assert_eq!(branches[0].1, vec![text("A\n")]);
    assert_eq!(otherwise.as_deref(), Some(&[text("B\n")][..]));
    assert_eq!(n[1], text("C"));
}

#[test]
fn brace_forms_of_directives() {
    let n = nodes("#{if}($a)x#{elseif}($b)y#{else}z#{end}w");
    let Node::If {
        branches,
        otherwise,
        ..
    } = &n[0]
    else {
        panic!()
    };
    assert_eq!(branches.len(), 2);
    assert!(otherwise.is_some());
    assert_eq!(n[1], text("w"));
}

#[test]
fn operator_precedence_and_words() {
    let n = nodes("#set($x = 1 + 2 * 3 == 7 and not $b || $c lt 2)");
    let Node::Set { value, .. } = &n[0] else {
        panic!()
    };
    let Expr::Binary(BinOp::Or, l, _) = value else {
        panic!("{value:?}")
    };
    let Expr::Binary(BinOp::And, eq, not) = &**l else {
        panic!()
    };
    assert!(matches!(&**not, Expr::Not(_)));
    let Expr::Binary(BinOp::Eq, sum, _) = &**eq else {
        panic!()
    };
    assert!(matches!(&**sum, Expr::Binary(BinOp::Add, _, _)));
}

#[test]
fn literals() {
    let n = nodes("#set($x = [1, 2.5, 'a''b', \"q\"\"q\", true, [1..3], {'k': $v}, {}])");
    let Node::Set {
        value: Expr::List(items),
        ..
    } = &n[0]
    else {
        panic!()
    };
    assert_eq!(items[0], Expr::Int(1));
    assert_eq!(items[1], Expr::Float(2.5));
    assert_eq!(items[2], Expr::Str("a'b".into()));
    assert_eq!(items[3], Expr::Str("q\"q".into()));
    assert_eq!(items[4], Expr::Bool(true));
    assert!(matches!(items[5], Expr::Range(..)));
    assert!(matches!(&items[6], Expr::Map(e) if e.len() == 1));
    assert!(matches!(&items[7], Expr::Map(e) if e.is_empty()));
}

#[test]
fn double_quoted_strings_interpolate_single_quoted_do_not() {
    let n = nodes("#set($x = \"a$b\")#set($y = 'a$b')");
    assert!(matches!(
        &n[0],
        Node::Set {
            value: Expr::Interpolated(_),
            ..
        }
    ));
    assert!(matches!(&n[1], Node::Set { value: Expr::Str(s), .. } if s == "a$b"));
}

#[test]
fn comments_and_raw_blocks() {
    assert_eq!(
        nodes("a## gone\nb#* gone\n *#c#[[$raw #if]]#d"),
        vec![text("ab"), text("c$raw #ifd")].concat_text()
    );
}

trait ConcatText {
    fn concat_text(self) -> Vec<Node>;
}

impl ConcatText for Vec<Node> {
    fn concat_text(self) -> Vec<Node> {
        let mut s = String::new();
        for n in self {
            if let Node::Text(t) = n {
                s.push_str(&t);
            }
        }
        vec![Node::Text(s)]
    }
}

#[test]
fn escapes() {
    let n = nodes("\\$a \\\\$b \\#if \\x");
    assert!(matches!(&n[0], Node::EscapedRef { backslashes: 1, .. }));
    assert!(matches!(&n[2], Node::EscapedRef { backslashes: 2, .. }));
    assert_eq!(n[3], text(" #if \\x"));
}

#[test]
fn macros_are_hoisted_and_calls_recorded() {
    let p = parse(
        "#macro(greet $name, $x)Hi $name#end#greet('bob' 2)#nomacro",
        64,
    )
    .unwrap();
    assert_eq!(p.macros["greet"].params, vec!["name", "x"]);
    assert!(matches!(&p.nodes[0], Node::MacroCall { args, .. } if args.len() == 2));
    assert_eq!(p.nodes[1], text("#nomacro"));
}

#[test]
fn foreach_and_define() {
    let p = parse("#foreach( $i in [1..3] )$i#end#define($blk)x#end", 64).unwrap();
    assert!(matches!(&p.nodes[0], Node::Foreach { var, .. } if var == "i"));
    assert!(matches!(&p.nodes[1], Node::Define { var, block: 0 } if var == "blk"));
    assert_eq!(p.blocks.len(), 1);
}

#[test]
fn errors_carry_positions() {
    assert!(err("#if($a)x").contains("without #end"));
    assert!(err("x\n#end").ends_with("@2"));
    assert!(err("#set($a = )").contains("expected an expression"));
    assert!(err("#foreach($a of $b)#end").contains("expected `in`"));
    assert!(err("#* open").contains("unterminated"));
    assert!(err("#set($a = \"x)").contains("unterminated string"));
    assert!(err("#if($a)#else#else#end").contains("after #else"));
}

#[test]
fn nesting_limit_is_an_error_not_a_stack_overflow() {
    let deep = format!("#set($x = {}1{})", "(".repeat(10_000), ")".repeat(10_000));
    let e = parse(&deep, 64).unwrap_err();
    assert_eq!(
        e.fault,
        crate::error::Fault::Limit(crate::error::LimitKind::Depth)
    );
    let deep_if = "#if(true)".repeat(500) + &"#end".repeat(500);
    assert!(parse(&deep_if, 64).is_err());
}
