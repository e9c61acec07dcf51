variable "stages" {
  default = ["dev", "prod"]
}

resource "aws_api_gateway_rest_api" "api" {
  name = "dyn"
}

resource "aws_api_gateway_usage_plan" "plan" {
  name = "per-stage"
  dynamic "api_stages" {
    for_each = var.stages
    iterator = st
    content {
      api_id = aws_api_gateway_rest_api.api.id
      stage  = st.value
    }
  }
}
