//! HTTP/1.1 on the server side: one thread per connection (`conn`), request heads (`request`),
//! request bodies read on demand with Content-Length or chunked framing (`body`), and responses on
//! the wire (`wire`). What a request means is `operations`' business.

pub mod body;
pub mod conn;
pub mod request;
pub mod wire;
