# What POST /check may answer, and how the function's result is mapped
# onto those answers. A success goes out as 200 with the function's
# result; an error whose message holds [BadRequest] becomes 400, one
# that holds [InternalServerError] becomes 500.
resource "aws_api_gateway_method_response" "check_post_200" {
  rest_api_id = aws_api_gateway_rest_api.status_api.id
  resource_id = aws_api_gateway_resource.check.id
  http_method = aws_api_gateway_method.check_post.http_method
  status_code = "200"
  response_models = {
    "application/json" = "Empty"
  }
}

resource "aws_api_gateway_method_response" "check_post_400" {
  rest_api_id = aws_api_gateway_rest_api.status_api.id
  resource_id = aws_api_gateway_resource.check.id
  http_method = aws_api_gateway_method.check_post.http_method
  status_code = "400"
  response_models = {
    "application/json" = "Error"
  }
}

resource "aws_api_gateway_method_response" "check_post_500" {
  rest_api_id = aws_api_gateway_rest_api.status_api.id
  resource_id = aws_api_gateway_resource.check.id
  http_method = aws_api_gateway_method.check_post.http_method
  status_code = "500"
  response_models = {
    "application/json" = "Error"
  }
}

resource "aws_api_gateway_integration_response" "check_post_200" {
  depends_on  = [aws_api_gateway_integration.check_post]
  rest_api_id = aws_api_gateway_rest_api.status_api.id
  resource_id = aws_api_gateway_resource.check.id
  http_method = aws_api_gateway_method.check_post.http_method
  status_code = aws_api_gateway_method_response.check_post_200.status_code
}

resource "aws_api_gateway_integration_response" "check_post_400" {
  depends_on        = [aws_api_gateway_integration.check_post]
  rest_api_id       = aws_api_gateway_rest_api.status_api.id
  resource_id       = aws_api_gateway_resource.check.id
  http_method       = aws_api_gateway_method.check_post.http_method
  status_code       = aws_api_gateway_method_response.check_post_400.status_code
  selection_pattern = ".*\\[BadRequest\\].*"
  response_templates = {
    "application/json" = <<EOT
#set ($errorMessageObj = $util.parseJson($input.path('$.errorMessage')))
{
  "message" : "$errorMessageObj.message",
  "requestId" : "$errorMessageObj.requestId"
}
EOT
  }
}

resource "aws_api_gateway_integration_response" "check_post_500" {
  depends_on        = [aws_api_gateway_integration.check_post]
  rest_api_id       = aws_api_gateway_rest_api.status_api.id
  resource_id       = aws_api_gateway_resource.check.id
  http_method       = aws_api_gateway_method.check_post.http_method
  status_code       = aws_api_gateway_method_response.check_post_500.status_code
  selection_pattern = ".*\\[InternalServerError\\].*"
  response_templates = {
    "application/json" = <<EOT
#set ($errorMessageObj = $util.parseJson($input.path('$.errorMessage')))
{
  "message" : "$errorMessageObj.message",
  "requestId" : "$errorMessageObj.requestId"
}
EOT
  }
}
