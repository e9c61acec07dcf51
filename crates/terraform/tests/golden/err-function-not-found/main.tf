resource "aws_lambda_permission" "a" {
  statement_id  = "AllowAPIGatewayInvoke"
  action        = "lambda:InvokeFunction"
  function_name = "nope"
  principal     = "apigateway.amazonaws.com"
}
