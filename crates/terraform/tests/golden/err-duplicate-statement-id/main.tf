resource "aws_lambda_permission" "a" {
  statement_id  = "AllowAPIGatewayInvoke"
  action        = "lambda:InvokeFunction"
  function_name = "demo_hello"
  principal     = "apigateway.amazonaws.com"
}

resource "aws_lambda_permission" "b" {
  statement_id  = "AllowAPIGatewayInvoke"
  action        = "lambda:InvokeFunction"
  function_name = "demo_hello"
  principal     = "apigateway.amazonaws.com"
}
