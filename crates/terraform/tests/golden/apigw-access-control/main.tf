resource "aws_api_gateway_rest_api" "api" {
  name           = "access"
  api_key_source = "AUTHORIZER"
}

resource "aws_api_gateway_authorizer" "request" {
  rest_api_id                      = aws_api_gateway_rest_api.api.id
  name                             = "request"
  type                             = "REQUEST"
  identity_source                  = "method.request.header.X-User, method.request.querystring.team"
  authorizer_result_ttl_in_seconds = 0
  authorizer_uri                   = "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:000000000000:function:demo_hello/invocations"
}

resource "aws_api_gateway_authorizer" "cognito" {
  rest_api_id   = aws_api_gateway_rest_api.api.id
  name          = "pool"
  type          = "COGNITO_USER_POOLS"
  provider_arns = ["arn:aws:cognito-idp:us-east-1:000000000000:userpool/us-east-1_abc"]
}

resource "aws_api_gateway_method" "root" {
  rest_api_id      = aws_api_gateway_rest_api.api.id
  resource_id      = aws_api_gateway_rest_api.api.root_resource_id
  http_method      = "GET"
  authorization    = "CUSTOM"
  authorizer_id    = aws_api_gateway_authorizer.request.id
  api_key_required = true
}

resource "aws_api_gateway_integration" "root" {
  rest_api_id = aws_api_gateway_rest_api.api.id
  resource_id = aws_api_gateway_rest_api.api.root_resource_id
  http_method = aws_api_gateway_method.root.http_method
  type        = "MOCK"
}

resource "aws_api_gateway_deployment" "d" {
  rest_api_id = aws_api_gateway_rest_api.api.id
  depends_on  = [aws_api_gateway_integration.root]
}

resource "aws_api_gateway_stage" "live" {
  rest_api_id   = aws_api_gateway_rest_api.api.id
  deployment_id = aws_api_gateway_deployment.d.id
  stage_name    = "live"
}

resource "aws_api_gateway_method_settings" "root_get" {
  rest_api_id = aws_api_gateway_rest_api.api.id
  stage_name  = aws_api_gateway_stage.live.stage_name
  method_path = "/GET"
  settings {
    throttling_rate_limit  = 5
    throttling_burst_limit = 10
    logging_level          = "ERROR"
    data_trace_enabled     = false
  }
}

resource "aws_api_gateway_api_key" "off" {
  name    = "disabled"
  enabled = false
}

resource "aws_api_gateway_usage_plan" "gold" {
  name        = "gold"
  description = "per-method throttle and a weekly quota"
  api_stages {
    api_id = aws_api_gateway_rest_api.api.id
    stage  = aws_api_gateway_stage.live.stage_name
    throttle {
      path        = "//GET"
      rate_limit  = 1
      burst_limit = 2
    }
  }
  quota_settings {
    limit  = 500
    offset = 100
    period = "WEEK"
  }
  throttle_settings {
    rate_limit  = 10
    burst_limit = 20
  }
}

resource "aws_api_gateway_usage_plan_key" "off" {
  key_id        = aws_api_gateway_api_key.off.id
  key_type      = "API_KEY"
  usage_plan_id = aws_api_gateway_usage_plan.gold.id
}
