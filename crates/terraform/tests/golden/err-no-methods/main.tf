resource "aws_api_gateway_rest_api" "api" {
  name = "demo"
}

resource "aws_api_gateway_deployment" "d" {
  rest_api_id = aws_api_gateway_rest_api.api.id
}
