resource "aws_api_gateway_rest_api" "api" {
  name = "x"
  body = jsonencode({ openapi = "3.0.1" })
}
