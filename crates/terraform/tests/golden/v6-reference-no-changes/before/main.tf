resource "aws_api_gateway_rest_api" "api" {
  name = "demo"
}

resource "aws_api_gateway_resource" "hello" {
  rest_api_id = aws_api_gateway_rest_api.api.id
  parent_id   = aws_api_gateway_rest_api.api.root_resource_id
  path_part   = "hello"
}

resource "aws_api_gateway_method" "post" {
  rest_api_id   = aws_api_gateway_rest_api.api.id
  resource_id   = aws_api_gateway_resource.hello.id
  http_method   = "POST"
  authorization = "NONE"
}
data "archive_file" "hello" {
  type                    = "zip"
  source_content          = "exports.handle = (event, ctx, cb) => cb(null, 'hello');"
  source_content_filename = "index.js"
  output_path             = "${path.module}/.build/hello.zip"
}

resource "aws_lambda_function" "fn" {
  function_name    = "demo_hello"
  role             = "arn:aws:iam::000000000000:role/demo"
  handler          = "index.handle"
  runtime          = "nodejs20.x"
  filename         = data.archive_file.hello.output_path
  source_code_hash = data.archive_file.hello.output_base64sha256
}
resource "aws_api_gateway_integration" "lambda" {
  rest_api_id             = aws_api_gateway_rest_api.api.id
  resource_id             = aws_api_gateway_resource.hello.id
  http_method             = aws_api_gateway_method.post.http_method
  type                    = "AWS"
  integration_http_method = "POST"
  uri                     = aws_lambda_function.fn.invoke_arn
}

resource "aws_api_gateway_method_response" "r200" {
  rest_api_id = aws_api_gateway_rest_api.api.id
  resource_id = aws_api_gateway_resource.hello.id
  http_method = aws_api_gateway_method.post.http_method
  status_code = "200"
}

resource "aws_api_gateway_method_response" "r400" {
  rest_api_id = aws_api_gateway_rest_api.api.id
  resource_id = aws_api_gateway_resource.hello.id
  http_method = aws_api_gateway_method.post.http_method
  status_code = "400"
}

resource "aws_api_gateway_integration_response" "ok" {
  rest_api_id = aws_api_gateway_rest_api.api.id
  resource_id = aws_api_gateway_resource.hello.id
  http_method = aws_api_gateway_method.post.http_method
  status_code = aws_api_gateway_method_response.r200.status_code
  depends_on  = [aws_api_gateway_integration.lambda]
}

resource "aws_api_gateway_integration_response" "bad" {
  rest_api_id        = aws_api_gateway_rest_api.api.id
  resource_id        = aws_api_gateway_resource.hello.id
  http_method        = aws_api_gateway_method.post.http_method
  status_code        = aws_api_gateway_method_response.r400.status_code
  selection_pattern  = "^\\[BadRequest\\].*"
  response_templates = { "application/json" = "{\"message\": \"$util.escapeJavaScript($input.path('$.errorMessage'))\"}" }
  depends_on         = [aws_api_gateway_integration.lambda]
}
resource "aws_api_gateway_deployment" "d" {
  rest_api_id = aws_api_gateway_rest_api.api.id
  triggers = {
    redeployment = sha1(jsonencode([aws_api_gateway_integration.lambda, aws_api_gateway_integration_response.ok, aws_api_gateway_integration_response.bad]))
  }
  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_api_gateway_stage" "prod" {
  rest_api_id   = aws_api_gateway_rest_api.api.id
  deployment_id = aws_api_gateway_deployment.d.id
  stage_name    = "prod"
}

resource "aws_lambda_permission" "apigw" {
  statement_id  = "AllowAPIGatewayInvoke"
  action        = "lambda:InvokeFunction"
  function_name = aws_lambda_function.fn.function_name
  principal     = "apigateway.amazonaws.com"
  source_arn    = "${aws_api_gateway_rest_api.api.execution_arn}/*/*"
}
