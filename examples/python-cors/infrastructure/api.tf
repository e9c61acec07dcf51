# GET /greet?name=Ada&language=fr, mapped by a request template onto the
# event the Python function expects; OPTIONS /greet answers the browser's
# CORS preflight without calling anything (MOCK).
resource "aws_api_gateway_rest_api" "greeter" {
  name = "Greeter"
}

resource "aws_api_gateway_resource" "greet" {
  rest_api_id = aws_api_gateway_rest_api.greeter.id
  parent_id   = aws_api_gateway_rest_api.greeter.root_resource_id
  path_part   = "greet"
}

# --- GET: the function, through a request template ---

resource "aws_api_gateway_method" "greet_get" {
  rest_api_id   = aws_api_gateway_rest_api.greeter.id
  resource_id   = aws_api_gateway_resource.greet.id
  http_method   = "GET"
  authorization = "NONE"
}

resource "aws_api_gateway_integration" "greet_get" {
  rest_api_id             = aws_api_gateway_rest_api.greeter.id
  resource_id             = aws_api_gateway_resource.greet.id
  http_method             = aws_api_gateway_method.greet_get.http_method
  type                    = "AWS"
  integration_http_method = "POST"
  uri                     = "arn:aws:apigateway:${var.aws_region}:lambda:path/2015-03-31/functions/${var.apex_function_greet}/invocations"
  passthrough_behavior    = "WHEN_NO_TEMPLATES"
  request_templates = {
    "application/json" = <<EOT
{
  "name": "$util.escapeJavaScript($input.params('name'))",
  "language": "$util.escapeJavaScript($input.params('language'))",
  "caller": "$context.identity.sourceIp"
}
EOT
  }
}

resource "aws_api_gateway_method_response" "greet_get_200" {
  rest_api_id = aws_api_gateway_rest_api.greeter.id
  resource_id = aws_api_gateway_resource.greet.id
  http_method = aws_api_gateway_method.greet_get.http_method
  status_code = "200"
  response_parameters = {
    "method.response.header.Access-Control-Allow-Origin" = true
  }
}

resource "aws_api_gateway_method_response" "greet_get_400" {
  rest_api_id = aws_api_gateway_rest_api.greeter.id
  resource_id = aws_api_gateway_resource.greet.id
  http_method = aws_api_gateway_method.greet_get.http_method
  status_code = "400"
  response_parameters = {
    "method.response.header.Access-Control-Allow-Origin" = true
  }
}

resource "aws_api_gateway_integration_response" "greet_get_200" {
  rest_api_id = aws_api_gateway_rest_api.greeter.id
  resource_id = aws_api_gateway_resource.greet.id
  http_method = aws_api_gateway_method.greet_get.http_method
  status_code = aws_api_gateway_method_response.greet_get_200.status_code
  response_parameters = {
    "method.response.header.Access-Control-Allow-Origin" = "'*'"
  }
  depends_on = [aws_api_gateway_integration.greet_get]
}

# A Python exception's message is the error message the pattern sees.
resource "aws_api_gateway_integration_response" "greet_get_400" {
  rest_api_id       = aws_api_gateway_rest_api.greeter.id
  resource_id       = aws_api_gateway_resource.greet.id
  http_method       = aws_api_gateway_method.greet_get.http_method
  status_code       = aws_api_gateway_method_response.greet_get_400.status_code
  selection_pattern = "\\[BadRequest\\].*"
  response_parameters = {
    "method.response.header.Access-Control-Allow-Origin" = "'*'"
  }
  response_templates = {
    "application/json" = "{\"message\": \"$util.escapeJavaScript($input.path('$.errorMessage'))\"}"
  }
  depends_on = [aws_api_gateway_integration.greet_get]
}

# --- OPTIONS: the CORS preflight, answered by API Gateway itself ---

resource "aws_api_gateway_method" "greet_options" {
  rest_api_id   = aws_api_gateway_rest_api.greeter.id
  resource_id   = aws_api_gateway_resource.greet.id
  http_method   = "OPTIONS"
  authorization = "NONE"
}

resource "aws_api_gateway_integration" "greet_options" {
  rest_api_id = aws_api_gateway_rest_api.greeter.id
  resource_id = aws_api_gateway_resource.greet.id
  http_method = aws_api_gateway_method.greet_options.http_method
  type        = "MOCK"
  request_templates = {
    "application/json" = "{\"statusCode\": 200}"
  }
}

resource "aws_api_gateway_method_response" "greet_options_200" {
  rest_api_id = aws_api_gateway_rest_api.greeter.id
  resource_id = aws_api_gateway_resource.greet.id
  http_method = aws_api_gateway_method.greet_options.http_method
  status_code = "200"
  response_parameters = {
    "method.response.header.Access-Control-Allow-Headers" = true
    "method.response.header.Access-Control-Allow-Methods" = true
    "method.response.header.Access-Control-Allow-Origin"  = true
  }
}

resource "aws_api_gateway_integration_response" "greet_options_200" {
  rest_api_id = aws_api_gateway_rest_api.greeter.id
  resource_id = aws_api_gateway_resource.greet.id
  http_method = aws_api_gateway_method.greet_options.http_method
  status_code = aws_api_gateway_method_response.greet_options_200.status_code
  response_parameters = {
    "method.response.header.Access-Control-Allow-Headers" = "'Content-Type,Authorization'"
    "method.response.header.Access-Control-Allow-Methods" = "'GET,OPTIONS'"
    "method.response.header.Access-Control-Allow-Origin"  = "'*'"
  }
  depends_on = [aws_api_gateway_integration.greet_options]
}

# --- the stage ---

resource "aws_api_gateway_deployment" "greeter" {
  rest_api_id = aws_api_gateway_rest_api.greeter.id
  triggers = {
    redeployment = sha1(jsonencode([
      aws_api_gateway_resource.greet,
      aws_api_gateway_method.greet_get,
      aws_api_gateway_integration.greet_get,
      aws_api_gateway_method_response.greet_get_200,
      aws_api_gateway_method_response.greet_get_400,
      aws_api_gateway_integration_response.greet_get_200,
      aws_api_gateway_integration_response.greet_get_400,
      aws_api_gateway_method.greet_options,
      aws_api_gateway_integration.greet_options,
      aws_api_gateway_method_response.greet_options_200,
      aws_api_gateway_integration_response.greet_options_200,
    ]))
  }
  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_api_gateway_stage" "dev" {
  rest_api_id   = aws_api_gateway_rest_api.greeter.id
  deployment_id = aws_api_gateway_deployment.greeter.id
  stage_name    = "dev"
}

resource "aws_lambda_permission" "greeter" {
  statement_id  = "AllowAPIGatewayInvoke"
  action        = "lambda:InvokeFunction"
  function_name = var.apex_function_greet_name
  principal     = "apigateway.amazonaws.com"
  source_arn    = "${aws_api_gateway_rest_api.greeter.execution_arn}/*/*"
}

output "greet_url" {
  value = "${aws_api_gateway_stage.dev.invoke_url}/greet"
}

output "api_id" {
  value = aws_api_gateway_rest_api.greeter.id
}
