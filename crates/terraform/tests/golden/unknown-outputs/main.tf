resource "aws_api_gateway_rest_api" "api" {
  name = "unknowns"
}

locals {
  arn_prefix = "${aws_api_gateway_rest_api.api.execution_arn}/*"
}

output "source_arn" {
  value = local.arn_prefix
}

output "name" {
  value = aws_api_gateway_rest_api.api.name
}

output "fingerprint" {
  value = sha1(jsonencode([aws_api_gateway_rest_api.api.id, "x"]))
}

output "secret" {
  value     = "hunter2"
  sensitive = true
}
