# Supplied by Portico, as Apex supplied them.
variable "aws_region" {}
variable "apex_function_items" {}
variable "apex_function_items_name" {}
