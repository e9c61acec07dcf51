# Supplied by Portico, as Apex supplied them.
variable "aws_region" {}
variable "aws_account_id" {}
variable "apex_function_github-status" {}
variable "apex_function_github-status_name" {}
