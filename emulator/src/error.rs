//! The one error type every handler returns: an HTTP status plus a COS error code and message.
//! `router` turns it into the COS `<Error>` document (or a body-less reply for HEAD).

#[derive(Debug, Clone)]
pub struct CosError {
    pub status: u16,
    pub code: &'static str,
    pub message: String,
    /// Extra response headers some errors carry (e.g. `Content-Range: bytes */size` on 416).
    pub headers: Vec<(String, String)>,
}

impl CosError {
    pub fn new(status: u16, code: &'static str, message: impl Into<String>) -> Self {
        CosError { status, code, message: message.into(), headers: Vec::new() }
    }

    pub fn with_header(mut self, name: &str, value: String) -> Self {
        self.headers.push((name.to_string(), value));
        self
    }

    pub fn no_such_bucket() -> Self {
        Self::new(404, "NoSuchBucket", "The specified bucket does not exist.")
    }

    pub fn no_such_key() -> Self {
        Self::new(404, "NoSuchKey", "The specified key does not exist.")
    }

    pub fn invalid_argument(message: impl Into<String>) -> Self {
        Self::new(400, "InvalidArgument", message)
    }

    pub fn access_denied(message: impl Into<String>) -> Self {
        Self::new(403, "AccessDenied", message)
    }

    pub fn precondition_failed() -> Self {
        Self::new(412, "PreconditionFailed", "At least one of the preconditions you specified did not hold.")
    }

    pub fn malformed_xml(detail: impl std::fmt::Display) -> Self {
        Self::new(
            400,
            "MalformedXML",
            format!(
                "The XML you provided was not well-formed or did not validate against our published schema: {detail}"
            ),
        )
    }

    pub fn internal(detail: impl std::fmt::Display) -> Self {
        Self::new(500, "InternalError", format!("We encountered an internal error. Please try again. ({detail})"))
    }
}
