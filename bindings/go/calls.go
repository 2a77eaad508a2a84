package cos

/*
#include "cos.h"
*/
import "C"

import (
	"context"
)

// The prologue and epilogue every one-request call shares. The C calls cannot be interrupted once sent, so
// ctx is checked before sending (acquire); the client's timeouts (Config.OperationTimeout) bound the request
// itself. The closures get C strings and handles that live for the call only, and &e of a local: C keeps no
// Go pointer.

// call runs one C call: it refuses the strings of cs when one held a NUL byte, builds the request options
// (nil: the defaults), holds the C client for the call (acquire, release) and converts its outcome. The
// checks come in that order, so a call that converts its arguments into cs first reports them first.
func (c *Client) call(ctx context.Context, cs *cstrings, opts *RequestOptions, f func(p *C.cos_client, o *C.cos_request_options, e **C.cos_error) C.cos_status) error {
	if cs.err != nil {
		return cs.err
	}
	o, err := opts.toC()
	if err != nil {
		return err
	}
	defer C.cos_request_options_free(o)
	p, err := c.acquire(ctx)
	if err != nil {
		return err
	}
	defer c.release()
	var e *C.cos_error
	st := f(p, o, &e)
	return errorFrom(st, e)
}

// objectCall is call on bucket/key.
func (c *Client) objectCall(ctx context.Context, bucket, key string, opts *RequestOptions, f func(p *C.cos_client, b, k *C.char, o *C.cos_request_options, e **C.cos_error) C.cos_status) error {
	var cs cstrings
	defer cs.free()
	b, k := cs.str(bucket), cs.str(key)
	return c.call(ctx, &cs, opts, func(p *C.cos_client, o *C.cos_request_options, e **C.cos_error) C.cos_status {
		return f(p, b, k, o, e)
	})
}

// bucketCall is call on a bucket, for the C calls that take no request options.
func (c *Client) bucketCall(ctx context.Context, bucket string, f func(p *C.cos_client, b *C.char, e **C.cos_error) C.cos_status) error {
	var cs cstrings
	defer cs.free()
	b := cs.str(bucket)
	return c.call(ctx, &cs, nil, func(p *C.cos_client, _ *C.cos_request_options, e **C.cos_error) C.cos_status {
		return f(p, b, e)
	})
}
