//! One hostile template per limit: each must fail with that limit's
//! error, quickly, without panicking or exhausting memory. Renders run on
//! a thread with a 2 MiB stack, the size of a Tokio worker's.

use portico_vtl::{Input, LimitKind, Limits, Template, Variables, VtlError};

fn render_limited(src: &str, limits: &Limits) -> Result<String, VtlError> {
    let src = src.to_string();
    let limits = limits.clone();
    std::thread::Builder::new()
        .stack_size(2 * 1024 * 1024)
        .spawn(move || {
            let t = Template::parse_with_limits(&src, &limits)?;
            let input = Input {
                body: br#"{"a": [1, 2, 3]}"#.to_vec(),
                ..Input::default()
            };
            t.render(&input, &Variables::default(), &limits)
                .map(|r| r.output)
        })
        .expect("spawn")
        .join()
        .expect("render thread panicked")
}

fn limit_of(src: &str) -> Option<LimitKind> {
    render_limited(src, &Limits::default())
        .err()
        .and_then(|e| e.limit_kind())
}

#[test]
fn template_size() {
    let big = "x".repeat(300 * 1024 + 1);
    assert_eq!(limit_of(&big), Some(LimitKind::TemplateSize));
    assert!(render_limited(&"x".repeat(300 * 1024), &Limits::default()).is_ok());
}

#[test]
fn output_size() {
    let limits = Limits {
        max_output_bytes: 1000,
        ..Limits::default()
    };
    let e = render_limited("#foreach($i in [1..2000])x#end", &limits).unwrap_err();
    assert_eq!(e.limit_kind(), Some(LimitKind::OutputSize));
}

#[test]
fn string_size_by_doubling() {
    let src = "#set($s = 'xxxxxxxxxxxxxxxx')#foreach($i in [1..40])#set($s = \"$s$s\")#end";
    assert_eq!(limit_of(src), Some(LimitKind::StringSize));
    let src = "#set($s = 'ab')#foreach($i in [1..40])#set($s = $s.replace('a', $s))#end";
    assert_eq!(limit_of(src), Some(LimitKind::StringSize));
}

#[test]
fn loop_iterations() {
    let src =
        "#foreach($a in [1..1000])#foreach($b in [1..1000])#foreach($c in [1..1000])#end#end#end";
    assert_eq!(limit_of(src), Some(LimitKind::LoopIterations));
}

#[test]
fn range_size() {
    assert_eq!(
        limit_of("#foreach($i in [0..9999999999])#end"),
        Some(LimitKind::RangeSize)
    );
    assert_eq!(
        limit_of("#set($r = [-9223372036854775807..9223372036854775807])"),
        Some(LimitKind::RangeSize)
    );
}

#[test]
fn macro_recursion_depth() {
    assert_eq!(limit_of("#macro(f)#f()#end#f()"), Some(LimitKind::Depth));
    assert_eq!(limit_of("#define($b)$b#end$b"), Some(LimitKind::Depth));
}

#[test]
fn parser_nesting_depth() {
    let parens = format!("#set($x = {}1{})", "(".repeat(5000), ")".repeat(5000));
    assert_eq!(limit_of(&parens), Some(LimitKind::Depth));
    let ifs = "#if(true)".repeat(5000) + &"#end".repeat(5000);
    assert_eq!(limit_of(&ifs), Some(LimitKind::Depth));
    let lists = format!("#set($x = {}{})", "[".repeat(5000), "]".repeat(5000));
    assert_eq!(limit_of(&lists), Some(LimitKind::Depth));
    let strings = "#set($x = \"$y".repeat(2000);
    assert!(render_limited(&strings, &Limits::default()).is_err());
}

#[test]
fn nested_structures_when_printing() {
    // A list that contains itself: Java would overflow its stack; we stop.
    let src = "#set($l = [])$l.add($l)$l";
    assert_eq!(limit_of(src), Some(LimitKind::Depth));
    let src = "#set($m = {})$m.put('self', $m)#if($m == $m)same#end$m.toString()";
    assert_eq!(limit_of(src), Some(LimitKind::Depth));
}

#[test]
fn exponential_macro_fanout_hits_steps() {
    let src = "#macro(f $n)#if($n > 0)#f($n - 1)#f($n - 1)#end#end#f(40)";
    let e = render_limited(src, &Limits::default()).unwrap_err();
    assert!(
        matches!(e.limit_kind(), Some(LimitKind::Steps | LimitKind::Depth)),
        "{e:?}"
    );
    let limits = Limits {
        max_steps: 10_000,
        ..Limits::default()
    };
    let e = render_limited("#foreach($i in [1..100000])$i#end", &limits).unwrap_err();
    assert_eq!(e.limit_kind(), Some(LimitKind::Steps));
}

#[test]
fn collection_elements() {
    let src = "#set($l = [1])#foreach($i in [1..40])#set($ok = $l.addAll($l))#end";
    assert_eq!(limit_of(src), Some(LimitKind::Elements));
}

#[test]
fn catastrophic_regex_is_bounded() {
    let src = "#set($s = 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaab')\
               $s.matches('(a+)+\\1c')";
    let started = std::time::Instant::now();
    let r = render_limited(src, &Limits::default());
    assert!(started.elapsed().as_secs() < 10);
    // fancy-regex either answers or gives up at its backtracking budget
    // (a render error); it never runs away.
    assert!(
        matches!(&r, Ok(s) if s == "false") || matches!(r, Err(VtlError::Render { .. })),
        "{r:?}"
    );
}

#[test]
fn errors_carry_line_and_column() {
    let e = render_limited(
        "ok\n  #foreach($i in [0..9999999999])#end",
        &Limits::default(),
    )
    .unwrap_err();
    assert_eq!(
        e,
        VtlError::Limit {
            kind: LimitKind::RangeSize,
            line: 2,
            column: 3
        }
    );
}
