//! Command-line syntax (clap). Every command has an example in its help.

use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;

/// Portico runs AWS Lambda functions, API Gateway REST APIs and the Terraform
/// that describes them on this machine, with AWS's behaviour.
#[derive(Parser, Debug)]
#[command(name = "portico", version, about)]
pub struct Cli {
    #[command(flatten)]
    pub global: Global,
    #[command(subcommand)]
    pub command: Command,
}

/// Options every command takes.
#[derive(Args, Debug, Clone)]
pub struct Global {
    /// Run as if started in this directory.
    #[arg(short = 'C', long = "chdir", global = true)]
    pub chdir: Option<PathBuf>,
    /// Environment: reads project.ENV.json and infrastructure/ENV.
    #[arg(short = 'e', long = "env", env = "APEX_ENVIRONMENT", global = true)]
    pub env: Option<String>,
    /// AWS region for ARNs (default: project.json, AWS_REGION, AWS_DEFAULT_REGION, us-east-1).
    #[arg(short = 'r', long = "region", global = true)]
    pub region: Option<String>,
    /// Account id for ARNs (default 000000000000).
    #[arg(long = "account-id", env = "PORTICO_ACCOUNT_ID", global = true)]
    pub account_id: Option<String>,
    /// State directory (default: .portico in the project directory).
    #[arg(long = "state-dir", env = "PORTICO_STATE_DIR", global = true)]
    pub state_dir: Option<PathBuf>,
    /// URL of a running Portico server (default: the one recorded in the state directory).
    #[arg(long = "endpoint", env = "PORTICO_ENDPOINT", global = true)]
    pub endpoint: Option<String>,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Serve the Lambda API and every deployed stage on one port.
    ///
    /// Example: portico serve --port 4566
    Serve(ServeArgs),
    /// Deploy functions: publish a version when code or configuration changed, move the alias.
    ///
    /// Example: portico deploy 'api-*' -s LOG_LEVEL=debug
    Deploy(DeployArgs),
    /// Invoke a function with the JSON documents read from stdin.
    ///
    /// Example: echo '{"url":"http://127.0.0.1:8000/"}' | portico invoke github-status -L
    Invoke(InvokeArgs),
    /// Show function logs, or an API's execution logs with --api.
    ///
    /// Example: portico logs github-status -s 10m -F error
    Logs(LogsArgs),
    /// List functions, or print Terraform variables with --tfvars.
    ///
    /// Example: portico list --tfvars > infrastructure/functions.auto.tfvars
    List(ListArgs),
    /// Move an alias back to the previous version (or to -v N).
    ///
    /// Example: portico rollback github-status -v 3
    Rollback(RollbackArgs),
    /// Create or move an alias.
    ///
    /// Example: portico alias stage -v current github-status
    Alias(AliasArgs),
    /// Delete functions with all their versions.
    ///
    /// Example: portico delete github-status -f
    Delete(DeleteArgs),
    /// Write a function's deployment zip to stdout.
    ///
    /// Example: portico build github-status > out.zip
    Build(BuildArgs),
    /// Plan, apply or destroy the Terraform in infrastructure/ (flags with one dash or two).
    ///
    /// Example: portico infra apply -auto-approve -var stage=test
    Infra(InfraArgs),
    /// Show an API key's usage per day and usage plan.
    ///
    /// Example: portico usage k3x9a2b7c1
    Usage(UsageArgs),
    /// Run a command with the functions' ARNs in its environment.
    ///
    /// Example: portico exec -- env
    Exec(ExecArgs),
    // --- `up`, `init`, `completions` (commands/up.rs, commands/init.rs) ---
    /// Serve, deploy every function, apply the infrastructure, then redeploy on every save.
    ///
    /// Example: portico up examples/github-status --port 4566
    Up(UpArgs),
    /// Create a project that `portico up` serves as it stands: a function and a REST API.
    ///
    /// Example: portico init my-api --runtime python3.12
    Init(InitArgs),
    /// Print the shell completion script for bash, zsh, fish, elvish or powershell.
    ///
    /// Example: portico completions bash > ~/.local/share/bash-completion/completions/portico
    Completions(CompletionsArgs),
}

#[derive(Args, Debug)]
pub struct ServeArgs {
    /// Port on 127.0.0.1 (0 picks a free one and prints it).
    #[arg(long, default_value_t = 4566)]
    pub port: u16,
}

