//! Runtime families: which bootstrap runs a function.

/// The three ways Portico starts an execution environment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RuntimeKind {
    /// `nodejs*`: Portico's JavaScript bootstrap on the machine's `node`.
    Node,
    /// `python3*`: Portico's Python bootstrap on the machine's `python3`.
    Python,
    /// `provided`, `provided.al2`, `provided.al2023`: the `bootstrap` executable in the code.
    Provided,
}

impl RuntimeKind {
    /// Maps a Lambda runtime identifier to its family; `None` for runtimes
    /// Portico cannot run (java, dotnet, ruby, go1.x).
    pub fn from_runtime(runtime: &str) -> Option<RuntimeKind> {
        if runtime.starts_with("nodejs") {
            Some(RuntimeKind::Node)
        } else if runtime.starts_with("python3") {
            Some(RuntimeKind::Python)
        } else if runtime == "provided" || runtime.starts_with("provided.") {
            Some(RuntimeKind::Provided)
        } else {
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn families() {
        assert_eq!(
            RuntimeKind::from_runtime("nodejs20.x"),
            Some(RuntimeKind::Node)
        );
        assert_eq!(
            RuntimeKind::from_runtime("python3.12"),
            Some(RuntimeKind::Python)
        );
        assert_eq!(
            RuntimeKind::from_runtime("provided.al2023"),
            Some(RuntimeKind::Provided)
        );
        assert_eq!(RuntimeKind::from_runtime("java21"), None);
    }
}
