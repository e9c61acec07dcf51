variable "apex_function_hello" {}
variable "apex_function_hello_name" {}
variable "binary_types" {
  type    = "list"
  default = ["image/png"]
}
variable "tags" {
  type    = "map"
  default = {
    team = "api"
  }
}

resource "aws_api_gateway_rest_api" "api" {
  name               = "legacy"
  binary_media_types = "${var.binary_types}"
  tags               = "${merge(var.tags, map("env", "dev"))}"
}

resource "aws_api_gateway_resource" "r" {
  rest_api_id = "${aws_api_gateway_rest_api.api.id}"
  parent_id   = "${aws_api_gateway_rest_api.api.root_resource_id}"
  path_part   = "${element(list("hello", "bye"), 0)}"
}

resource "aws_api_gateway_method" "m" {
  rest_api_id   = "${aws_api_gateway_rest_api.api.id}"
  resource_id   = "${aws_api_gateway_resource.r.id}"
  http_method   = "POST"
  authorization = "NONE"
}

resource "aws_api_gateway_integration" "i" {
  depends_on              = ["aws_api_gateway_method.m"]
  rest_api_id             = "${aws_api_gateway_rest_api.api.id}"
  resource_id             = "${aws_api_gateway_resource.r.id}"
  http_method             = "POST"
  type                    = "AWS"
  integration_http_method = "POST"
  uri                     = "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/${var.apex_function_hello}/invocations"
  request_templates = {
    "application/json" = <<-EOT
      {
        "name": "$input.params('name')"
      }
    EOT
  }
}
