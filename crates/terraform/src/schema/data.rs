//! Data source tables: the ones real API Gateway + Lambda configs read.

use super::Ty::{List as L, Num as N, Str as S};
use super::{Schema, blk, c, o, oc, r};

/// The data sources Portico reads.
pub static SCHEMAS: &[Schema] = &[
    Schema {
        ty: "aws_caller_identity",
        attrs: &[c("account_id", S), c("arn", S), c("user_id", S), c("id", S)],
        blocks: &[],
    },
    Schema {
        ty: "aws_region",
        attrs: &[
            oc("name", S),
            oc("endpoint", S),
            c("description", S),
            c("id", S),
        ],
        blocks: &[],
    },
    Schema {
        ty: "aws_partition",
        attrs: &[
            c("partition", S),
            c("dns_suffix", S),
            c("reverse_dns_prefix", S),
            c("id", S),
        ],
        blocks: &[],
    },
    Schema {
        ty: "aws_iam_policy_document",
        attrs: &[
            o("version", S),
            o("policy_id", S),
            o("source_policy_documents", L),
            o("override_policy_documents", L),
            c("json", S),
            c("minified_json", S),
            c("id", S),
        ],
        blocks: &[blk(
            "statement",
            &[
                o("sid", S),
                o("effect", S),
                o("actions", L),
                o("not_actions", L),
                o("resources", L),
                o("not_resources", L),
            ],
            &[
                blk(
                    "principals",
                    &[r("type", S), r("identifiers", L)],
                    &[],
                    false,
                ),
                blk(
                    "not_principals",
                    &[r("type", S), r("identifiers", L)],
                    &[],
                    false,
                ),
                blk(
                    "condition",
                    &[r("test", S), r("variable", S), r("values", L)],
                    &[],
                    false,
                ),
            ],
            false,
        )],
    },
    Schema {
        ty: "archive_file",
        attrs: &[
            r("type", S),
            o("source_file", S),
            o("source_dir", S),
            o("source_content", S),
            o("source_content_filename", S),
            r("output_path", S),
            o("excludes", L),
            o("output_file_mode", S),
            c("output_size", N),
            c("output_md5", S),
            c("output_sha", S),
            c("output_sha256", S),
            c("output_base64sha256", S),
            c("output_base64sha512", S),
            c("output_sha512", S),
            c("id", S),
        ],
        blocks: &[blk(
            "source",
            &[r("content", S), r("filename", S)],
            &[],
            false,
        )],
    },
];
