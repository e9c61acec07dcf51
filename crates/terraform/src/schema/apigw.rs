//! API Gateway (REST v1) resource tables (hashicorp/terraform-provider-aws
//! internal/service/apigateway, v5 attribute set; apigateway.md §1.2).

use super::Ty::{Bool as B, List as L, Map as M, Num as N, Str as S};
use super::{Def, Schema, blk, c, d, o, oc, of, r, rf};

/// The API Gateway tables.
pub static SCHEMAS: &[Schema] = &[
    Schema {
        ty: "aws_api_gateway_rest_api",
        attrs: &[
            r("name", S), o("description", S), oc("binary_media_types", L), oc("minimum_compression_size", S),
            oc("api_key_source", S), oc("policy", S), oc("disable_execute_api_endpoint", B), o("body", S),
            o("put_rest_api_mode", S), o("fail_on_warnings", B), o("parameters", M), o("tags", M), c("tags_all", M),
            c("id", S), c("arn", S), c("created_date", S), c("execution_arn", S), c("root_resource_id", S),
        ],
        blocks: &[blk("endpoint_configuration", &[r("types", L), o("vpc_endpoint_ids", L), oc("ip_address_type", S)], &[], false)],
    },
    Schema {
        ty: "aws_api_gateway_resource",
        attrs: &[rf("rest_api_id", S), r("parent_id", S), r("path_part", S), c("id", S), c("path", S)],
        blocks: &[],
    },
    Schema {
        ty: "aws_api_gateway_method",
        attrs: &[
            rf("rest_api_id", S), rf("resource_id", S), rf("http_method", S), r("authorization", S),
            o("authorizer_id", S), o("authorization_scopes", L), d("api_key_required", B, Def::B(false)),
            o("operation_name", S), o("request_models", M), o("request_validator_id", S), o("request_parameters", M),
            c("id", S),
        ],
        blocks: &[],
    },
    Schema {
        ty: "aws_api_gateway_method_response",
        attrs: &[
            rf("rest_api_id", S), rf("resource_id", S), rf("http_method", S), rf("status_code", S),
            o("response_models", M), o("response_parameters", M), c("id", S),
        ],
        blocks: &[],
    },
    Schema {
        ty: "aws_api_gateway_integration",
        attrs: &[
            rf("rest_api_id", S), rf("resource_id", S), rf("http_method", S), rf("type", S),
            o("integration_http_method", S), o("uri", S), o("credentials", S), o("request_templates", M),
            o("request_parameters", M), oc("passthrough_behavior", S), oc("cache_key_parameters", L),
            oc("cache_namespace", S), o("content_handling", S), d("connection_type", S, Def::S("INTERNET")),
            o("connection_id", S), d("timeout_milliseconds", N, Def::N(29000.0)), c("id", S),
        ],
        blocks: &[blk("tls_config", &[o("insecure_skip_verification", B)], &[], false)],
    },
    Schema {
        ty: "aws_api_gateway_integration_response",
        attrs: &[
            rf("rest_api_id", S), rf("resource_id", S), rf("http_method", S), rf("status_code", S),
            o("selection_pattern", S), o("response_templates", M), o("response_parameters", M),
            o("content_handling", S), c("id", S),
        ],
        blocks: &[],
    },
    Schema {
        ty: "aws_api_gateway_deployment",
        attrs: &[
            rf("rest_api_id", S), o("description", S), of("stage_name", S), of("stage_description", S),
            of("variables", M), of("triggers", M), c("id", S), c("created_date", S), c("execution_arn", S),
            c("invoke_url", S),
        ],
        blocks: &[blk("canary_settings", &[o("percent_traffic", N), o("stage_variable_overrides", M), o("use_stage_cache", B)], &[], true)],
    },
    Schema {
        ty: "aws_api_gateway_stage",
        attrs: &[
            rf("rest_api_id", S), rf("stage_name", S), r("deployment_id", S), o("description", S), o("variables", M),
            o("cache_cluster_enabled", B), o("cache_cluster_size", S), o("client_certificate_id", S),
            o("documentation_version", S), o("xray_tracing_enabled", B), o("tags", M), c("tags_all", M),
            c("id", S), c("arn", S), c("execution_arn", S), c("invoke_url", S), c("web_acl_arn", S),
        ],
        blocks: &[
            blk("access_log_settings", &[r("destination_arn", S), r("format", S)], &[], false),
            blk("canary_settings", &[o("deployment_id", S), o("percent_traffic", N), o("stage_variable_overrides", M), o("use_stage_cache", B)], &[], false),
        ],
    },
    Schema {
        ty: "aws_api_gateway_gateway_response",
        attrs: &[
            rf("rest_api_id", S), rf("response_type", S), o("status_code", S), o("response_templates", M),
            o("response_parameters", M), c("id", S),
        ],
        blocks: &[],
    },
    Schema {
        ty: "aws_api_gateway_account",
        attrs: &[
            o("cloudwatch_role_arn", S), o("reset_on_delete", B), c("api_key_version", S), c("features", L),
            c("throttle_settings", L), c("id", S),
        ],
        blocks: &[],
    },
    Schema {
        ty: "aws_api_gateway_model",
        attrs: &[rf("rest_api_id", S), rf("name", S), rf("content_type", S), o("description", S), o("schema", S), c("id", S)],
        blocks: &[],
    },
    Schema {
        ty: "aws_api_gateway_request_validator",
        attrs: &[
            rf("rest_api_id", S), r("name", S), d("validate_request_body", B, Def::B(false)),
            d("validate_request_parameters", B, Def::B(false)), c("id", S),
        ],
        blocks: &[],
    },
    Schema {
        ty: "aws_api_gateway_authorizer",
        attrs: &[
            rf("rest_api_id", S), r("name", S), d("type", S, Def::S("TOKEN")), o("authorizer_uri", S),
            d("identity_source", S, Def::S("method.request.header.Authorization")),
            d("authorizer_result_ttl_in_seconds", N, Def::N(300.0)), o("authorizer_credentials", S),
            o("identity_validation_expression", S), o("provider_arns", L), c("id", S), c("arn", S),
        ],
        blocks: &[],
    },
    Schema {
        ty: "aws_api_gateway_api_key",
        attrs: &[
            r("name", S), d("description", S, Def::S("Managed by Terraform")), d("enabled", B, Def::B(true)),
            oc("value", S), o("customer_id", S), o("tags", M), c("tags_all", M), c("id", S), c("arn", S),
            c("created_date", S), c("last_updated_date", S),
        ],
        blocks: &[],
    },
    Schema {
        ty: "aws_api_gateway_usage_plan",
        attrs: &[r("name", S), o("description", S), o("product_code", S), o("tags", M), c("tags_all", M), c("id", S), c("arn", S)],
        blocks: &[
            blk("api_stages", &[r("api_id", S), r("stage", S)], &[blk("throttle", &[r("path", S), o("burst_limit", N), o("rate_limit", N)], &[], false)], false),
            blk("quota_settings", &[r("limit", N), o("offset", N), r("period", S)], &[], false),
            blk("throttle_settings", &[o("burst_limit", N), o("rate_limit", N)], &[], false),
        ],
    },
    Schema {
        ty: "aws_api_gateway_usage_plan_key",
        attrs: &[rf("key_id", S), rf("key_type", S), rf("usage_plan_id", S), c("id", S), c("name", S), c("value", S)],
        blocks: &[],
    },
    Schema {
        ty: "aws_api_gateway_method_settings",
        attrs: &[rf("rest_api_id", S), rf("stage_name", S), rf("method_path", S), c("id", S)],
        blocks: &[blk(
            "settings",
            &[
                oc("metrics_enabled", B), oc("logging_level", S), oc("data_trace_enabled", B),
                d("throttling_burst_limit", N, Def::N(-1.0)), d("throttling_rate_limit", N, Def::N(-1.0)),
                oc("caching_enabled", B), oc("cache_ttl_in_seconds", N), oc("cache_data_encrypted", B),
                oc("require_authorization_for_cache_control", B), oc("unauthorized_cache_control_header_strategy", S),
            ],
            &[],
            false,
        )],
    },
];
