// Package cos is the Go binding of libcos, a Tencent Cloud COS (Cloud Object Storage) client written in
// Rust with a C ABI (include/cos.h). It is a thin, safe layer over the C API, using cgo and the standard
// library only:
//
//   - A Client is safe for any number of goroutines (the C client is thread-safe); Close may be called
//     while calls are in flight: running transfers are cancelled, and Close returns once every call has
//     returned. Every call after Close fails with ErrClosed.
//   - Failures are *ServiceError (COS answered with an error: HTTP status, code, message, request id, trace
//     id, resource, raw XML) or *ClientError (everything else, with its Status); use errors.As.
//   - A context.Context is honoured by every call: managed transfers (UploadFile, DownloadFile, Copy,
//     UploadReader) are stopped promptly through the C cancel token; streams check it between reads and
//     writes; a single request checks it before it is sent. A cancelled call returns an error that wraps
//     ctx.Err() (errors.Is(err, context.Canceled)) and is a *ClientError with StatusCancelled.
//   - Callbacks (progress, io.Reader bodies) run in Go through runtime/cgo.Handle; a panic inside one never
//     crosses into C: it stops the call, which returns an error wrapping a *PanicError.
//
// Link: the package uses `#cgo pkg-config: cos`, so a library installed with `make install` (which writes
// lib/pkgconfig/cos.pc) is found through PKG_CONFIG_PATH. See README.md.
package cos
