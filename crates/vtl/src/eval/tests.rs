use crate::{Input, Limits, Rendered, Template, Variables, VtlError};

fn run(src: &str, body: &str) -> Result<Rendered, VtlError> {
    let t = Template::parse(src)?;
    let input = Input {
        body: body.as_bytes().to_vec(),
        path: vec![("id".into(), "42".into())],
        querystring: vec![("q".into(), "a b".into()), ("id".into(), "qs".into())],
        header: vec![("Content-Type".into(), "application/json".into())],
    };
    let vars = Variables {
        context: serde_json::json!({"stage": "dev", "identity": {"sourceIp": "1.2.3.4"}}),
        stage_variables: vec![("env".into(), "test".into())],
    };
    t.render(&input, &vars, &Limits::default())
}

fn r(src: &str) -> String {
    run(src, "").unwrap().output
}

fn rb(src: &str, body: &str) -> String {
    run(src, body).unwrap().output
}

#[test]
fn undefined_and_null_render_empty() {
    assert_eq!(r("[$nope][$!nope][${nope.x}][$nope.foo()]"), "[][][][]");
}

#[test]
fn unknown_methods_and_util_functions_render_empty() {
    assert_eq!(
        r("#set($s = 'x')[$s.noSuchMethod()][$util.noSuch('a')][$s.length(1)]"),
        "[][][]"
    );
}

#[test]
fn set_and_interpolation() {
    assert_eq!(r("#set($a = 'w')#set($b = \"x${a}y$a\")$b"), "xwyw");
    assert_eq!(r("#set($a = \"\\n\")$a"), "\\n");
}

#[test]
fn set_null_keeps_old_value() {
    assert_eq!(r("#set($a = 1)#set($a = $nope)$a"), "1");
}

#[test]
fn arithmetic_is_java_like() {
    assert_eq!(
        r("#set($x = 7 / 2)$x #set($y = 7 % 3)$y #set($z = 7.0 / 2)$z"),
        "313.5"
    );
    assert_eq!(r("#set($x = 1 + 'a')$x #set($y = 'n' + 2.0)$y"), "1an2.0");
    assert_eq!(r("#set($x = 5 / 0)[$x]"), "[]");
    assert_eq!(
        r("#set($x = 9223372036854775807 + 1)$x"),
        "9.223372036854776E18"
    );
    assert_eq!(r("#set($x = -3 - -4)$x"), "1");
}

#[test]
fn comparisons() {
    assert_eq!(
        r("#if(1 == 1.0)a#end#if(2 > 1.5)b#end#if('1' == 1)c#end#if('a' < 'b')d#end"),
        "abc"
    );
    assert_eq!(
        r("#if($nope == $null)a#end#if($nope == '')b#end#if('x' != $nope)c#end"),
        "abc"
    );
    assert_eq!(
        r("#if([1, 2] == [1, 2])a#end#if({'a': 1} == {'a': 1})b#end"),
        "ab"
    );
}

#[test]
fn truthiness_and_logic() {
    assert_eq!(
        r("#if('')a#end#if(0)b#end#if($nope)c#end#if(!$nope && true)d#end"),
        "abd"
    );
    assert_eq!(
        r("#if(false or true)a#end#if(not false and true)b#end"),
        "ab"
    );
}

#[test]
fn if_elseif_else() {
    let t = "#foreach($i in [1..3])#if($i == 1)one#elseif($i == 2)two#{else}many#end #end";
    assert_eq!(r(t), "one two many ");
}

#[test]
fn foreach_helpers() {
    assert_eq!(
        r(
            "#foreach($x in ['a', 'b', 'c'])$foreach.index$foreach.count$velocityCount$x#if($foreach.hasNext),#end#end"
        ),
        "011a,122b,233c"
    );
    assert_eq!(r("#foreach($i in [3..1])$i#end"), "321");
    assert_eq!(r("#foreach($v in {'a': 1, 'b': 2})$v#end"), "12");
    assert_eq!(
        r("#foreach($i in [1..5])#if($i == 3)#break#end$i#end!"),
        "12!"
    );
    assert_eq!(r("#set($i = 'keep')#foreach($i in [1])#end$i"), "keep");
}

#[test]
fn stop_ends_render() {
    assert_eq!(r("a#foreach($i in [1..3])$i#stop#end b"), "a1");
}

