//! The one error type of the library.
//!
//! It mirrors the official Python SDK's split: a *client* error (the client could not talk to COS, could
//! not read a local file, got a reply it could not parse, ...) or a *service* error (COS answered with an
//! error). A service error carries everything COS said: HTTP status, error code, message, request id,
//! trace id, resource and the raw body. None of the fields ever holds a secret key, session token or
//! signature: they are built only from what the server sent and from caller-visible names.

use std::fmt;

/// What went wrong, coarsely. The C ABI maps each kind to one `cos_status` value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErrorKind {
    /// A caller mistake found before anything was sent: a bad bucket name, an empty key, a NULL pointer.
    InvalidArgument,
    /// The connection could not be made, or broke.
    Network,
    /// Connecting or reading took longer than the configured timeout.
    Timeout,
    /// A local file could not be read or written.
    Io,
    /// The CRC-64 of the bytes sent or received differs from the one COS reported.
    ChecksumMismatch,
    /// A callback asked to stop.
    Cancelled,
    /// COS answered, but the answer could not be understood.
    Parse,
    /// A bug in this library (a caught panic or a broken invariant).
    Internal,
    /// COS answered with an error.
    Service,
    /// TLS failed: the server's certificate was refused (unknown issuer, expired, another host's name) or
    /// the handshake broke. Never retried: the next attempt would meet the same certificate.
    Tls,
    /// The HTTP proxy refused: 407 (authentication), or an error answer to CONNECT. The proxy's status is
    /// the error's HTTP status. Not a COS error, and not retried.
    Proxy,
}

/// Most of an error body is noise once it is this large; a hostile server must not grow memory without limit.
pub const MAX_ERROR_BODY: usize = 1 << 20;

/// An error from any operation. Build it with the constructors; read it with the accessors. Boxed, so that
/// `Result`s stay one pointer wide on the success path.
#[derive(Clone, PartialEq, Eq)]
pub struct Error(Box<Fields>);

#[derive(Clone, PartialEq, Eq)]
struct Fields {
    kind: ErrorKind,
    message: String,
    http_status: u16,
    code: Option<String>,
    request_id: Option<String>,
    trace_id: Option<String>,
    resource: Option<String>,
    raw_body: Option<String>,
    attempts: u32,
    /// The server's clock (Unix seconds) from the failed response's `Date` header, to correct a skewed clock.
    server_time: Option<i64>,
}

pub type Result<T> = std::result::Result<T, Error>;

impl Error {
    /// A client-side error of `kind` with a message.
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Error {
        Error(Box::new(Fields {
            kind,
            message: message.into(),
            http_status: 0,
            code: None,
            request_id: None,
            trace_id: None,
            resource: None,
            raw_body: None,
            attempts: 0,
            server_time: None,
        }))
    }

    pub fn invalid(message: impl Into<String>) -> Error {
        Error::new(ErrorKind::InvalidArgument, message)
    }

    pub fn io(context: &str, err: &std::io::Error) -> Error {
        Error::new(ErrorKind::Io, format!("{context}: {err}"))
    }

    /// This error as an `io::Error`, for `Read` / `Write` implementations (body callbacks, request bodies):
    /// [`Error::from_io`] gets it back unchanged, so a cancel stays a cancel through any I/O plumbing.
    pub(crate) fn into_io(self) -> std::io::Error {
        std::io::Error::other(self)
    }

    /// An error from a reader or writer: one of ours (see [`Error::into_io`]) as it is, any other as `Io`
    /// with `context`.
    pub(crate) fn from_io(context: &str, err: std::io::Error) -> Error {
        if !err.get_ref().is_some_and(|inner| inner.is::<Error>()) {
            return Error::io(context, &err);
        }
        match err.into_inner().map(|inner| inner.downcast::<Error>()) {
            Some(Ok(ours)) => *ours,
            _ => Error::new(ErrorKind::Io, context.to_string()),
        }
    }

    pub fn parse(message: impl Into<String>) -> Error {
        Error::new(ErrorKind::Parse, message)
    }

    /// A service error from the parts of a failed response (see `transport::service_error`).
    pub(crate) fn service(fields: ServiceFields) -> Error {
        let message = fields.message.clone().unwrap_or_else(|| match &fields.code {
            Some(code) => format!("COS returned {code} (HTTP {})", fields.http_status),
            None => format!("COS returned HTTP {}", fields.http_status),
        });
        Error(Box::new(Fields {
            kind: ErrorKind::Service,
            message,
            http_status: fields.http_status,
            code: fields.code,
            request_id: fields.request_id,
            trace_id: fields.trace_id,
            resource: fields.resource,
            raw_body: fields.raw_body,
            attempts: 0,
            server_time: fields.server_time,
        }))
    }

    /// Records the HTTP exchange a client-side error happened in (e.g. a CRC mismatch on a response).
    pub(crate) fn with_response(mut self, http_status: u16, request_id: Option<String>) -> Error {
        self.0.http_status = http_status;
        if self.0.request_id.is_none() {
            self.0.request_id = request_id;
        }
        self
    }

