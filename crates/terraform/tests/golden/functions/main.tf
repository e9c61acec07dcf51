# Every function of the library, evaluated into outputs.
locals {
  obj  = { b = 2, a = "x<y>" }
  list = ["b", "a", "b"]
}

output "strings" {
  value = {
    format     = format("%s-%03d-%.1f-%t", "a", 7, 1.25, true)
    join       = join(",", local.list)
    split      = split(",", "a,b")
    replace    = replace("a-b-c", "/-(b)-/", "[$1]")
    replace2   = replace("a.b", ".", "_")
    lower      = lower("ABC")
    upper      = upper("abc")
    trimspace  = trimspace("  x  ")
    tostring   = tostring(12)
    tonumber   = tonumber("12")
    substr     = substr("hello", 1, 3)
    title      = title("hello world")
    template   = "%{for x in local.list}${x};%{endfor}%{if length(local.list) > 2}many%{else}few%{endif}"
    coalesce   = coalesce("", "first")
  }
}

output "collections" {
  value = {
    concat   = concat(["a"], ["b"])
    merge    = merge({ a = 1 }, { b = 2 })
    lookup   = lookup({ a = "1" }, "b", "dflt")
    element  = element(["a", "b"], 3)
    length   = length(local.list)
    keys     = keys(local.obj)
    values   = values({ a = "1", b = "2" })
    contains = contains(local.list, "a")
    toset    = toset(local.list)
    tolist   = tolist(["z"])
    try      = try(local.obj.missing, "fallback")
    list     = list("x", "y")
    map      = map("k", "v")
    splat    = [{ n = 1 }, { n = 2 }][*].n
    for_map  = { for k, v in local.obj : k => "${v}!" }
    cond     = length(local.list) > 1 ? "yes" : "no"
    arith    = (1 + 2) * 3 % 5 - 1
  }
}

output "encodings" {
  value = {
    jsonencode   = jsonencode(local.obj)
    jsondecode   = jsondecode("{\"k\": [1, true]}")
    sha1         = sha1("hello")
    sha256       = sha256("hello")
    md5          = md5("hello")
    b64enc       = base64encode("hello")
    b64dec       = base64decode("aGVsbG8=")
    b64sha256    = base64sha256("hello")
    file         = file("${path.module}/greeting.txt")
    filemd5      = filemd5("${path.module}/greeting.txt")
    filebase64sha256 = filebase64sha256("${path.module}/greeting.txt")
    templatefile = templatefile("${path.module}/greeting.tpl", { name = "you", items = ["a", "b"] })
  }
}

output "unknown_until_apply" {
  value = {
    timestamp = timestamp()
    uuid      = uuid()
    hashed    = sha1(jsonencode([timestamp()]))
    length    = length([uuid(), "x"])
  }
}