#[test]
fn macros() {
    assert_eq!(r("#macro(m $a $b)<$a|$b>#end#m('x' 2)#m('y')"), "<x|2><y|>");
    assert_eq!(r("#m(1)#macro(m $a)[$a]#end"), "[1]");
    assert_eq!(r("#unknown(1, 2)"), "#unknown(1, 2)");
    assert_eq!(
        r("#set($a = 'outer')#macro(m $a)$a#end#m('in')$a"),
        "inouter"
    );
}

#[test]
fn define_blocks_render_lazily() {
    assert_eq!(
        r("#define($blk)v=$v#end#set($v = 1)$blk #set($v = 2)$blk"),
        "v=1v=2"
    );
    // (the space before `#set` is eaten, as 1.7's lexer does)
}

#[test]
fn strings_methods() {
    let t = "#set($s = ' Hello, World ')$s.trim().toLowerCase()|$s.length()|$s.contains('World')|\
             $s.indexOf('o')|$s.lastIndexOf('o')|$s.substring(1, 6)|$s.replace('l', 'L')|\
             $s.trim().startsWith('Hell')|$s.trim().endsWith('d')|$s.charAt(1)|$s.isEmpty()|\
             $s.trim().split(', ')|$s.toUpperCase()|$s.equals(' Hello, World ')|$s.concat('!')";
    assert_eq!(
        r(t),
        "hello, world|14|true|5|9|Hello| HeLLo, WorLd |true|true|H|false|[Hello, World]| HELLO, WORLD |true| Hello, World !"
    );
}

#[test]
fn java_regex_methods() {
    assert_eq!(
        r("#set($s = 'a1b22c')$s.replaceAll('[0-9]+', '#')"),
        "a#b#c"
    );
    assert_eq!(
        r("#set($s = 'a1b22c')$s.replaceFirst('(\\d)', '<$1>')"),
        "a<1>b22c"
    );
    assert_eq!(
        r("#set($s = 'abc')$s.matches('a.c') $s.matches('b')"),
        "true false"
    );
    assert_eq!(
        r("#set($s = 'a,b,,')$s.split(',').size()/#set($t = ',')$t.split(',').size()"),
        "2/0"
    );
}

#[test]
fn bad_regex_is_a_render_error() {
    let e = run("\n#set($s = 'x')$s.replaceAll('(', 'y')", "").unwrap_err();
    assert!(matches!(e, VtlError::Render { line: 2, .. }), "{e:?}");
}

#[test]
fn string_index_errors_are_render_errors() {
    assert!(matches!(
        run("#set($s = 'ab')$s.substring(3)", ""),
        Err(VtlError::Render { .. })
    ));
    assert!(matches!(
        run("#set($l = [1])$l.get(1)", ""),
        Err(VtlError::Render { .. })
    ));
}

#[test]
fn lists() {
    let t = "#set($l = [1, 'two'])$l.add(3)$l.size() $l $l[1] $l.get(0) $l.contains(3) $l.indexOf('two') \
             $l.remove(0) $l $l.remove('two') $l $l.isEmpty() $l.empty";
    assert_eq!(
        r(t),
        "true3 [1, two, 3] two 1 true 1 1 [two, 3] true [3] false false"
    );
}

#[test]
fn maps() {
    let t = "#set($m = {'a': 1})$m.put('b', [1, 2])#set($m.c = 'x')#set($m['d'] = {'e': true})\
             $m|$m.a|$m.get('b')|$m['c']|$m.keySet()|$m.values()|$m.size()|$m.containsKey('a')|\
             $m.remove('a')|$m.isEmpty()|#foreach($e in $m.entrySet())$e.key=$e.getValue();#end";
    assert_eq!(
        r(t),
        "{a=1, b=[1, 2], c=x, d={e=true}}|1|[1, 2]|x|[a, b, c, d]|[1, [1, 2], x, {e=true}]|4|true|1|false|b=[1, 2];c=x;d={e=true};"
    );
}

#[test]
fn maps_have_reference_semantics() {
    assert_eq!(r("#set($a = {})#set($b = $a)$b.put('k', 'v')$a"), "{k=v}");
}

#[test]
fn numbers() {
    assert_eq!(
        r("#set($f = 2.75)$f.intValue() $f.toString() #set($i = 3)$i.doubleValue()"),
        "2 2.753.0"
    );
}

#[test]
fn escaped_references() {
    assert_eq!(r("#set($a = 1)\\$a \\\\$a \\$nope"), "$a \\1 \\$nope");
    assert_eq!(r("\\#if(true)"), "#if(true)");
}

