package cos

/*
#include "cos.h"
*/
import "C"

import (
	"errors"
	"fmt"
)

// StatusError is implemented by both error types of this package: the C status of the failure.
type StatusError interface {
	error
	COSStatus() Status
}

// ServiceError is a failure COS answered with (StatusServiceError; the Python SDK's CosServiceError).
type ServiceError struct {
	// StatusCode is the HTTP status (404, 403, ...; 200 for a copy or completion answered with an error body).
	StatusCode int
	// Code is COS's error code, such as "NoSuchKey" ("NoSuchResource" / "NoSuchBucket" for a body-less 404
	// to a HEAD).
	Code      string
	Message   string
	RequestID string
	TraceID   string
	// Resource is the resource COS names in its answer.
	Resource string
	// RawXML is the error body as received (at most 1 MiB), "" when the answer had none.
	RawXML string
	// Digest is one line with every field, for logs.
	Digest string
	// Attempts is the number of HTTP requests the failed call sent.
	Attempts int
}

func (e *ServiceError) Error() string {
	return fmt.Sprintf("cos: HTTP %d %s: %s (request id %s)", e.StatusCode, e.Code, e.Message, e.RequestID)
}

// COSStatus is always StatusServiceError.
func (e *ServiceError) COSStatus() Status { return StatusServiceError }

// ClientError is every failure that is not an answer from COS (the Python SDK's CosClientError): a bad
// argument, the network, a timeout, a local file, a checksum mismatch, a cancellation, ...
type ClientError struct {
	Status  Status
	Message string
	// HTTPStatus is the proxy's status for StatusProxyError, else 0.
	HTTPStatus int
	Digest     string
	Attempts   int
	// Cause is what stopped the call on the Go side, when something did: ctx.Err() for a cancelled
	// context, a *PanicError for a callback that panicked, the error of an io.Reader or io.Writer.
	// Unwrap returns it, so errors.Is(err, context.Canceled) works.
	Cause error
}

func (e *ClientError) Error() string {
	msg := "cos: " + e.Status.String() + ": " + e.Message
	if e.Cause != nil {
		msg += ": " + e.Cause.Error()
	}
	return msg
}

// COSStatus is the C status of the failure.
func (e *ClientError) COSStatus() Status { return e.Status }

func (e *ClientError) Unwrap() error { return e.Cause }

// PanicError is the Cause of the error a call returns when one of its Go callbacks panicked. The panic is
// stopped inside the callback (it must never unwind through C frames) and the C call is cancelled.
type PanicError struct {
	// Value is what the callback passed to panic.
	Value interface{}
	// Stack is the callback goroutine's stack when it panicked.
	Stack []byte
}

func (e *PanicError) Error() string { return fmt.Sprintf("a callback panicked: %v", e.Value) }

// ErrClosed is returned by every call on a Client after Close (errors.Is(err, cos.ErrClosed)).
var ErrClosed error = &ClientError{Status: StatusInvalidArgument, Message: "the client is closed"}

// StatusOf is the C status of err: StatusOK for nil, the status of a *ServiceError or *ClientError in its
// chain, StatusInternalError for any other error.
func StatusOf(err error) Status {
	if err == nil {
		return StatusOK
	}
	var se StatusError
	if errors.As(err, &se) {
		return se.COSStatus()
	}
	return StatusInternalError
}

// errorFrom converts the outcome of one C call into a Go error and frees the C error (always: a
// cos_error is converted once, right after the call, and never kept).
func errorFrom(st C.cos_status, e *C.cos_error) error {
	defer C.cos_error_free(e)
	if st == C.COS_OK {
		return nil
	}
	return convertError(Status(st), e)
}

// convertError copies a cos_error into a Go error without freeing it (the errors of a tree report belong
// to the report).
func convertError(status Status, e *C.cos_error) error {
	if e == nil {
		return &ClientError{Status: status, Message: status.Describe()}
	}
	if status == StatusServiceError {
		return &ServiceError{
			StatusCode: int(C.cos_error_http_status(e)),
			Code:       goStr(C.cos_error_code(e)),
			Message:    goStr(C.cos_error_message(e)),
			RequestID:  goStr(C.cos_error_request_id(e)),
			TraceID:    goStr(C.cos_error_trace_id(e)),
			Resource:   goStr(C.cos_error_resource(e)),
			RawXML:     goStr(C.cos_error_raw_xml(e)),
			Digest:     goStr(C.cos_error_digest(e)),
			Attempts:   int(C.cos_error_attempts(e)),
		}
	}
	return &ClientError{
		Status:     status,
		Message:    goStr(C.cos_error_message(e)),
		HTTPStatus: int(C.cos_error_http_status(e)),
		Digest:     goStr(C.cos_error_digest(e)),
		Attempts:   int(C.cos_error_attempts(e)),
	}
}

// firstError runs a series of C setters (options, configurations) and keeps the first failure. Use it as
// `fe.add(C.cos_x_set_y(h, v, &e), &e)`: the C call is evaluated before add runs, so add sees its error.
type firstError struct {
	err error
}

func (fe *firstError) add(st C.cos_status, e **C.cos_error) {
	err := errorFrom(st, *e)
	*e = nil
	fe.keep(err)
}

// keep records err unless an earlier failure was recorded: for the Go-side failures of a series (a NUL in
// one of its strings, a nested handle that could not be built), which come after the C setters' own.
func (fe *firstError) keep(err error) {
	if err != nil && fe.err == nil {
		fe.err = err
	}
}

// cancelled is the error of a call the context stopped before or between C calls (no C error exists).
func cancelled(cause error) error {
	return &ClientError{Status: StatusCancelled, Message: "the context was cancelled", Cause: cause}
}
