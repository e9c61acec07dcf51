# The REST API and its one route: POST /check, wired to the function
# without proxying (integration type AWS): the request body is the event,
# and the function's result (or error) is mapped back by the integration
# responses in responses.tf.
resource "aws_api_gateway_rest_api" "status_api" {
  name        = "StatusAPI"
  description = "Looks up the status of a service"
}

resource "aws_api_gateway_resource" "check" {
  rest_api_id = aws_api_gateway_rest_api.status_api.id
  parent_id   = aws_api_gateway_rest_api.status_api.root_resource_id
  path_part   = "check"
}

resource "aws_api_gateway_method" "check_post" {
  rest_api_id   = aws_api_gateway_rest_api.status_api.id
  resource_id   = aws_api_gateway_resource.check.id
  http_method   = "POST"
  authorization = "NONE"
}

resource "aws_api_gateway_integration" "check_post" {
  rest_api_id             = aws_api_gateway_rest_api.status_api.id
  resource_id             = aws_api_gateway_resource.check.id
  http_method             = aws_api_gateway_method.check_post.http_method
  type                    = "AWS"
  integration_http_method = "POST"
  uri                     = "arn:aws:apigateway:${var.aws_region}:lambda:path/2015-03-31/functions/${var.apex_function_github-status}/invocations"
}

# A deployment freezes the API as it is. This one is replaced whenever a
# resource named in `triggers` changes, so list every resource, method,
# integration and response here; create_before_destroy moves the stage to
# the new deployment before the old one is deleted.
resource "aws_api_gateway_deployment" "status_api" {
  rest_api_id = aws_api_gateway_rest_api.status_api.id
  triggers = {
    redeployment = sha1(jsonencode([
      aws_api_gateway_resource.check,
      aws_api_gateway_method.check_post,
      aws_api_gateway_integration.check_post,
      aws_api_gateway_method_response.check_post_200,
      aws_api_gateway_method_response.check_post_400,
      aws_api_gateway_method_response.check_post_500,
      aws_api_gateway_integration_response.check_post_200,
      aws_api_gateway_integration_response.check_post_400,
      aws_api_gateway_integration_response.check_post_500,
    ]))
  }
  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_api_gateway_stage" "test" {
  rest_api_id   = aws_api_gateway_rest_api.status_api.id
  deployment_id = aws_api_gateway_deployment.status_api.id
  stage_name    = "test"
}

# Let API Gateway invoke the function, for POST /check on every stage.
resource "aws_lambda_permission" "check_post" {
  statement_id  = "AllowInvokeFromAPIGateway"
  action        = "lambda:InvokeFunction"
  function_name = var.apex_function_github-status_name
  principal     = "apigateway.amazonaws.com"
  source_arn    = "arn:aws:execute-api:${var.aws_region}:${var.aws_account_id}:${aws_api_gateway_rest_api.status_api.id}/*/${aws_api_gateway_integration.check_post.integration_http_method}${aws_api_gateway_resource.check.path}"
}

output "check_url" {
  value = "${aws_api_gateway_stage.test.invoke_url}/check"
}

output "api_id" {
  value = aws_api_gateway_rest_api.status_api.id
}
