//! The backends an integration reaches: Lambda (AWS and AWS_PROXY), HTTP
//! (HTTP and HTTP_PROXY) and MOCK.

pub(crate) mod http;
pub(crate) mod lambda;
pub(crate) mod mock;
pub(crate) mod proxy_event;
