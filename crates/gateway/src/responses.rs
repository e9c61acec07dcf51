//! Gateway responses: every error API Gateway itself answers, as a closed
//! enum, rendered in one place with AWS's default status, `x-amzn-ErrorType`
//! and exact body bytes, and customisable per deployment by
//! `aws_api_gateway_gateway_response` (with `DEFAULT_4XX` / `DEFAULT_5XX`
//! as the fall-back for every type of their class not customised itself).

use crate::mapping::{MappingSource, RequestValues};
use crate::snapshot::GatewayResponse;
use crate::template::{Overrides, Template, TemplateEngine, TemplateInput};
use serde_json::Value;
use std::sync::Arc;

/// AWS's gateway response types (the `response_type` enum).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[allow(missing_docs)]
pub enum GatewayResponseType {
    AccessDenied,
    ApiConfigurationError,
    AuthorizerConfigurationError,
    AuthorizerFailure,
    BadRequestParameters,
    BadRequestBody,
    Default4xx,
    Default5xx,
    ExpiredToken,
    IntegrationFailure,
    IntegrationTimeout,
    InvalidApiKey,
    InvalidSignature,
    MissingAuthenticationToken,
    QuotaExceeded,
    RequestTooLarge,
    ResourceNotFound,
    Throttled,
    Unauthorized,
    UnsupportedMediaType,
    WafFiltered,
}

use GatewayResponseType as T;

const ALL: [GatewayResponseType; 21] = [
    T::AccessDenied,
    T::ApiConfigurationError,
    T::AuthorizerConfigurationError,
    T::AuthorizerFailure,
    T::BadRequestParameters,
    T::BadRequestBody,
    T::Default4xx,
    T::Default5xx,
    T::ExpiredToken,
    T::IntegrationFailure,
    T::IntegrationTimeout,
    T::InvalidApiKey,
    T::InvalidSignature,
    T::MissingAuthenticationToken,
    T::QuotaExceeded,
    T::RequestTooLarge,
    T::ResourceNotFound,
    T::Throttled,
    T::Unauthorized,
    T::UnsupportedMediaType,
    T::WafFiltered,
];

impl GatewayResponseType {
    /// The `response_type` string.
    pub fn name(self) -> &'static str {
        match self {
            T::AccessDenied => "ACCESS_DENIED",
            T::ApiConfigurationError => "API_CONFIGURATION_ERROR",
            T::AuthorizerConfigurationError => "AUTHORIZER_CONFIGURATION_ERROR",
            T::AuthorizerFailure => "AUTHORIZER_FAILURE",
            T::BadRequestParameters => "BAD_REQUEST_PARAMETERS",
            T::BadRequestBody => "BAD_REQUEST_BODY",
            T::Default4xx => "DEFAULT_4XX",
            T::Default5xx => "DEFAULT_5XX",
            T::ExpiredToken => "EXPIRED_TOKEN",
            T::IntegrationFailure => "INTEGRATION_FAILURE",
            T::IntegrationTimeout => "INTEGRATION_TIMEOUT",
            T::InvalidApiKey => "INVALID_API_KEY",
            T::InvalidSignature => "INVALID_SIGNATURE",
            T::MissingAuthenticationToken => "MISSING_AUTHENTICATION_TOKEN",
            T::QuotaExceeded => "QUOTA_EXCEEDED",
            T::RequestTooLarge => "REQUEST_TOO_LARGE",
            T::ResourceNotFound => "RESOURCE_NOT_FOUND",
            T::Throttled => "THROTTLED",
            T::Unauthorized => "UNAUTHORIZED",
            T::UnsupportedMediaType => "UNSUPPORTED_MEDIA_TYPE",
            T::WafFiltered => "WAF_FILTERED",
        }
    }

    /// Parses a `response_type`.
    pub fn from_name(s: &str) -> Option<GatewayResponseType> {
        ALL.into_iter().find(|t| t.name() == s)
    }

    /// AWS's default status.
    pub fn default_status(self) -> u16 {
        match self {
            T::AccessDenied
            | T::ExpiredToken
            | T::InvalidApiKey
            | T::InvalidSignature
            | T::MissingAuthenticationToken
            | T::WafFiltered => 403,
            T::BadRequestParameters | T::BadRequestBody | T::Default4xx => 400,
            T::Unauthorized => 401,
            T::ResourceNotFound => 404,
            T::RequestTooLarge => 413,
            T::UnsupportedMediaType => 415,
            T::QuotaExceeded | T::Throttled => 429,
            T::ApiConfigurationError
            | T::AuthorizerConfigurationError
            | T::AuthorizerFailure
            | T::Default5xx => 500,
            T::IntegrationFailure | T::IntegrationTimeout => 504,
        }
    }

    /// AWS's default message (`$context.error.message`).
    pub fn default_message(self) -> &'static str {
        match self {
            T::AccessDenied => "User is not authorized to access this resource",
            T::ExpiredToken => "The security token included in the request is expired",
            T::InvalidApiKey | T::WafFiltered | T::Default4xx => "Forbidden",
            T::InvalidSignature => {
                "The request signature we calculated does not match the signature you provided"
            }
            T::MissingAuthenticationToken => "Missing Authentication Token",
            T::BadRequestParameters | T::BadRequestBody => "Invalid request body",
            T::Unauthorized => "Unauthorized",
            T::ResourceNotFound => "Resource not found",
            T::RequestTooLarge => "Request Too Long",
            T::UnsupportedMediaType => "Unsupported Media Type",
            T::QuotaExceeded => "Limit Exceeded",
            T::Throttled => "Too Many Requests",
            T::IntegrationTimeout => "Endpoint request timed out",
            T::ApiConfigurationError
            | T::AuthorizerConfigurationError
            | T::AuthorizerFailure
            | T::IntegrationFailure
            | T::Default5xx => "Internal server error",
        }
    }

    /// `x-amzn-ErrorType`.
    pub fn error_type(self) -> &'static str {
        match self {
            T::AccessDenied => "AccessDeniedException",
            T::ExpiredToken
            | T::InvalidSignature
            | T::InvalidApiKey
            | T::WafFiltered
            | T::Default4xx => "ForbiddenException",
            T::MissingAuthenticationToken => "MissingAuthenticationTokenException",
            // Unverified for 415: LocalStack answers BadRequestException.
            T::BadRequestParameters | T::BadRequestBody | T::UnsupportedMediaType => {
                "BadRequestException"
            }
            T::Unauthorized => "UnauthorizedException",
            T::ResourceNotFound => "NotFoundException",
            T::RequestTooLarge => "RequestTooLargeException",
            T::QuotaExceeded => "LimitExceededException",
            T::Throttled => "TooManyRequestsException",
            T::ApiConfigurationError
            | T::AuthorizerConfigurationError
            | T::AuthorizerFailure
            | T::IntegrationFailure
            | T::IntegrationTimeout
            | T::Default5xx => "InternalServerErrorException",
        }
    }

    /// Whether the class fall-back is DEFAULT_5XX (else DEFAULT_4XX).
    fn is_5xx(self) -> bool {
        self.default_status() >= 500
    }
}

