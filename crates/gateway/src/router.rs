//! The deployment's resource tree and how a request path finds a resource
//! and method on it (apigateway.md §2.3): static segments over `{param}`
//! over `{greedy+}`, falling back to a less specific sibling when the most
//! specific resource lacks the method; `ANY` when the exact method is not
//! declared; a trailing slash is ignored; path parameter values stay
//! URL-encoded.

/// How a `path_part` matches.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Part {
    Static(String),
    Param(String),
    Greedy(String),
}

impl Part {
    fn parse(p: &str) -> Part {
        match p.strip_prefix('{').and_then(|r| r.strip_suffix('}')) {
            Some(name) => match name.strip_suffix('+') {
                Some(g) => Part::Greedy(g.to_string()),
                None => Part::Param(name.to_string()),
            },
            None => Part::Static(p.to_string()),
        }
    }
}

#[derive(Debug, Default)]
struct Node {
    statics: Vec<(String, usize)>,
    param: Option<(String, usize)>,
    greedy: Option<(String, usize)>,
}

/// The compiled tree: node `i` is resource `i` of the deployment.
#[derive(Debug, Default)]
pub(crate) struct Router {
    nodes: Vec<Node>,
    root: Option<usize>,
}

/// A resource matched by a path, with its (still encoded) path parameters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PathMatch {
    pub resource: usize,
    pub params: Vec<(String, String)>,
}

impl Router {
    /// Builds the tree from `(id, parent_id, path_part)` of every resource.
    pub(crate) fn build(resources: &[(&str, &str, &str)]) -> Router {
        let mut nodes: Vec<Node> = resources.iter().map(|_| Node::default()).collect();
        let mut root = None;
        for (i, (_, parent, part)) in resources.iter().enumerate() {
            let Some(p) = resources.iter().position(|(id, _, _)| id == parent) else {
                if parent.is_empty() && root.is_none() {
                    root = Some(i);
                }
                continue;
            };
            match Part::parse(part) {
                Part::Static(s) => nodes[p].statics.push((s, i)),
                Part::Param(n) => nodes[p].param = Some((n, i)),
                Part::Greedy(n) => nodes[p].greedy = Some((n, i)),
            }
        }
        Router { nodes, root }
    }

    /// Finds the most specific resource for `path` (the part after the
    /// stage) on which `has_method` holds. The recursion descends one tree
    /// level per step, so its depth is bounded by the deployment, never by
    /// the client's path.
    pub(crate) fn find(&self, path: &str, has_method: &dyn Fn(usize) -> bool) -> Option<PathMatch> {
        let root = self.root?;
        let trimmed = path.trim_start_matches('/');
        let trimmed = trimmed.strip_suffix('/').unwrap_or(trimmed);
        let mut params = Vec::new();
        self.walk(root, trimmed, &mut params, has_method)
            .map(|resource| PathMatch { resource, params })
    }

