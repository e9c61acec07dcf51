//! Names of real AWS provider types that Portico does not emulate: a
//! configuration may declare them (they are recorded in the state, with a
//! warning), whereas a name outside this list and the emulated tables is an
//! error, as in Terraform.

/// Managed resource types of the AWS, archive, null, random and local
/// providers that configurations next to an API commonly declare.
pub static RESOURCE_TYPES: &[&str] = &[
    "aws_acm_certificate", "aws_acm_certificate_validation", "aws_api_gateway_base_path_mapping",
    "aws_api_gateway_client_certificate", "aws_api_gateway_documentation_part", "aws_api_gateway_documentation_version",
    "aws_api_gateway_domain_name", "aws_api_gateway_rest_api_policy", "aws_api_gateway_vpc_link",
    "aws_apigatewayv2_api", "aws_apigatewayv2_integration", "aws_apigatewayv2_route", "aws_apigatewayv2_stage",
    "aws_appautoscaling_policy", "aws_appautoscaling_target", "aws_cloudfront_distribution",
    "aws_cloudfront_origin_access_identity", "aws_cloudwatch_dashboard", "aws_cloudwatch_event_rule",
    "aws_cloudwatch_event_target", "aws_cloudwatch_log_group", "aws_cloudwatch_log_metric_filter",
    "aws_cloudwatch_log_subscription_filter", "aws_cloudwatch_metric_alarm", "aws_cognito_identity_pool",
    "aws_cognito_user_pool", "aws_cognito_user_pool_client", "aws_cognito_user_pool_domain", "aws_db_instance",
    "aws_dynamodb_table", "aws_dynamodb_table_item", "aws_ecr_repository", "aws_ecs_cluster", "aws_ecs_service",
    "aws_ecs_task_definition", "aws_eip", "aws_elasticache_cluster", "aws_iam_access_key", "aws_iam_group",
    "aws_iam_group_policy", "aws_iam_instance_profile", "aws_iam_policy_attachment", "aws_iam_user",
    "aws_iam_user_policy", "aws_iam_user_policy_attachment", "aws_instance", "aws_internet_gateway",
    "aws_kinesis_firehose_delivery_stream", "aws_kinesis_stream", "aws_kms_alias", "aws_kms_key",
    "aws_lambda_event_source_mapping", "aws_lambda_function_event_invoke_config", "aws_lambda_function_url",
    "aws_lambda_layer_version", "aws_lambda_provisioned_concurrency_config", "aws_lb", "aws_lb_listener",
    "aws_lb_target_group", "aws_nat_gateway", "aws_route", "aws_route53_record", "aws_route53_zone",
    "aws_route_table", "aws_route_table_association", "aws_s3_bucket", "aws_s3_bucket_acl",
    "aws_s3_bucket_cors_configuration", "aws_s3_bucket_lifecycle_configuration", "aws_s3_bucket_notification",
    "aws_s3_bucket_ownership_controls", "aws_s3_bucket_policy", "aws_s3_bucket_public_access_block",
    "aws_s3_bucket_server_side_encryption_configuration", "aws_s3_bucket_versioning", "aws_s3_bucket_website_configuration",
    "aws_s3_object", "aws_secretsmanager_secret", "aws_secretsmanager_secret_version", "aws_security_group",
    "aws_security_group_rule", "aws_sfn_state_machine", "aws_sns_topic", "aws_sns_topic_policy",
    "aws_sns_topic_subscription", "aws_sqs_queue", "aws_sqs_queue_policy", "aws_ssm_parameter", "aws_subnet",
    "aws_vpc", "aws_vpc_endpoint", "aws_wafv2_web_acl", "aws_wafv2_web_acl_association", "aws_xray_sampling_rule",
    "local_file", "null_resource", "random_id", "random_password", "random_string", "random_uuid", "terraform_data",
    "time_sleep",
];

/// Data source types that exist in the provider but that Portico cannot read.
pub static DATA_TYPES: &[&str] = &[
    "aws_acm_certificate", "aws_ami", "aws_api_gateway_rest_api", "aws_api_gateway_resource", "aws_availability_zones",
    "aws_cloudwatch_log_group", "aws_dynamodb_table", "aws_iam_policy", "aws_iam_role", "aws_kms_key",
    "aws_lambda_function", "aws_route53_zone", "aws_s3_bucket", "aws_secretsmanager_secret_version",
    "aws_security_group", "aws_ssm_parameter", "aws_subnet", "aws_subnets", "aws_vpc", "template_file",
];
