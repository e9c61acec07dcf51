# The benchmark API: GET /mock (MOCK), ANY /node (AWS_PROXY to the bench
# handler) and POST /echo (non-proxy, with request and response templates).
variable "aws_region" {}
variable "apex_function_node" {}
variable "apex_function_echo" {}

resource "aws_api_gateway_rest_api" "bench" {
  name = "bench"
}

resource "aws_api_gateway_resource" "mock" {
  rest_api_id = aws_api_gateway_rest_api.bench.id
  parent_id   = aws_api_gateway_rest_api.bench.root_resource_id
  path_part   = "mock"
}

resource "aws_api_gateway_method" "mock" {
  rest_api_id   = aws_api_gateway_rest_api.bench.id
  resource_id   = aws_api_gateway_resource.mock.id
  http_method   = "GET"
  authorization = "NONE"
}

resource "aws_api_gateway_integration" "mock" {
  rest_api_id       = aws_api_gateway_rest_api.bench.id
  resource_id       = aws_api_gateway_resource.mock.id
  http_method       = aws_api_gateway_method.mock.http_method
  type              = "MOCK"
  request_templates = { "application/json" = "{\"statusCode\": 200}" }
}

resource "aws_api_gateway_method_response" "mock" {
  rest_api_id = aws_api_gateway_rest_api.bench.id
  resource_id = aws_api_gateway_resource.mock.id
  http_method = aws_api_gateway_method.mock.http_method
  status_code = "200"
}

resource "aws_api_gateway_integration_response" "mock" {
  rest_api_id        = aws_api_gateway_rest_api.bench.id
  resource_id        = aws_api_gateway_resource.mock.id
  http_method        = aws_api_gateway_method.mock.http_method
  status_code        = aws_api_gateway_method_response.mock.status_code
  response_templates = { "application/json" = "{\"ok\":true}" }
  depends_on         = [aws_api_gateway_integration.mock]
}

resource "aws_api_gateway_resource" "node" {
  rest_api_id = aws_api_gateway_rest_api.bench.id
  parent_id   = aws_api_gateway_rest_api.bench.root_resource_id
  path_part   = "node"
}

resource "aws_api_gateway_method" "node" {
  rest_api_id   = aws_api_gateway_rest_api.bench.id
  resource_id   = aws_api_gateway_resource.node.id
  http_method   = "ANY"
  authorization = "NONE"
}

resource "aws_api_gateway_integration" "node" {
  rest_api_id             = aws_api_gateway_rest_api.bench.id
  resource_id             = aws_api_gateway_resource.node.id
  http_method             = aws_api_gateway_method.node.http_method
  type                    = "AWS_PROXY"
  integration_http_method = "POST"
  uri                     = "arn:aws:apigateway:${var.aws_region}:lambda:path/2015-03-31/functions/${var.apex_function_node}/invocations"
}

resource "aws_api_gateway_resource" "echo" {
  rest_api_id = aws_api_gateway_rest_api.bench.id
  parent_id   = aws_api_gateway_rest_api.bench.root_resource_id
  path_part   = "echo"
}

resource "aws_api_gateway_method" "echo" {
  rest_api_id   = aws_api_gateway_rest_api.bench.id
  resource_id   = aws_api_gateway_resource.echo.id
  http_method   = "POST"
  authorization = "NONE"
}

resource "aws_api_gateway_integration" "echo" {
  rest_api_id             = aws_api_gateway_rest_api.bench.id
  resource_id             = aws_api_gateway_resource.echo.id
  http_method             = aws_api_gateway_method.echo.http_method
  type                    = "AWS"
  integration_http_method = "POST"
  uri                     = "arn:aws:apigateway:${var.aws_region}:lambda:path/2015-03-31/functions/${var.apex_function_echo}/invocations"
  request_templates = {
    "application/json" = "{\"body\": $input.json('$'), \"agent\": \"$util.escapeJavaScript($input.params('User-Agent'))\"}"
  }
}

resource "aws_api_gateway_method_response" "echo" {
  rest_api_id = aws_api_gateway_rest_api.bench.id
  resource_id = aws_api_gateway_resource.echo.id
  http_method = aws_api_gateway_method.echo.http_method
  status_code = "200"
}

resource "aws_api_gateway_integration_response" "echo" {
  rest_api_id        = aws_api_gateway_rest_api.bench.id
  resource_id        = aws_api_gateway_resource.echo.id
  http_method        = aws_api_gateway_method.echo.http_method
  status_code        = aws_api_gateway_method_response.echo.status_code
  response_templates = { "application/json" = "{\"echo\": $input.json('$.body'), \"requestId\": \"$context.requestId\"}" }
  depends_on         = [aws_api_gateway_integration.echo]
}

resource "aws_api_gateway_deployment" "bench" {
  rest_api_id = aws_api_gateway_rest_api.bench.id
  triggers = {
    redeployment = sha1(jsonencode([
      aws_api_gateway_integration.mock, aws_api_gateway_integration_response.mock,
      aws_api_gateway_integration.node, aws_api_gateway_integration.echo,
      aws_api_gateway_integration_response.echo,
      module.mock_auth.integration, module.mock_key.integration,
    ]))
  }
  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_api_gateway_stage" "bench" {
  rest_api_id   = aws_api_gateway_rest_api.bench.id
  deployment_id = aws_api_gateway_deployment.bench.id
  stage_name    = "bench"
}

resource "aws_lambda_permission" "node" {
  statement_id  = "bench"
  action        = "lambda:InvokeFunction"
  function_name = var.apex_function_node
  principal     = "apigateway.amazonaws.com"
  source_arn    = "${aws_api_gateway_rest_api.bench.execution_arn}/*/*"
}

resource "aws_lambda_permission" "echo" {
  statement_id  = "bench"
  action        = "lambda:InvokeFunction"
  function_name = var.apex_function_echo
  principal     = "apigateway.amazonaws.com"
  source_arn    = "${aws_api_gateway_rest_api.bench.execution_arn}/*/*"
}
