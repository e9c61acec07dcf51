# Every request, whatever its method and path, goes whole to the function
# (AWS_PROXY). `{proxy+}` matches one or more path segments but never `/`,
# so the root gets its own ANY method.
resource "aws_api_gateway_rest_api" "crud" {
  name = "JsonCrud"
}

resource "aws_api_gateway_resource" "proxy" {
  rest_api_id = aws_api_gateway_rest_api.crud.id
  parent_id   = aws_api_gateway_rest_api.crud.root_resource_id
  path_part   = "{proxy+}"
}

resource "aws_api_gateway_method" "proxy_any" {
  rest_api_id   = aws_api_gateway_rest_api.crud.id
  resource_id   = aws_api_gateway_resource.proxy.id
  http_method   = "ANY"
  authorization = "NONE"
}

resource "aws_api_gateway_integration" "proxy_any" {
  rest_api_id             = aws_api_gateway_rest_api.crud.id
  resource_id             = aws_api_gateway_resource.proxy.id
  http_method             = aws_api_gateway_method.proxy_any.http_method
  type                    = "AWS_PROXY"
  integration_http_method = "POST"
  uri                     = "arn:aws:apigateway:${var.aws_region}:lambda:path/2015-03-31/functions/${var.apex_function_items}/invocations"
}

resource "aws_api_gateway_method" "root_any" {
  rest_api_id   = aws_api_gateway_rest_api.crud.id
  resource_id   = aws_api_gateway_rest_api.crud.root_resource_id
  http_method   = "ANY"
  authorization = "NONE"
}

resource "aws_api_gateway_integration" "root_any" {
  rest_api_id             = aws_api_gateway_rest_api.crud.id
  resource_id             = aws_api_gateway_rest_api.crud.root_resource_id
  http_method             = aws_api_gateway_method.root_any.http_method
  type                    = "AWS_PROXY"
  integration_http_method = "POST"
  uri                     = "arn:aws:apigateway:${var.aws_region}:lambda:path/2015-03-31/functions/${var.apex_function_items}/invocations"
}

# Replaced whenever a resource in `triggers` changes; the stage then moves
# to the new deployment before the old one is deleted.
resource "aws_api_gateway_deployment" "crud" {
  rest_api_id = aws_api_gateway_rest_api.crud.id
  triggers = {
    redeployment = sha1(jsonencode([
      aws_api_gateway_resource.proxy,
      aws_api_gateway_method.proxy_any,
      aws_api_gateway_integration.proxy_any,
      aws_api_gateway_method.root_any,
      aws_api_gateway_integration.root_any,
    ]))
  }
  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_api_gateway_stage" "v1" {
  rest_api_id   = aws_api_gateway_rest_api.crud.id
  deployment_id = aws_api_gateway_deployment.crud.id
  stage_name    = "v1"
}

resource "aws_lambda_permission" "crud" {
  statement_id  = "AllowAPIGatewayInvoke"
  action        = "lambda:InvokeFunction"
  function_name = var.apex_function_items_name
  principal     = "apigateway.amazonaws.com"
  source_arn    = "${aws_api_gateway_rest_api.crud.execution_arn}/*/*"
}

output "items_url" {
  value = "${aws_api_gateway_stage.v1.invoke_url}/items"
}

output "api_id" {
  value = aws_api_gateway_rest_api.crud.id
}
