package cos

/*
#include "shims.h"
*/
import "C"

import (
	"context"
)

// CopySource is the object a copy reads (cos_copy_source): bucket and key, and optionally another region,
// a version, the SSE-C key it was written with, and x-cos-copy-source-if-* conditions (a failing one is
// COS's 412 PreconditionFailed, or 304).
type CopySource struct {
	Bucket, Key string
	// Region of the source ("" = the client's).
	Region    string
	VersionID string
	// SSECustomerKey is the 32-byte key the source was written with.
	SSECustomerKey []byte
	// Conditions on the source: ETags and HTTP dates.
	IfMatch, IfNoneMatch, IfModifiedSince, IfUnmodifiedSince string
}

// toC builds the C handle; the caller frees it with cos_copy_source_free.
func (s *CopySource) toC() (*C.cos_copy_source, error) {
	var cs cstrings
	defer cs.free()
	b, k := cs.str(s.Bucket), cs.str(s.Key)
	if cs.err != nil {
		return nil, cs.err
	}
	var src *C.cos_copy_source
	var e *C.cos_error
	st := C.cos_copy_source_new(b, k, &src, &e)
	if err := errorFrom(st, e); err != nil {
		return nil, err
	}
	var fe firstError
	if s.Region != "" {
		fe.add(C.cos_copy_source_set_region(src, cs.str(s.Region), &e), &e)
	}
	if s.VersionID != "" {
		fe.add(C.cos_copy_source_set_version_id(src, cs.str(s.VersionID), &e), &e)
	}
	if len(s.SSECustomerKey) > 0 {
		ptr, n := bytesArg(s.SSECustomerKey)
		fe.add(C.cos_copy_source_set_sse_customer_key(src, ptr, n, &e), &e)
	}
	if s.IfMatch != "" {
		fe.add(C.cos_copy_source_set_if_match(src, cs.str(s.IfMatch), &e), &e)
	}
	if s.IfNoneMatch != "" {
		fe.add(C.cos_copy_source_set_if_none_match(src, cs.str(s.IfNoneMatch), &e), &e)
	}
	if s.IfModifiedSince != "" {
		fe.add(C.cos_copy_source_set_if_modified_since(src, cs.str(s.IfModifiedSince), &e), &e)
	}
	if s.IfUnmodifiedSince != "" {
		fe.add(C.cos_copy_source_set_if_unmodified_since(src, cs.str(s.IfUnmodifiedSince), &e), &e)
	}
	fe.keep(cs.err)
	if fe.err != nil {
		C.cos_copy_source_free(src)
		return nil, fe.err
	}
	return src, nil
}

// CopyObjectFrom is one CopyObject to bucket/key from any source (up to 5 GiB).
func (c *Client) CopyObjectFrom(ctx context.Context, bucket, key string, src CopySource, opts *RequestOptions) (*ObjectInfo, error) {
	source, err := src.toC()
	if err != nil {
		return nil, err
	}
	defer C.cos_copy_source_free(source)
	var info *C.cos_object_info
	err = c.objectCall(ctx, bucket, key, opts, func(p *C.cos_client, b, k *C.char, o *C.cos_request_options, e **C.cos_error) C.cos_status {
		return C.cos_client_copy_object_ex(p, b, k, source, o, &info, e)
	})
	if err != nil {
		return nil, err
	}
	return takeInfo(info), nil
}

// CopyFrom is the managed copy (any size, progress, ctx through the cancel token) from any source: the
// source is read (HEAD) with its version, region and conditions first, and the copy's CRC-64 is checked
// against the source's.
func (c *Client) CopyFrom(ctx context.Context, bucket, key string, src CopySource, opts *TransferOptions) (*ObjectInfo, error) {
	source, err := src.toC()
	if err != nil {
		return nil, err
	}
	defer C.cos_copy_source_free(source)
	var cs cstrings
	defer cs.free()
	b, k := cs.str(bucket), cs.str(key)
	return c.transfer(ctx, &cs, opts, nil, func(p *C.cos_client, o *C.cos_transfer_options, h C.uintptr_t, info **C.cos_object_info, e **C.cos_error) C.cos_status {
		return C.cosgo_copy_ex(p, b, k, source, o, h, info, e)
	})
}
