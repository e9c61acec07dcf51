locals {
  paths   = ["a", "b"]
  methods = { get = "GET", put = "PUT" }
}

resource "aws_api_gateway_rest_api" "api" {
  name = "counted"
}

resource "aws_api_gateway_resource" "r" {
  count       = length(local.paths)
  rest_api_id = aws_api_gateway_rest_api.api.id
  parent_id   = aws_api_gateway_rest_api.api.root_resource_id
  path_part   = local.paths[count.index]
}

resource "aws_api_gateway_method" "m" {
  for_each      = local.methods
  rest_api_id   = aws_api_gateway_rest_api.api.id
  resource_id   = aws_api_gateway_resource.r[0].id
  http_method   = each.value
  authorization = "NONE"
  operation_name = "op_${each.key}"
}

output "resource_ids" {
  value = aws_api_gateway_resource.r[*].id
}

output "method_names" {
  value = [for k, m in aws_api_gateway_method.m : "${k}=${m.http_method}"]
}
