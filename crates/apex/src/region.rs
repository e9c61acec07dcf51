//! Which region a command acts in. Apex's order was `--region`, then
//! `region` in project(.ENV).json, then `AWS_REGION`, then the profile's
//! region in `~/.aws/config`; Portico has no profiles, so it tries
//! `AWS_DEFAULT_REGION` (what the AWS CLI reads) and then `us-east-1`.

/// The region when nothing names one.
pub const DEFAULT_REGION: &str = "us-east-1";

/// Picks the region; empty strings count as unset. The environment values
/// are parameters so the library never reads the process environment.
pub fn resolve_region(
    flag: Option<&str>,
    project: Option<&str>,
    aws_region: Option<&str>,
    aws_default_region: Option<&str>,
) -> String {
    [flag, project, aws_region, aws_default_region]
        .into_iter()
        .flatten()
        .find(|r| !r.is_empty())
        .unwrap_or(DEFAULT_REGION)
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn precedence() {
        assert_eq!(
            resolve_region(Some("a"), Some("b"), Some("c"), Some("d")),
            "a"
        );
        assert_eq!(resolve_region(None, Some("b"), Some("c"), Some("d")), "b");
        assert_eq!(resolve_region(Some(""), None, Some("c"), Some("d")), "c");
        assert_eq!(resolve_region(None, None, None, Some("d")), "d");
        assert_eq!(resolve_region(None, None, Some(""), None), "us-east-1");
    }
}