/// AWS's default body. 5xx bodies carry a space after the colon
/// (`{"message": "Internal server error"}`, 36 bytes, AWS-recorded); 4xx
/// bodies are compact (`{"message":"Missing Authentication Token"}`).
pub(crate) fn default_body(status: u16, message: &str) -> String {
    let quoted = Value::String(message.to_string()).to_string();
    if status >= 500 {
        format!("{{\"message\": {quoted}}}")
    } else {
        format!("{{\"message\":{quoted}}}")
    }
}

/// One customised gateway response.
#[derive(Debug)]
pub(crate) struct CustomResponse {
    status: Option<u16>,
    templates: Vec<(String, Arc<dyn Template>)>,
    parameters: Vec<(String, MappingSource)>,
}

/// The deployment's customisations, by type.
#[derive(Debug, Default)]
pub(crate) struct GatewayResponses {
    custom: Vec<(GatewayResponseType, CustomResponse)>,
}

/// A gateway response ready to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct RenderedError {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl GatewayResponses {
    pub(crate) fn compile(
        raw: &[GatewayResponse],
        engine: &dyn TemplateEngine,
    ) -> Result<Self, String> {
        let mut custom = Vec::new();
        for g in raw {
            let kind = GatewayResponseType::from_name(&g.response_type)
                .ok_or_else(|| format!("unknown gateway response type `{}`", g.response_type))?;
            let status = if g.status_code.is_empty() {
                None
            } else {
                Some(
                    g.status_code
                        .parse::<u16>()
                        .map_err(|_| format!("status_code `{}`", g.status_code))?,
                )
            };
            let mut templates = Vec::new();
            for (ct, v) in &g.response_templates {
                templates.push((ct.clone(), engine.compile(v.as_str().unwrap_or_default())?));
            }
            let mut parameters = Vec::new();
            for (k, v) in &g.response_parameters {
                let name = k
                    .strip_prefix("gatewayresponse.header.")
                    .ok_or_else(|| format!("`{k}`"))?;
                let src = MappingSource::parse(v.as_str().unwrap_or_default())?;
                parameters.push((name.to_string(), src));
            }
            custom.push((
                kind,
                CustomResponse {
                    status,
                    templates,
                    parameters,
                },
            ));
        }
        Ok(GatewayResponses { custom })
    }

    fn lookup(&self, kind: GatewayResponseType) -> Option<&CustomResponse> {
        let fallback = if kind.is_5xx() {
            T::Default5xx
        } else {
            T::Default4xx
        };
        let find = |k| self.custom.iter().find(|(t, _)| *t == k).map(|(_, c)| c);
        find(kind).or_else(|| find(fallback))
    }

    /// Renders `kind`; `status` overrides the type's default (e.g. 502 for a
    /// malformed proxy response) unless the deployment customised it.
    pub(crate) fn render(
        &self,
        kind: GatewayResponseType,
        status: Option<u16>,
        message: &str,
        values: &RequestValues<'_>,
        context: &Value,
    ) -> (RenderedError, Option<String>) {
        let custom = self.lookup(kind);
        let status = custom
            .and_then(|c| c.status)
            .or(status)
            .unwrap_or(kind.default_status());
        let mut headers = vec![("Content-Type".to_string(), "application/json".to_string())];
        let mut body = default_body(status, message);
        let mut problem = None;
        if let Some(c) = custom {
            if let Some((ct, t)) = c
                .templates
                .iter()
                .find(|(ct, _)| ct == "application/json")
                .or(c.templates.first())
            {
                let input = TemplateInput {
                    body: b"",
                    path: values.path,
                    querystring: values.query,
                    header: values.headers,
                    context: Some(context),
                    stage_variables: values.stage_variables,
                    overrides: &Overrides::default(),
                };
                match t.render(&input) {
                    Ok(r) => {
                        body = r.output;
                        headers[0].1 = ct.clone();
                    }
                    Err(e) => problem = Some(format!("gateway response template failed: {e}")),
                }
            }
            for (name, src) in &c.parameters {
                if let Some(v) = values.resolve(src) {
                    headers.retain(|(n, _)| !n.eq_ignore_ascii_case(name));
                    headers.push((name.clone(), v));
                }
            }
        }
        headers.push((
            "x-amzn-ErrorType".to_string(),
            kind.error_type().to_string(),
        ));
        (
            RenderedError {
                status,
                headers,
                body,
            },
            problem,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::template::VtlEngine;

    #[test]
    fn default_bodies_are_aws_bytes() {
        assert_eq!(
            default_body(500, "Internal server error"),
            r#"{"message": "Internal server error"}"#
        );
        assert_eq!(default_body(500, "Internal server error").len(), 36);
        assert_eq!(
            default_body(403, "Missing Authentication Token"),
            r#"{"message":"Missing Authentication Token"}"#
        );
        assert_eq!(
            default_body(504, "Endpoint request timed out"),
            r#"{"message": "Endpoint request timed out"}"#
        );
    }

    #[test]
    fn every_type_round_trips_and_has_a_class() {
        for t in ALL {
            assert_eq!(GatewayResponseType::from_name(t.name()), Some(t));
            assert!(t.default_status() >= 400 && !t.error_type().is_empty());
        }
        assert_eq!(T::MissingAuthenticationToken.default_status(), 403);
        assert_eq!(T::RequestTooLarge.default_status(), 413);
    }

    #[test]
    fn default_4xx_customises_uncustomised_4xx_types() {
        let raw: Vec<GatewayResponse> = serde_json::from_str(
            r#"[{"response_type":"DEFAULT_4XX","status_code":"418","response_templates":{"application/json":"{\"oops\":true}"},
                "response_parameters":{"gatewayresponse.header.Access-Control-Allow-Origin":"'*'"}}]"#,
        )
        .unwrap();
        let g = GatewayResponses::compile(&raw, &VtlEngine::default()).unwrap();
        let values = RequestValues::empty();
        let (r, problem) = g.render(
            T::MissingAuthenticationToken,
            None,
            "Missing Authentication Token",
            &values,
            &Value::Null,
        );
        assert!(problem.is_none());
        assert_eq!((r.status, r.body.as_str()), (418, "{\"oops\":true}"));
        assert!(
            r.headers
                .contains(&("Access-Control-Allow-Origin".into(), "*".into()))
        );
        assert!(r.headers.contains(&(
            "x-amzn-ErrorType".into(),
            "MissingAuthenticationTokenException".into()
        )));
        let (r, _) = g.render(
            T::ApiConfigurationError,
            None,
            "Internal server error",
            &values,
            &Value::Null,
        );
        assert_eq!(
            (r.status, r.body.len()),
            (500, 36),
            "5xx untouched by DEFAULT_4XX"
        );
    }
}
