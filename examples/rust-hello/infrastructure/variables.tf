# Supplied by Portico, as Apex supplied them.
variable "aws_region" {}
variable "apex_function_hello" {}
variable "apex_function_hello_name" {}
