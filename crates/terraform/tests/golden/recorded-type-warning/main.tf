resource "aws_s3_bucket" "assets" {
  bucket = "demo-assets"
}

resource "aws_cloudwatch_log_group" "api" {
  name              = "/aws/apigateway/demo"
  retention_in_days = 7
}
