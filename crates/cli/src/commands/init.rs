//! `portico init`: a project that `portico up` serves as it stands, written
//! without a question: one function (Node.js or Python) and a REST API in
//! front of it, `GET /hello` through a Lambda proxy integration, deployed to
//! stage `dev` by a deployment whose `triggers` redeploy it whenever the
//! API's resources change (with `create_before_destroy`, as the provider's
//! documentation recommends). Also `portico completions SHELL`.

use crate::cli::{Cli, CompletionsArgs, InitArgs};
use crate::context::Context;
use crate::output;
use anyhow::{Context as _, Result, bail};
use std::path::Path;
use std::process::ExitCode;

/// The one function the scaffold has.
const FUNCTION: &str = "hello";

pub fn init(ctx: &Context, a: InitArgs) -> Result<ExitCode> {
    let dir = match &a.dir {
        Some(d) => ctx.dir.join(d),
        None => ctx.dir.clone(),
    };
    for existing in ["project.json", "functions", "infrastructure"] {
        if dir.join(existing).exists() {
            bail!(
                "{} already has {existing}: init writes new projects only",
                dir.display()
            );
        }
    }
    let name = match &a.name {
        Some(n) => n.clone(),
        None => project_name(&dir),
    };
    if name.is_empty()
        || !name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    {
        bail!("project name '{name}' must be letters, digits, '-' or '_' (use --name)");
    }
    for (path, body) in files(&name, &a.runtime) {
        let p = dir.join(path);
        if let Some(parent) = p.parent() {
            std::fs::create_dir_all(parent)
                .with_context(|| format!("creating {}", parent.display()))?;
        }
        std::fs::write(&p, body).with_context(|| format!("writing {}", p.display()))?;
        output::info("created", &[("file", path)]);
    }
    let shown = a
        .dir
        .as_ref()
        .map(|d| d.display().to_string())
        .unwrap_or_else(|| ".".into());
    println!("\nProject {name} is ready. Serve it, then call it:\n");
    println!("  portico up {shown}");
    println!("  curl http://127.0.0.1:4566/_aws/execute-api/API_ID/dev/hello?name=you");
    println!("\n(`portico up` prints the API_ID and every route it serves.)");
    Ok(ExitCode::SUCCESS)
}

/// The directory's name, made a valid project name.
fn project_name(dir: &Path) -> String {
    let raw = dir
        .canonicalize()
        .unwrap_or_else(|_| dir.to_path_buf())
        .file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_default();
    let cleaned: String = raw
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '-'
            }
        })
        .collect();
    let cleaned = cleaned.trim_matches('-').to_string();
    if cleaned.is_empty() {
        "app".into()
    } else {
        cleaned
    }
}

/// Every file of the scaffold, relative to the project directory.
fn files(name: &str, runtime: &str) -> Vec<(&'static str, String)> {
    let project = serde_json::json!({
        "name": name,
        "description": format!("{name}: a function behind a REST API"),
        "memory": 128,
        "timeout": 5,
        "role": format!("arn:aws:iam::000000000000:role/{name}_lambda_function"),
        "environment": {},
    });
    let function = serde_json::json!({
        "description": "Answers GET /hello",
        "runtime": runtime,
    });
    let pretty = |v: &serde_json::Value| serde_json::to_string_pretty(v).unwrap_or_default() + "\n";
    let (code_path, code) = if runtime.starts_with("python") {
        ("functions/hello/main.py", PYTHON_HANDLER)
    } else {
        ("functions/hello/index.js", NODE_HANDLER)
    };
    vec![
        ("project.json", pretty(&project)),
        ("functions/hello/function.json", pretty(&function)),
        (code_path, code.to_string()),
        ("infrastructure/main.tf", main_tf(name)),
        ("infrastructure/variables.tf", VARIABLES_TF.to_string()),
        (".gitignore", ".portico/\n".to_string()),
    ]
}

const NODE_HANDLER: &str = r#"// GET /hello?name=you, through a Lambda proxy integration: the event is the
// whole HTTP request, and the result says the status, headers and body.
exports.handle = async (event) => {
  const name = (event.queryStringParameters || {}).name || 'world';
  console.log('saying hello to', name);
  return {
    statusCode: 200,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ message: `Hello, ${name}!` }),
  };
};
"#;