#[test]
fn input_body_path_json_params() {
    let body = r#"{"a": {"b": [1, {"c": "d"}]}, "s": "str", "n": 1.5}"#;
    assert_eq!(rb("$input.body", ""), "{}");
    assert_eq!(
        rb(
            "$input.json('$.s')|$input.json('$.a.b')|$input.json('$.nope')",
            body
        ),
        "\"str\"|[1,{\"c\":\"d\"}]|"
    );
    assert_eq!(
        rb(
            "$input.path('$.a')|$input.path('$.a.b')|$input.path('$.n')",
            body
        ),
        "{b=[1,{\"c\":\"d\"}]}|[1,{\"c\":\"d\"}]|1.5"
    );
    assert_eq!(
        rb(
            "$input.path('$.a.b').size() $input.path('$.a.b')[1].c [$input.path('$.nope')]",
            body
        ),
        "2 d []"
    );
    assert_eq!(rb("$input.path('$.a.b[*].c')", body), "[\"d\"]");
    assert_eq!(
        r(
            "$input.params('id')|$input.params('q')|$input.params('content-type')|[$input.params('x')]"
        ),
        "42|a b|application/json|[]"
    );
    assert_eq!(
        r(
            "$input.params().header.get('Content-Type')|$input.params().path|$input.params().querystring.keySet()"
        ),
        "application/json|{id=42}|[q, id]"
    );
    assert_eq!(rb("[$input.path('$')]", "not json"), "[]");
}

#[test]
fn util_functions() {
    assert_eq!(
        r("$util.escapeJavaScript(\"it's \"\"x\"\"\")"),
        "it\\'s \\\"x\\\""
    );
    assert_eq!(
        r("$util.urlEncode('a b{}')|$util.urlDecode('a+b%7B')"),
        "a+b%7B%7D|a b{"
    );
    assert_eq!(
        r("$util.base64Encode('hello')|$util.base64Decode('aGVsbG8=')"),
        "aGVsbG8=|hello"
    );
    assert_eq!(
        r("#set($o = $util.parseJson('{\"a\":[1,{\"b\":2}]}'))$o.a[1].b $o $o.a"),
        "2 {a=[1,{\"b\":2}]} [1,{\"b\":2}]"
    );
    assert!(matches!(
        run("$util.parseJson('{')", ""),
        Err(VtlError::Render { .. })
    ));
    assert!(matches!(
        run("$util.base64Decode('***')", ""),
        Err(VtlError::Render { .. })
    ));
}

#[test]
fn context_and_stage_variables() {
    assert_eq!(
        r("$context.stage $context.identity.sourceIp $stageVariables.env $stageVariables['env']"),
        "dev 1.2.3.4 test test"
    );
}

#[test]
fn overrides_are_returned() {
    let t = "#set($context.responseOverride.status = 400)\
             #set($context.responseOverride.header.X-Foo = 'bar')\
             #set($context[\"requestOverride\"].querystring[\"k\"] = \"v\")\
             #set($context.requestOverride.header.multi = ['1', '2'])\
             $context.responseOverride.status";
    let out = run(t, "").unwrap();
    assert_eq!(out.output, "400");
    assert_eq!(out.response_status, Some(400));
    assert_eq!(
        out.response_headers,
        vec![("X-Foo".to_string(), "bar".to_string())]
    );
    assert_eq!(
        out.request_override.querystring,
        vec![("k".to_string(), "v".to_string())]
    );
    assert_eq!(out.request_override.header.len(), 2);
    assert_eq!(out.overrides["responseOverride"]["status"], 400);
    let bad = run("#set($context.responseOverride.status = 99)", "").unwrap();
    assert_eq!(bad.response_status, None);
}

#[test]
fn templates_are_send_sync_and_reusable() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<Template>();
    let t = Template::parse("#set($x = $input.params('id'))$x").unwrap();
    let mut input = Input::default();
    for id in ["1", "2"] {
        input.path = vec![("id".into(), id.into())];
        let out = t
            .render(&input, &Variables::default(), &Limits::default())
            .unwrap();
        assert_eq!(out.output, id);
    }
}

#[test]
fn misc_reference_and_directive_forms() {
    assert_eq!(r("#set($m = {'b-c': 1})#if ($m)$m.b-c#end"), "1");
    assert_eq!(r("#set($x = 'v')${x}s $!{x} $!x. #endx"), "vs v v. #endx");
    assert_eq!(rb("[$input.body.x]", "{\"x\":1}"), "[]");
    assert_eq!(r("#set($l = ['a'])$l[0]$l.get(0).toUpperCase()"), "aA");
    assert_eq!(r("#if(\n  true\n)yes#end"), "yes");
}