    fn walk(
        &self,
        node: usize,
        rest: &str,
        params: &mut Vec<(String, String)>,
        has_method: &dyn Fn(usize) -> bool,
    ) -> Option<usize> {
        if rest.is_empty() {
            return has_method(node).then_some(node);
        }
        let n = self.nodes.get(node)?;
        let (seg, tail) = match rest.split_once('/') {
            Some((s, t)) => (s, t),
            None => (rest, ""),
        };
        // A `//` leaves an empty tail that still needs matching: only a
        // greedy parameter can take it.
        let tail_pending = rest.len() > seg.len();
        let descend = |child: usize, params: &mut Vec<(String, String)>| {
            if tail_pending && tail.is_empty() {
                return None;
            }
            self.walk(child, tail, params, has_method)
        };
        if let Some((_, child)) = n.statics.iter().find(|(s, _)| s == seg) {
            let mark = params.len();
            if let Some(found) = descend(*child, params) {
                return Some(found);
            }
            params.truncate(mark);
        }
        if let Some((name, child)) = &n.param
            && !seg.is_empty()
        {
            let mark = params.len();
            params.push((name.clone(), seg.to_string()));
            if let Some(found) = descend(*child, params) {
                return Some(found);
            }
            params.truncate(mark);
        }
        if let Some((name, child)) = &n.greedy
            && has_method(*child)
        {
            params.push((name.clone(), rest.to_string()));
            return Some(*child);
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `(id, parent, part)` plus the methods each resource has.
    fn router(spec: &[(&str, &str, &str, &[&str])]) -> (Router, Vec<Vec<String>>) {
        let res: Vec<(&str, &str, &str)> = spec.iter().map(|(a, b, c, _)| (*a, *b, *c)).collect();
        let methods = spec
            .iter()
            .map(|s| s.3.iter().map(|m| m.to_string()).collect())
            .collect();
        (Router::build(&res), methods)
    }

    fn find(
        r: &(Router, Vec<Vec<String>>),
        method: &str,
        path: &str,
    ) -> Option<(usize, Vec<(String, String)>)> {
        let has = |i: usize| r.1[i].iter().any(|m| m == method || m == "ANY");
        r.0.find(path, &has).map(|m| (m.resource, m.params))
    }

    #[test]
    fn static_beats_param_beats_greedy_with_fallback() {
        // AWS-rec test_routing_with_hardcoded_resource_sibling_order.
        let r = router(&[
            ("r", "", "", &[]),
            ("p1", "r", "part1", &["GET"]),
            ("hc", "p1", "hardcoded-value", &["GET"]),
            ("g", "r", "{param+}", &["GET"]),
        ]);
        assert_eq!(find(&r, "GET", "/part1").unwrap().0, 1);
        assert_eq!(find(&r, "GET", "/part1/hardcoded-value").unwrap().0, 2);
        let (i, p) = find(&r, "GET", "/part1/random-value").unwrap();
        assert_eq!(
            (i, p),
            (3, vec![("param".into(), "part1/random-value".into())])
        );
        assert_eq!(find(&r, "GET", "/"), None, "greedy never matches the root");
    }

    #[test]
    fn sibling_with_the_method_wins() {
        // AWS-rec test_proxy_routing_with_hardcoded_resource_sibling.
        let r = router(&[
            ("r", "", "", &[]),
            ("t", "r", "test", &["POST"]),
            ("g", "r", "{proxy+}", &["OPTIONS"]),
        ]);
        assert_eq!(find(&r, "POST", "/test").unwrap().0, 1);
        assert_eq!(find(&r, "OPTIONS", "/test").unwrap().0, 2);
        assert_eq!(find(&r, "GET", "/test"), None);
    }

    #[test]
    fn params_trailing_slashes_and_double_slashes() {
        let r = router(&[
            ("r", "", "", &["GET"]),
            ("u", "r", "users", &[]),
            ("id", "u", "{id}", &["ANY"]),
            ("g", "r", "{proxy+}", &["GET"]),
        ]);
        assert_eq!(find(&r, "GET", "").unwrap().0, 0);
        assert_eq!(find(&r, "GET", "/").unwrap().0, 0);
        let (i, p) = find(&r, "DELETE", "/users/a%2Bb/").unwrap();
        assert_eq!((i, p), (2, vec![("id".into(), "a%2Bb".into())]));
        let (i, p) = find(&r, "GET", "/proxy-value//double-slash").unwrap();
        assert_eq!(
            (i, p),
            (
                3,
                vec![("proxy".into(), "proxy-value//double-slash".into())]
            )
        );
        let (i, p) = find(&r, "GET", "//proxy-value/").unwrap();
        assert_eq!((i, p), (3, vec![("proxy".into(), "proxy-value".into())]));
        assert_eq!(find(&r, "POST", "/users//"), None);
        assert_eq!(find(&r, "DELETE", "/users"), None, "users has no method");
    }
}