#[derive(Args, Debug)]
pub struct DeployArgs {
    /// Function names or globs (default: all).
    pub names: Vec<String>,
    /// Set an environment variable, K=V (repeatable).
    #[arg(short = 's', long = "set")]
    pub set: Vec<String>,
    /// Environment variables from a JSON file of strings.
    #[arg(short = 'E', long = "env-file")]
    pub env_file: Option<PathBuf>,
    /// The alias to point at the deployed version.
    #[arg(short = 'a', long = "alias", default_value = "current")]
    pub alias: String,
}

#[derive(Args, Debug)]
pub struct InvokeArgs {
    /// Function name.
    pub name: String,
    /// Alias or version to invoke.
    #[arg(short = 'a', long = "alias", default_value = "current")]
    pub alias: String,
    /// Print the log tail of each invocation to stderr.
    #[arg(short = 'L', long = "logs")]
    pub logs: bool,
}

#[derive(Args, Debug)]
pub struct LogsArgs {
    /// Function names or globs (default: all).
    pub names: Vec<String>,
    /// Follow: keep printing new lines.
    #[arg(short = 'f', long = "follow")]
    pub follow: bool,
    /// Only lines newer than this (e.g. 30s, 5m, 2h, 1d).
    #[arg(short = 's', long = "since", default_value = "5m")]
    pub since: String,
    /// Only lines containing this text.
    #[arg(short = 'F', long = "filter")]
    pub filter: Option<String>,
    /// Show the execution and access logs of this REST API instead.
    #[arg(long = "api")]
    pub api: Option<String>,
    /// With --api: only this stage.
    #[arg(long = "stage")]
    pub stage: Option<String>,
}

#[derive(Args, Debug)]
pub struct ListArgs {
    /// Function names or globs (default: all).
    pub names: Vec<String>,
    /// Print Terraform variables (apex_function_NAME and apex_function_NAME_name).
    #[arg(long = "tfvars")]
    pub tfvars: bool,
}

#[derive(Args, Debug)]
pub struct RollbackArgs {
    /// Function names or globs (default: all).
    pub names: Vec<String>,
    /// The alias to move.
    #[arg(short = 'a', long = "alias", default_value = "current")]
    pub alias: String,
    /// The version to move to (default: the previous one).
    #[arg(short = 'v', long = "version")]
    pub version: Option<String>,
}

#[derive(Args, Debug)]
pub struct AliasArgs {
    /// The alias to create or move.
    pub alias: String,
    /// Function names or globs (default: all).
    pub names: Vec<String>,
    /// A version number or another alias.
    #[arg(short = 'v', long = "version", default_value = "current")]
    pub version: String,
}

#[derive(Args, Debug)]
pub struct DeleteArgs {
    /// Function names or globs (default: all).
    pub names: Vec<String>,
    /// Do not ask for confirmation.
    #[arg(short = 'f', long = "force")]
    pub force: bool,
}

#[derive(Args, Debug)]
pub struct InfraArgs {
    /// plan | apply | destroy | show | output | state list, then Terraform flags.
    #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
    pub args: Vec<String>,
}

#[derive(Args, Debug)]
pub struct UsageArgs {
    /// The API key id (`aws_api_gateway_api_key.NAME.id`).
    pub key_id: String,
}

#[derive(Args, Debug)]
pub struct BuildArgs {
    /// Function name.
    pub name: String,
}

#[derive(Args, Debug)]
pub struct ExecArgs {
    /// Directory to run the command in.
    #[arg(short = 'd', long = "dir")]
    pub dir: Option<PathBuf>,
    /// The command and its arguments.
    #[arg(trailing_var_arg = true, required = true)]
    pub command: Vec<String>,
}

// --- `up`, `init`, `completions` ---

#[derive(Args, Debug)]
pub struct UpArgs {
    /// The project directory (default: the current one, or -C).
    pub dir: Option<PathBuf>,
    /// Port on 127.0.0.1 (0 picks a free one and prints it).
    #[arg(long, default_value_t = 4566)]
    pub port: u16,
}

#[derive(Args, Debug)]
pub struct InitArgs {
    /// The directory to create the project in (default: the current one).
    pub dir: Option<PathBuf>,
    /// The project name (default: the directory's name).
    #[arg(long = "name")]
    pub name: Option<String>,
    /// The function's runtime.
    #[arg(long = "runtime", default_value = "nodejs20.x", value_parser = ["nodejs20.x", "python3.12"])]
    pub runtime: String,
}

#[derive(Args, Debug)]
pub struct CompletionsArgs {
    /// The shell.
    pub shell: clap_complete::Shell,
}
// --- end of `up`, `init`, `completions` ---

#[cfg(test)]
mod tests {
    #[test]
    fn the_command_line_is_well_formed() {
        use clap::CommandFactory;
        super::Cli::command().debug_assert();
    }
}
