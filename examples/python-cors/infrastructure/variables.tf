# Supplied by Portico, as Apex supplied them.
variable "aws_region" {}
variable "apex_function_greet" {}
variable "apex_function_greet_name" {}
