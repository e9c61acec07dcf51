resource "aws_api_gateway_rest_api" "api" {
  name = "modular"
}

module "hello" {
  source      = "./modules/route"
  rest_api_id = aws_api_gateway_rest_api.api.id
  parent_id   = aws_api_gateway_rest_api.api.root_resource_id
  path_part   = "hello"
}

output "hello_path" {
  value = module.hello.path
}
