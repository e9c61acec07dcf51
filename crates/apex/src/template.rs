//! The part of Go's `text/template` that Apex's `nameTemplate` needs:
//! literal text and `{{.Project.Name}}`-style field actions, with Go's
//! `{{-` / `-}}` whitespace trimming. Anything else (pipelines, functions,
//! conditionals) is refused at load time rather than rendered wrongly.

use crate::ApexError;

/// Apex's default: `{{.Project.Name}}_{{.Function.Name}}`.
pub const DEFAULT_NAME_TEMPLATE: &str = "{{.Project.Name}}_{{.Function.Name}}";

/// A field the template may reference.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Field {
    ProjectName,
    ProjectDescription,
    /// The `--env` name (`""` without one): Apex's `Project.Environment`
    /// string shadows the config's environment-variable map.
    ProjectEnvironment,
    FunctionName,
}

const FIELDS: &[(&str, Field)] = &[
    (".Project.Name", Field::ProjectName),
    (".Project.Description", Field::ProjectDescription),
    (".Project.Environment", Field::ProjectEnvironment),
    (".Function.Name", Field::FunctionName),
];

#[derive(Debug, Clone, PartialEq, Eq)]
enum Piece {
    Text(String),
    Field(Field),
}

/// A parsed `nameTemplate`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NameTemplate {
    source: String,
    pieces: Vec<Piece>,
}

/// The values a template can read.
#[derive(Debug, Clone, Copy)]
pub struct NameContext<'a> {
    /// `.Project.Name`.
    pub project_name: &'a str,
    /// `.Project.Description`.
    pub project_description: &'a str,
    /// `.Project.Environment`.
    pub environment: &'a str,
    /// `.Function.Name` (the directory name).
    pub function_name: &'a str,
}

impl NameTemplate {
    /// Parses `source`; unknown fields and unsupported actions are errors.
    pub fn parse(source: &str) -> Result<NameTemplate, ApexError> {
        let fail = |message: String| ApexError::NameTemplate {
            template: source.to_string(),
            message,
        };
        let mut pieces = Vec::new();
        let mut text = String::new();
        let mut rest = source;
        let mut trim_next = false;
        while let Some(open) = rest.find("{{") {
            let mut literal = &rest[..open];
            if trim_next {
                literal = literal.trim_start();
            }
            text.push_str(literal);
            let after = &rest[open + 2..];
            let close = after
                .find("}}")
                .ok_or_else(|| fail("unclosed action: missing }}".into()))?;
            let mut action = &after[..close];
            // Go trims only when the dash is followed (or preceded) by a space.
            if let Some(a) = action.strip_prefix("- ") {
                text.truncate(text.trim_end().len());
                action = a;
            }
            trim_next = false;
            if let Some(a) = action.strip_suffix(" -") {
                trim_next = true;
                action = a;
            }
            let action = action.trim();
            let field = FIELDS
                .iter()
                .find(|(name, _)| *name == action)
                .map(|(_, f)| *f)
                .ok_or_else(|| {
                    let known: Vec<&str> = FIELDS.iter().map(|(n, _)| *n).collect();
                    fail(format!(
                        "unsupported action {{{{{action}}}}}; Portico renders only {}",
                        known.join(", ")
                    ))
                })?;
            if !text.is_empty() {
                pieces.push(Piece::Text(std::mem::take(&mut text)));
            }
            pieces.push(Piece::Field(field));
            rest = &after[close + 2..];
        }
        if rest.contains("}}") {
            return Err(fail("unexpected }}".into()));
        }
        text.push_str(if trim_next { rest.trim_start() } else { rest });
        if !text.is_empty() {
            pieces.push(Piece::Text(text));
        }
        Ok(NameTemplate {
            source: source.to_string(),
            pieces,
        })
    }

    /// The template as written.
    pub fn source(&self) -> &str {
        &self.source
    }

    /// Renders the template for one function.
    pub fn render(&self, ctx: &NameContext<'_>) -> String {
        let mut out = String::new();
        for piece in &self.pieces {
            match piece {
                Piece::Text(t) => out.push_str(t),
                Piece::Field(Field::ProjectName) => out.push_str(ctx.project_name),
                Piece::Field(Field::ProjectDescription) => out.push_str(ctx.project_description),
                Piece::Field(Field::ProjectEnvironment) => out.push_str(ctx.environment),
                Piece::Field(Field::FunctionName) => out.push_str(ctx.function_name),
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn render(template: &str) -> Result<String, ApexError> {
        let ctx = NameContext {
            project_name: "proj",
            project_description: "d",
            environment: "prod",
            function_name: "fn",
        };
        Ok(NameTemplate::parse(template)?.render(&ctx))
    }

    #[test]
    fn default_template() {
        assert_eq!(render(DEFAULT_NAME_TEMPLATE).unwrap(), "proj_fn");
    }

    #[test]
    fn environment_and_spaces() {
        assert_eq!(
            render("{{ .Project.Environment }}-{{.Project.Name}}-{{.Function.Name}}").unwrap(),
            "prod-proj-fn"
        );
        assert_eq!(render("x_{{.Function.Name}}_y").unwrap(), "x_fn_y");
    }

    #[test]
    fn go_trim_markers() {
        assert_eq!(render("a  {{- .Function.Name -}}  b").unwrap(), "afnb");
        // Without the space the dash is not a trim marker, so this is no field.
        assert!(render("a {{-.Function.Name}}").is_err());
    }

    #[test]
    fn unknown_field_is_an_error_naming_it() {
        let err = render("{{.Function.FunctionName}}")
            .unwrap_err()
            .to_string();
        assert!(err.contains(".Function.FunctionName"), "{err}");
        assert!(err.contains(".Project.Name"), "{err}");
    }

    #[test]
    fn malformed_templates() {
        assert!(render("{{.Project.Name").is_err());
        assert!(render("a}}b").is_err());
        assert!(render("{{if .Project.Name}}x{{end}}").is_err());
    }
}
