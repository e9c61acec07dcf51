resource "aws_api_gateway_restapi" "api" {
  name = "x"
}
