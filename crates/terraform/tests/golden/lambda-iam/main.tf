data "aws_caller_identity" "me" {}
data "aws_region" "here" {}
data "aws_partition" "p" {}

data "aws_iam_policy_document" "assume" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["lambda.amazonaws.com"]
    }
  }
}

data "aws_iam_policy_document" "logs" {
  statement {
    actions   = ["logs:CreateLogStream", "logs:PutLogEvents"]
    resources = ["arn:${data.aws_partition.p.partition}:logs:${data.aws_region.here.name}:${data.aws_caller_identity.me.account_id}:*"]
  }
}

resource "aws_iam_role" "fn" {
  name               = "demo-fn"
  assume_role_policy = data.aws_iam_policy_document.assume.json
}

resource "aws_iam_role_policy" "logs" {
  name   = "logs"
  role   = aws_iam_role.fn.id
  policy = data.aws_iam_policy_document.logs.json
}

resource "aws_iam_policy" "extra" {
  name   = "extra"
  policy = data.aws_iam_policy_document.logs.json
}

resource "aws_iam_role_policy_attachment" "extra" {
  role       = aws_iam_role.fn.name
  policy_arn = aws_iam_policy.extra.arn
}

data "archive_file" "code" {
  type                    = "zip"
  source_content          = "exports.handle = async () => 'ok';"
  source_content_filename = "index.js"
  output_path             = "${path.module}/.build/code.zip"
}

resource "aws_lambda_function" "fn" {
  function_name    = "demo_fn"
  role             = aws_iam_role.fn.arn
  handler          = "index.handle"
  runtime          = "nodejs20.x"
  filename         = data.archive_file.code.output_path
  source_code_hash = data.archive_file.code.output_base64sha256
  publish          = true
  environment {
    variables = {
      STAGE = "dev"
    }
  }
}

resource "aws_lambda_alias" "current" {
  name             = "current"
  function_name    = aws_lambda_function.fn.function_name
  function_version = aws_lambda_function.fn.version
}

resource "aws_lambda_permission" "alias" {
  statement_id  = "AllowFromAPIGateway"
  action        = "lambda:InvokeFunction"
  function_name = aws_lambda_function.fn.function_name
  qualifier     = aws_lambda_alias.current.name
  principal     = "apigateway.amazonaws.com"
  source_arn    = "arn:aws:execute-api:${data.aws_region.here.name}:${data.aws_caller_identity.me.account_id}:*/*/*"
}