const PYTHON_HANDLER: &str = r#"# GET /hello?name=you, through a Lambda proxy integration: the event is the
# whole HTTP request, and the result says the status, headers and body.
import json


def handle(event, context):
    name = (event.get("queryStringParameters") or {}).get("name", "world")
    print("saying hello to", name)
    return {
        "statusCode": 200,
        "headers": {"content-type": "application/json"},
        "body": json.dumps({"message": f"Hello, {name}!"}),
    }
"#;

const VARIABLES_TF: &str = r#"# Supplied by Portico, as Apex supplied them: the region, and the ARN and
# full name of each deployed function.
variable "aws_region" {}
variable "apex_function_hello" {}
variable "apex_function_hello_name" {}
"#;

fn main_tf(name: &str) -> String {
    format!(
        r#"# The REST API in front of the function: GET /hello, passed whole to the
# function (Lambda proxy integration).
resource "aws_api_gateway_rest_api" "api" {{
  name = "{name}"
}}

resource "aws_api_gateway_resource" "hello" {{
  rest_api_id = aws_api_gateway_rest_api.api.id
  parent_id   = aws_api_gateway_rest_api.api.root_resource_id
  path_part   = "hello"
}}

resource "aws_api_gateway_method" "hello_get" {{
  rest_api_id   = aws_api_gateway_rest_api.api.id
  resource_id   = aws_api_gateway_resource.hello.id
  http_method   = "GET"
  authorization = "NONE"
}}

resource "aws_api_gateway_integration" "hello_get" {{
  rest_api_id             = aws_api_gateway_rest_api.api.id
  resource_id             = aws_api_gateway_resource.hello.id
  http_method             = aws_api_gateway_method.hello_get.http_method
  type                    = "AWS_PROXY"
  integration_http_method = "POST"
  uri                     = "arn:aws:apigateway:${{var.aws_region}}:lambda:path/2015-03-31/functions/${{var.apex_function_{FUNCTION}}}/invocations"
}}

# A deployment is a frozen copy of the API: a new one is made whenever a
# resource in `triggers` changes. Add each new resource, method and
# integration to the list, or the stage keeps serving the old copy.
resource "aws_api_gateway_deployment" "api" {{
  rest_api_id = aws_api_gateway_rest_api.api.id
  triggers = {{
    redeployment = sha1(jsonencode([
      aws_api_gateway_resource.hello,
      aws_api_gateway_method.hello_get,
      aws_api_gateway_integration.hello_get,
    ]))
  }}
  lifecycle {{
    create_before_destroy = true
  }}
}}

resource "aws_api_gateway_stage" "dev" {{
  rest_api_id   = aws_api_gateway_rest_api.api.id
  deployment_id = aws_api_gateway_deployment.api.id
  stage_name    = "dev"
}}

# API Gateway may invoke the function, from any stage, method and path.
resource "aws_lambda_permission" "api" {{
  statement_id  = "AllowAPIGatewayInvoke"
  action        = "lambda:InvokeFunction"
  function_name = var.apex_function_{FUNCTION}_name
  principal     = "apigateway.amazonaws.com"
  source_arn    = "${{aws_api_gateway_rest_api.api.execution_arn}}/*/*"
}}

output "url" {{
  value = "${{aws_api_gateway_stage.dev.invoke_url}}/hello"
}}
"#
    )
}

/// `portico completions SHELL`: the completion script on stdout.
pub fn completions(a: CompletionsArgs) -> Result<ExitCode> {
    use clap::CommandFactory;
    let mut cmd = Cli::command();
    clap_complete::generate(a.shell, &mut cmd, "portico", &mut std::io::stdout());
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_come_from_the_directory() {
        assert_eq!(project_name(Path::new("/tmp/My App!")), "My-App");
        assert_eq!(project_name(Path::new("/")), "app");
    }

    #[test]
    fn the_scaffold_names_its_runtime_and_handler() {
        let py = files("demo", "python3.12");
        assert!(py.iter().any(|(p, _)| *p == "functions/hello/main.py"));
        let f = py
            .iter()
            .find(|(p, _)| p.ends_with("function.json"))
            .unwrap();
        assert!(f.1.contains("\"python3.12\""));
        let tf = main_tf("demo");
        assert!(tf.contains("var.apex_function_hello}/invocations"));
        assert!(tf.contains("create_before_destroy = true"));
    }
}
