package cos

/*
#include "shims.h"
*/
import "C"

import (
	"context"
	"io"
	"runtime/cgo"
)

// watch trips tok when ctx is done, from a goroutine of its own (any thread may cancel a cos_cancel_token).
// The returned stop ends that goroutine and waits for it, so the token is never used after the caller
// frees it and no goroutine outlives the call.
func watch(ctx context.Context, tok *C.cos_cancel_token) (stop func()) {
	done := ctx.Done()
	if done == nil {
		return func() {}
	}
	quit, exited := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(exited)
		select {
		case <-done:
			C.cos_cancel_token_cancel(tok)
		case <-quit:
		}
	}()
	return func() {
		close(quit)
		<-exited
	}
}

// cancellable runs the C call of a transfer or a tree with ctx mapped onto tok (tripped when ctx is done,
// and by Close) and gives it the handle of state for its callbacks; it returns the call's status.
func (c *Client) cancellable(ctx context.Context, tok *C.cos_cancel_token, state *callbackState, run func(h C.uintptr_t) C.cos_status) C.cos_status {
	h := cgo.NewHandle(state)
	defer h.Delete()
	c.track(tok)
	defer c.untrack(tok)
	stop := watch(ctx, tok)
	defer stop()
	return run(C.uintptr_t(h))
}

// transferCall is one managed-transfer C call, given the client, the options (with the cancel token
// attached), the handle of the callback state, and the outputs.
type transferCall func(p *C.cos_client, o *C.cos_transfer_options, h C.uintptr_t, info **C.cos_object_info, e **C.cos_error) C.cos_status

// transfer runs a managed transfer with ctx mapped onto a C cancel token (tripped by the context, and by
// Close), the progress callback of opts, and reader as the body for the calls that read one. It refuses
// the strings of cs first, when one held a NUL byte.
func (c *Client) transfer(ctx context.Context, cs *cstrings, opts *TransferOptions, reader io.Reader, run transferCall) (*ObjectInfo, error) {
	if cs.err != nil {
		return nil, cs.err
	}
	p, err := c.acquire(ctx)
	if err != nil {
		return nil, err
	}
	defer c.release()
	tok := C.cos_cancel_token_new()
	defer C.cos_cancel_token_free(tok)
	o, err := opts.toC(tok)
	if err != nil {
		return nil, err
	}
	defer C.cos_transfer_options_free(o)
	state := &callbackState{ctx: ctx, reader: reader}
	if opts != nil {
		state.progress = opts.Progress
	}
	var info *C.cos_object_info
	var e *C.cos_error
	st := c.cancellable(ctx, tok, state, func(h C.uintptr_t) C.cos_status {
		return run(p, o, h, &info, &e)
	})
	defer C.cos_object_info_free(info)
	if err := state.outcome(st, e); err != nil {
		return nil, err
	}
	return infoFrom(info), nil
}

// UploadFile uploads the local file at path: one PUT when it fits in one part, else a parallel multipart
// upload that resumes from its checkpoint when called again after a failure or a cancel (unless
// opts.NoResume). ctx cancels it promptly (through the C cancel token); the error then wraps ctx.Err().
func (c *Client) UploadFile(ctx context.Context, bucket, key, path string, opts *TransferOptions) (*ObjectInfo, error) {
	var cs cstrings
	defer cs.free()
	b, k, f := cs.str(bucket), cs.str(key), cs.str(path)
	return c.transfer(ctx, &cs, opts, nil, func(p *C.cos_client, o *C.cos_transfer_options, h C.uintptr_t, info **C.cos_object_info, e **C.cos_error) C.cos_status {
		return C.cosgo_upload_file(p, b, k, f, o, h, info, e)
	})
}

// DownloadFile downloads an object to the local file at path with parallel ranged GETs into
// "<path>.cos-partial", renamed onto path only when complete and verified; resumable as UploadFile is.
func (c *Client) DownloadFile(ctx context.Context, bucket, key, path string, opts *TransferOptions) (*ObjectInfo, error) {
	var cs cstrings
	defer cs.free()
	b, k, f := cs.str(bucket), cs.str(key), cs.str(path)
	return c.transfer(ctx, &cs, opts, nil, func(p *C.cos_client, o *C.cos_transfer_options, h C.uintptr_t, info **C.cos_object_info, e **C.cos_error) C.cos_status {
		return C.cosgo_download_file(p, b, k, f, o, h, info, e)
	})
}

// Copy is a server-side copy of any size to bucket/key from srcBucket/srcKey (the client's region): one
// CopyObject below opts.CopyThreshold (5 GiB), else parallel part-copies. CopyObject is the one-request form.
func (c *Client) Copy(ctx context.Context, bucket, key, srcBucket, srcKey string, opts *TransferOptions) (*ObjectInfo, error) {
	var cs cstrings
	defer cs.free()
	b, k, sb, sk := cs.str(bucket), cs.str(key), cs.str(srcBucket), cs.str(srcKey)
	return c.transfer(ctx, &cs, opts, nil, func(p *C.cos_client, o *C.cos_transfer_options, h C.uintptr_t, info **C.cos_object_info, e **C.cos_error) C.cos_status {
		return C.cosgo_copy(p, b, k, sb, sk, o, h, info, e)
	})
}

// UploadReader uploads everything r produces, length unknown (cos_client_upload_from_reader): one PUT if
// it fits in a part, else parallel parts (memory near (Jobs + 1) × PartSize), aborted on failure; there is
// no checkpoint. r is read on the calling goroutine; an error from it fails the upload and is the Cause of
// the returned *ClientError. Put does the same through an ObjectWriter, one part at a time.
func (c *Client) UploadReader(ctx context.Context, bucket, key string, r io.Reader, opts *TransferOptions) (*ObjectInfo, error) {
	var cs cstrings
	defer cs.free()
	b, k := cs.str(bucket), cs.str(key)
	return c.transfer(ctx, &cs, opts, r, func(p *C.cos_client, o *C.cos_transfer_options, h C.uintptr_t, info **C.cos_object_info, e **C.cos_error) C.cos_status {
		return C.cosgo_upload_from_reader(p, b, k, o, h, info, e)
	})
}
