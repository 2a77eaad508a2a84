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
//     CopyFrom, UploadReader, UploadTree, DownloadTree) are stopped promptly through the C cancel token; streams check it between reads and
//     writes; a single request checks it before it is sent. A cancelled call returns an error that wraps
//     ctx.Err() (errors.Is(err, context.Canceled)) and is a *ClientError with StatusCancelled.
//   - Callbacks (progress, io.Reader bodies, Config.Log, Config.Observer, Config.Credentials) run in Go through
//     runtime/cgo.Handle, never a Go pointer kept by C. A panic inside one never crosses into C: in a
//     progress or reader callback it stops the call, which returns an error wrapping a *PanicError; in Log
//     or Observer the line or record is lost; in Credentials the request that needed them fails.
//
// Files: client.go (Config, Client, Close), calls.go (the prologue of every one-request call), cgo.go (C
// strings and bytes), errors.go and status.go, options.go (RequestOptions, TransferOptions), info.go
// (ObjectInfo), objects.go, presign.go, stream.go (ObjectReader, ObjectWriter, Put, Get), transfer.go
// (UploadFile, DownloadFile, Copy, UploadReader), tree.go, list.go (with pager.go, the paging both iterators
// share), buckets.go, tagging.go, acl.go, versions.go, symlink.go, append.go, multipart.go, copysource.go,
// cors.go, lifecycle.go, selectobj.go, raw.go, subresource.go (the generic calls), logging.go, observer.go
// and credentials.go.
// The //export trampolines are in callbacks.go (progress, reader), logging.go, observer.go and
// credentials.go; shims.c / shims.h are their C side.
//
// Link: the package uses `#cgo pkg-config: cos`, so a library installed with `make install` (which writes
// lib/pkgconfig/cos.pc) is found through PKG_CONFIG_PATH. See README.md.
package cos
