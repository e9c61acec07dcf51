provider "aws" {
  region = "eu-west-1"
}

terraform {
  required_providers {
    aws = {
      source = "hashicorp/aws"
    }
  }
}

data "aws_region" "current" {}

resource "aws_api_gateway_rest_api" "api" {
  name        = "regional"
  description = "in ${data.aws_region.current.name}"
}
