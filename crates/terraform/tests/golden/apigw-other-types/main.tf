resource "aws_api_gateway_rest_api" "api" {
  name           = "full"
  api_key_source = "HEADER"
  endpoint_configuration {
    types = ["REGIONAL"]
  }
}

resource "aws_api_gateway_model" "user" {
  rest_api_id  = aws_api_gateway_rest_api.api.id
  name         = "User"
  content_type = "application/json"
  schema       = jsonencode({ type = "object", required = ["name"] })
}

resource "aws_api_gateway_request_validator" "body" {
  rest_api_id           = aws_api_gateway_rest_api.api.id
  name                  = "body"
  validate_request_body = true
}

resource "aws_api_gateway_authorizer" "token" {
  rest_api_id    = aws_api_gateway_rest_api.api.id
  name           = "token"
  authorizer_uri = "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:000000000000:function:demo_hello/invocations"
}

resource "aws_api_gateway_method" "root" {
  rest_api_id          = aws_api_gateway_rest_api.api.id
  resource_id          = aws_api_gateway_rest_api.api.root_resource_id
  http_method          = "POST"
  authorization        = "CUSTOM"
  authorizer_id        = aws_api_gateway_authorizer.token.id
  request_validator_id = aws_api_gateway_request_validator.body.id
  api_key_required     = true
  request_models = {
    "application/json" = aws_api_gateway_model.user.name
  }
  request_parameters = {
    "method.request.header.X-Trace" = false
  }
}

resource "aws_api_gateway_integration" "root" {
  rest_api_id = aws_api_gateway_rest_api.api.id
  resource_id = aws_api_gateway_rest_api.api.root_resource_id
  http_method = aws_api_gateway_method.root.http_method
  type        = "MOCK"
}

resource "aws_api_gateway_gateway_response" "missing_token" {
  rest_api_id   = aws_api_gateway_rest_api.api.id
  response_type = "MISSING_AUTHENTICATION_TOKEN"
  status_code   = "404"
  response_templates = {
    "application/json" = "{\"message\": \"not here\"}"
  }
}

resource "aws_api_gateway_deployment" "d" {
  rest_api_id = aws_api_gateway_rest_api.api.id
  depends_on  = [aws_api_gateway_integration.root]
}

resource "aws_api_gateway_stage" "live" {
  rest_api_id   = aws_api_gateway_rest_api.api.id
  deployment_id = aws_api_gateway_deployment.d.id
  stage_name    = "live"
  variables = {
    backend = "local"
  }
}

resource "aws_api_gateway_method_settings" "all" {
  rest_api_id = aws_api_gateway_rest_api.api.id
  stage_name  = aws_api_gateway_stage.live.stage_name
  method_path = "*/*"
  settings {
    metrics_enabled = true
    logging_level   = "INFO"
  }
}

resource "aws_api_gateway_api_key" "k" {
  name  = "partner"
  value = "0123456789abcdefghijklmnop"
}

resource "aws_api_gateway_usage_plan" "basic" {
  name = "basic"
  api_stages {
    api_id = aws_api_gateway_rest_api.api.id
    stage  = aws_api_gateway_stage.live.stage_name
  }
  quota_settings {
    limit  = 1000
    period = "DAY"
  }
}

resource "aws_api_gateway_usage_plan_key" "k" {
  key_id        = aws_api_gateway_api_key.k.id
  key_type      = "API_KEY"
  usage_plan_id = aws_api_gateway_usage_plan.basic.id
}

resource "aws_api_gateway_account" "acct" {
  cloudwatch_role_arn = "arn:aws:iam::000000000000:role/apigw-logs"
}
