# GET /mock-auth (MOCK behind a cached TOKEN authorizer) and GET /mock-key
# (MOCK with an API key in a usage plan): the access-control overheads.
variable "apex_function_authz" {}

resource "aws_api_gateway_authorizer" "token" {
  rest_api_id                      = aws_api_gateway_rest_api.bench.id
  name                             = "token"
  authorizer_uri                   = "arn:aws:apigateway:${var.aws_region}:lambda:path/2015-03-31/functions/${var.apex_function_authz}/invocations"
  authorizer_result_ttl_in_seconds = 300
}

resource "aws_lambda_permission" "authz" {
  statement_id  = "bench"
  action        = "lambda:InvokeFunction"
  function_name = var.apex_function_authz
  principal     = "apigateway.amazonaws.com"
  source_arn    = "${aws_api_gateway_rest_api.bench.execution_arn}/authorizers/${aws_api_gateway_authorizer.token.id}"
}

module "mock_auth" {
  source        = "./mock"
  api           = aws_api_gateway_rest_api.bench.id
  parent        = aws_api_gateway_rest_api.bench.root_resource_id
  path          = "mock-auth"
  authorization = "CUSTOM"
  authorizer_id = aws_api_gateway_authorizer.token.id
  key           = false
}

module "mock_key" {
  source        = "./mock"
  api           = aws_api_gateway_rest_api.bench.id
  parent        = aws_api_gateway_rest_api.bench.root_resource_id
  path          = "mock-key"
  authorization = "NONE"
  authorizer_id = ""
  key           = true
}

resource "aws_api_gateway_api_key" "bench" {
  name  = "bench"
  value = "bench-key-0123456789abcdef"
}

resource "aws_api_gateway_usage_plan" "bench" {
  name = "bench"
  api_stages {
    api_id = aws_api_gateway_rest_api.bench.id
    stage  = aws_api_gateway_stage.bench.stage_name
  }
  throttle_settings {
    rate_limit  = 1000000
    burst_limit = 1000000
  }
}

resource "aws_api_gateway_usage_plan_key" "bench" {
  key_id        = aws_api_gateway_api_key.bench.id
  key_type      = "API_KEY"
  usage_plan_id = aws_api_gateway_usage_plan.bench.id
}