    /// Appends a remark to the message (e.g. why the error was not retried).
    pub(crate) fn note(mut self, remark: &str) -> Error {
        self.0.message = format!("{} ({remark})", self.0.message);
        self
    }

    pub(crate) fn server_time(&self) -> Option<i64> {
        self.0.server_time
    }

    /// Prefixes the message with where the error happened (e.g. which part of a transfer).
    pub(crate) fn context(mut self, place: &str) -> Error {
        self.0.message = format!("{place}: {}", self.0.message);
        self
    }

    /// Replaces every occurrence of each secret (and of any `q-signature=` value) in every field with
    /// `<redacted>`: a server may echo the request's headers back in its error body.
    pub(crate) fn redact(mut self, secrets: &[&str]) -> Error {
        let f = &mut *self.0;
        for v in
            [&mut f.code, &mut f.request_id, &mut f.trace_id, &mut f.resource, &mut f.raw_body].into_iter().flatten()
        {
            *v = redact_str(v, secrets);
        }
        f.message = redact_str(&f.message, secrets);
        self
    }

    pub(crate) fn with_attempts(mut self, attempts: u32) -> Error {
        self.0.attempts = attempts;
        self
    }

    pub fn kind(&self) -> ErrorKind {
        self.0.kind
    }
    /// True for errors where COS answered (the Python SDK's CosServiceError).
    pub fn is_service(&self) -> bool {
        self.0.kind == ErrorKind::Service
    }
    /// The message: COS's `<Message>` for service errors, a description otherwise. Never empty.
    pub fn message(&self) -> &str {
        &self.0.message
    }
    /// HTTP status of the failed response, 0 when none was received.
    pub fn http_status(&self) -> u16 {
        self.0.http_status
    }
    /// COS error code such as `NoSuchKey`.
    pub fn code(&self) -> Option<&str> {
        self.0.code.as_deref()
    }
    pub fn request_id(&self) -> Option<&str> {
        self.0.request_id.as_deref()
    }
    pub fn trace_id(&self) -> Option<&str> {
        self.0.trace_id.as_deref()
    }
    /// The resource COS names in the error (bucket or object URL).
    pub fn resource(&self) -> Option<&str> {
        self.0.resource.as_deref()
    }
    /// The response body exactly as received (lossily decoded as UTF-8, at most `MAX_ERROR_BODY` bytes).
    pub fn raw_body(&self) -> Option<&str> {
        self.0.raw_body.as_deref()
    }
    /// How many HTTP attempts the operation made (0 when it failed before sending anything).
    pub fn attempts(&self) -> u32 {
        self.0.attempts
    }

    /// A one-line summary for logs, with every field that is present (the Python SDK's digest).
    pub fn digest(&self) -> String {
        let mut s = format!("{:?}", self.0.kind);
        if self.0.http_status != 0 {
            s += &format!(" http_status={}", self.0.http_status);
        }
        for (name, value) in [
            ("code", &self.0.code),
            ("request_id", &self.0.request_id),
            ("trace_id", &self.0.trace_id),
            ("resource", &self.0.resource),
        ] {
            if let Some(v) = value {
                s += &format!(" {name}={v}");
            }
        }
        if self.0.attempts > 1 {
            s += &format!(" attempts={}", self.0.attempts);
        }
        s += &format!(" message={:?}", self.0.message);
        s
    }
}

/// `text` with every secret and every signature value replaced by `<redacted>`. Secrets shorter than 6
/// characters are not looked for: they would match ordinary words (and are no secret worth the name).
pub(crate) fn redact_str(text: &str, secrets: &[&str]) -> String {
    let mut out = text.to_string();
    for secret in secrets.iter().filter(|s| s.len() >= 6) {
        if out.contains(secret) {
            out = out.replace(secret, "<redacted>");
        }
    }
    const SIG: &str = "q-signature=";
    let mut from = 0;
    while let Some(i) = out[from..].find(SIG) {
        let start = from + i + SIG.len();
        let len = out[start..].bytes().take_while(u8::is_ascii_hexdigit).count();
        if len > 0 {
            out.replace_range(start..start + len, "<redacted>");
        }
        from = start;
    }
    out
}

/// The fields of a service error, gathered from the body and headers of a failed response.
#[derive(Default)]
pub(crate) struct ServiceFields {
    pub http_status: u16,
    pub code: Option<String>,
    pub message: Option<String>,
    pub request_id: Option<String>,
    pub trace_id: Option<String>,
    pub resource: Option<String>,
    pub raw_body: Option<String>,
    pub server_time: Option<i64>,
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (&self.0.code, self.0.http_status) {
            (Some(code), status) => write!(f, "{code} (HTTP {status}): {}", self.0.message)?,
            (None, 0) => write!(f, "{}", self.0.message)?,
            (None, status) => write!(f, "HTTP {status}: {}", self.0.message)?,
        }
        if let Some(id) = &self.0.request_id {
            write!(f, " [request id {id}]")?;
        }
        Ok(())
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.digest())
    }
}

impl std::error::Error for Error {}
