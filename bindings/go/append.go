package cos

/*
#include "cos.h"
*/
import "C"

import (
	"context"
	"runtime"
	"sync"
)

// AppendObject appends data to the appendable object bucket/key at position (AppendObject); with position 0
// and no object there it creates one with the metadata of opts. It returns where the next append goes (the
// object's new length). A position other than the object's length is a 409 *ServiceError
// "AppendPositionErr". Appender keeps the position and checks every append's CRC-64.
func (c *Client) AppendObject(ctx context.Context, bucket, key string, position uint64, data []byte, opts *RequestOptions) (uint64, *ObjectInfo, error) {
	var next C.uint64_t
	var info *C.cos_object_info
	ptr, n := bytesArg(data)
	err := c.objectCall(ctx, bucket, key, opts, func(p *C.cos_client, b, k *C.char, o *C.cos_request_options, e **C.cos_error) C.cos_status {
		return C.cos_client_append_object(p, b, k, C.uint64_t(position), ptr, n, o, &next, &info, e)
	})
	if err != nil {
		return 0, nil, err
	}
	return uint64(next), takeInfo(info), nil
}

// Appender appends to one appendable object (cos_appender), keeping its length and CRC-64 between appends
// so that the CRC-64 COS reports for the whole object is checked after every append (StatusChecksumMismatch
// otherwise). It is an io.WriteCloser: each Write is one append. One goroutine at a time; it stays valid
// after its Client is closed.
type Appender struct {
	mu  sync.Mutex
	ctx context.Context
	a   *C.cos_appender
}

// NewAppender makes an appender for bucket/key. With resume false it starts at position 0 (the first
// append creates the object with the metadata of opts; nothing is sent here). With resume true a HEAD gives
// the length and CRC-64 of the existing appendable object to continue from.
func (c *Client) NewAppender(ctx context.Context, bucket, key string, opts *RequestOptions, resume bool) (*Appender, error) {
	var a *C.cos_appender
	err := c.objectCall(ctx, bucket, key, opts, func(p *C.cos_client, b, k *C.char, o *C.cos_request_options, e **C.cos_error) C.cos_status {
		return C.cos_appender_new(p, b, k, o, C.bool(resume), &a, e)
	})
	if err != nil {
		return nil, err
	}
	ap := &Appender{ctx: ctx, a: a}
	runtime.SetFinalizer(ap, (*Appender).Close)
	return ap, nil
}

var errAppenderClosed = &ClientError{Status: StatusInvalidArgument, Message: "append to a closed Appender"}

// Append appends data at the appender's position; after a failure the position stays where it was.
func (ap *Appender) Append(data []byte) error {
	ap.mu.Lock()
	defer ap.mu.Unlock()
	if ap.a == nil {
		return errAppenderClosed
	}
	if err := ap.ctx.Err(); err != nil {
		return cancelled(err)
	}
	ptr, n := bytesArg(data)
	var e *C.cos_error
	st := C.cos_appender_append(ap.a, ptr, n, &e)
	return errorFrom(st, e)
}

// Write implements io.Writer: one append of p.
func (ap *Appender) Write(p []byte) (int, error) {
	if err := ap.Append(p); err != nil {
		return 0, err
	}
	return len(p), nil
}

// Position is where the next append goes: the object's length as far as the appender knows.
func (ap *Appender) Position() uint64 {
	ap.mu.Lock()
	defer ap.mu.Unlock()
	return uint64(C.cos_appender_position(ap.a))
}

// Close frees the appender (nothing is sent); calling it again does nothing.
func (ap *Appender) Close() error {
	ap.mu.Lock()
	defer ap.mu.Unlock()
	if ap.a != nil {
		C.cos_appender_free(ap.a)
		ap.a = nil
		runtime.SetFinalizer(ap, nil)
	}
	return nil
}
