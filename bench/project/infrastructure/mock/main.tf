# A MOCK GET route answering {"ok":true}, with the given access control.
variable "api" {}
variable "parent" {}
variable "path" {}
variable "authorization" {}
variable "authorizer_id" {}
variable "key" {}

resource "aws_api_gateway_resource" "r" {
  rest_api_id = var.api
  parent_id   = var.parent
  path_part   = var.path
}

resource "aws_api_gateway_method" "m" {
  rest_api_id      = var.api
  resource_id      = aws_api_gateway_resource.r.id
  http_method      = "GET"
  authorization    = var.authorization
  authorizer_id    = var.authorizer_id == "" ? null : var.authorizer_id
  api_key_required = var.key
}

resource "aws_api_gateway_integration" "i" {
  rest_api_id       = var.api
  resource_id       = aws_api_gateway_resource.r.id
  http_method       = aws_api_gateway_method.m.http_method
  type              = "MOCK"
  request_templates = { "application/json" = "{\"statusCode\": 200}" }
}

resource "aws_api_gateway_method_response" "mr" {
  rest_api_id = var.api
  resource_id = aws_api_gateway_resource.r.id
  http_method = aws_api_gateway_method.m.http_method
  status_code = "200"
}

resource "aws_api_gateway_integration_response" "ir" {
  rest_api_id        = var.api
  resource_id        = aws_api_gateway_resource.r.id
  http_method        = aws_api_gateway_method.m.http_method
  status_code        = aws_api_gateway_method_response.mr.status_code
  response_templates = { "application/json" = "{\"ok\":true}" }
  depends_on         = [aws_api_gateway_integration.i]
}

output "integration" {
  value = aws_api_gateway_integration_response.ir.id
}
