//! Lambda and IAM resource tables (apigateway.md §1.3; IAM is recorded
//! with computed ARNs, never enforced).

use super::Ty::{Bool as B, List as L, Map as M, Num as N, Str as S};
use super::{Def, Schema, blk, c, d, df, o, oc, ocf, of, r, rf};

/// The Lambda and IAM tables.
pub static SCHEMAS: &[Schema] = &[
    Schema {
        ty: "aws_lambda_function",
        attrs: &[
            rf("function_name", S), r("role", S), o("handler", S), o("runtime", S), o("filename", S),
            o("s3_bucket", S), o("s3_key", S), o("s3_object_version", S), o("image_uri", S),
            df("package_type", S, Def::S("Zip")), oc("source_code_hash", S), oc("code_sha256", S), o("description", S),
            d("timeout", N, Def::N(3.0)), d("memory_size", N, Def::N(128.0)), d("publish", B, Def::B(false)),
            oc("architectures", L), o("layers", L), d("reserved_concurrent_executions", N, Def::N(-1.0)),
            o("kms_key_arn", S), o("tags", M), c("tags_all", M), d("skip_destroy", B, Def::B(false)),
            c("id", S), c("arn", S), c("invoke_arn", S), c("qualified_arn", S), c("qualified_invoke_arn", S),
            c("version", S), c("last_modified", S), c("source_code_size", N), c("signing_job_arn", S),
            c("signing_profile_version_arn", S),
        ],
        blocks: &[
            blk("environment", &[o("variables", M)], &[], false),
            blk("vpc_config", &[r("subnet_ids", L), r("security_group_ids", L)], &[], false),
            blk("tracing_config", &[r("mode", S)], &[], false),
            blk("dead_letter_config", &[r("target_arn", S)], &[], false),
            blk("ephemeral_storage", &[oc("size", N)], &[], false),
            blk("logging_config", &[r("log_format", S), o("log_group", S), o("application_log_level", S), o("system_log_level", S)], &[], false),
        ],
    },
    Schema {
        ty: "aws_lambda_alias",
        attrs: &[
            rf("name", S), rf("function_name", S), r("function_version", S), o("description", S),
            c("id", S), c("arn", S), c("invoke_arn", S),
        ],
        blocks: &[blk("routing_config", &[o("additional_version_weights", M)], &[], false)],
    },
    Schema {
        ty: "aws_lambda_permission",
        attrs: &[
            rf("action", S), rf("function_name", S), rf("principal", S), of("qualifier", S), of("source_arn", S),
            of("source_account", S), ocf("statement_id", S), of("statement_id_prefix", S),
            of("event_source_token", S), of("principal_org_id", S), of("function_url_auth_type", S), c("id", S),
        ],
        blocks: &[],
    },
    Schema {
        ty: "aws_iam_role",
        attrs: &[
            ocf("name", S), of("name_prefix", S), r("assume_role_policy", S), o("description", S),
            df("path", S, Def::S("/")), d("max_session_duration", N, Def::N(3600.0)), o("permissions_boundary", S),
            d("force_detach_policies", B, Def::B(false)), oc("managed_policy_arns", L), o("tags", M),
            c("tags_all", M), c("id", S), c("arn", S), c("unique_id", S), c("create_date", S),
        ],
        blocks: &[blk("inline_policy", &[o("name", S), o("policy", S)], &[], false)],
    },
    Schema {
        ty: "aws_iam_role_policy",
        attrs: &[ocf("name", S), of("name_prefix", S), rf("role", S), r("policy", S), c("id", S)],
        blocks: &[],
    },
    Schema {
        ty: "aws_iam_policy",
        attrs: &[
            ocf("name", S), of("name_prefix", S), df("path", S, Def::S("/")), of("description", S), r("policy", S),
            o("tags", M), c("tags_all", M), c("id", S), c("arn", S), c("policy_id", S), c("attachment_count", N),
        ],
        blocks: &[],
    },
    Schema {
        ty: "aws_iam_role_policy_attachment",
        attrs: &[rf("role", S), rf("policy_arn", S), c("id", S)],
        blocks: &[],
    },
];
