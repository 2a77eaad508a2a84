package cos

/*
#include "cos.h"
*/
import "C"

import (
	"context"
	"runtime"
)

// Multipart uploads: the primitives (create, upload parts, complete, abort, list parts, list uploads). The
// managed calls (UploadFile, UploadReader, ObjectWriter) do all of this themselves; these are for uploads
// driven by hand, and for cleaning up after a cancelled resumable upload that will not be resumed.

// MultipartUpload is one multipart upload in progress.
type MultipartUpload struct {
	Key, UploadID string
	Initiated     string // ISO 8601
}

// ListMultipartUploads lists every multipart upload in progress under prefix ("" for all), following the
// pages.
func (c *Client) ListMultipartUploads(ctx context.Context, bucket, prefix string) ([]MultipartUpload, error) {
	var out []MultipartUpload
	var keyMarker, idMarker string
	for {
		if err := ctx.Err(); err != nil {
			return nil, cancelled(err)
		}
		page, more, nextKey, nextID, err := c.listUploadsPage(ctx, bucket, prefix, keyMarker, idMarker)
		if err != nil {
			return nil, err
		}
		out = append(out, page...)
		if !more || (nextKey == keyMarker && nextID == idMarker) {
			return out, nil
		}
		keyMarker, idMarker = nextKey, nextID
	}
}

func (c *Client) listUploadsPage(ctx context.Context, bucket, prefix, keyMarker, idMarker string) ([]MultipartUpload, bool, string, string, error) {
	var cs cstrings
	defer cs.free()
	b, pre, km, im := cs.str(bucket), cs.opt(prefix), cs.opt(keyMarker), cs.opt(idMarker)
	var list *C.cos_upload_list
	err := c.call(ctx, &cs, nil, func(p *C.cos_client, _ *C.cos_request_options, e **C.cos_error) C.cos_status {
		return C.cos_client_list_multipart_uploads(p, b, pre, nil, km, im, 0, &list, e)
	})
	if err != nil {
		return nil, false, "", "", err
	}
	defer C.cos_upload_list_free(list)
	var page []MultipartUpload
	for i := 0; i < int(C.cos_upload_list_count(list)); i++ {
		j := C.size_t(i)
		page = append(page, MultipartUpload{
			Key:       goStr(C.cos_upload_list_key(list, j)),
			UploadID:  goStr(C.cos_upload_list_upload_id(list, j)),
			Initiated: goStr(C.cos_upload_list_initiated(list, j)),
		})
	}
	return page, bool(C.cos_upload_list_is_truncated(list)), goStr(C.cos_upload_list_next_key_marker(list)),
		goStr(C.cos_upload_list_next_upload_id_marker(list)), nil
}

// AbortMultipartUpload abandons an upload; COS frees its parts.
func (c *Client) AbortMultipartUpload(ctx context.Context, bucket, key, uploadID string) error {
	var cs cstrings
	defer cs.free()
	id := cs.str(uploadID)
	if cs.err != nil {
		return cs.err
	}
	return c.objectCall(ctx, bucket, key, nil, func(p *C.cos_client, b, k *C.char, _ *C.cos_request_options, e **C.cos_error) C.cos_status {
		return C.cos_client_abort_multipart_upload(p, b, k, id, e)
	})
}

// CreateMultipartUpload starts a multipart upload of bucket/key and returns its id; opts carries the
// object's content type, metadata, storage class, ACL, encryption.
func (c *Client) CreateMultipartUpload(ctx context.Context, bucket, key string, opts *RequestOptions) (string, error) {
	var id *C.char
	err := c.objectCall(ctx, bucket, key, opts, func(p *C.cos_client, b, k *C.char, o *C.cos_request_options, e **C.cos_error) C.cos_status {
		return C.cos_client_create_multipart_upload(p, b, k, o, &id, e)
	})
	return takeString(id), err
}

// Part is one uploaded part. Parts from UploadPart and ListParts keep the library's own record of the
// part, which CompleteMultipartUpload needs (a Part built by hand is refused there).
type Part struct {
	Number   int
	ETag     string
	Size     int64 // 0 when unknown
	CRC64    uint64
	HasCRC64 bool
	ref      *partRef
}

// partRef owns a one-part cos_part_list holding the C part (the C API has no constructor for a part, and
// a list copies what it is given), freed when no Part refers to it any more.
type partRef struct {
	list *C.cos_part_list
}

func newPartRef(part *C.cos_part) (*partRef, error) {
	list := C.cos_part_list_new()
	var e *C.cos_error
	st := C.cos_part_list_push(list, part, &e)
	if err := errorFrom(st, e); err != nil {
		C.cos_part_list_free(list)
		return nil, err
	}
	ref := &partRef{list: list}
	runtime.SetFinalizer(ref, func(r *partRef) { C.cos_part_list_free(r.list) })
	return ref, nil
}

func partFrom(part *C.cos_part, ref *partRef) Part {
	p := Part{
		Number: int(C.cos_part_number(part)),
		ETag:   goStr(C.cos_part_etag(part)),
		Size:   int64(C.cos_part_size(part)),
		ref:    ref,
	}
	var crc C.uint64_t
	if C.cos_part_crc64(part, &crc) {
		p.CRC64, p.HasCRC64 = uint64(crc), true
	}
	return p
}

// UploadPart uploads part number (1..=10000; at least 1 MiB except the last) of the upload from data; its
// CRC-64 is checked against COS's.
func (c *Client) UploadPart(ctx context.Context, bucket, key, uploadID string, number int, data []byte, opts *RequestOptions) (Part, error) {
	var cs cstrings
	defer cs.free()
	id := cs.str(uploadID)
	if cs.err != nil {
		return Part{}, cs.err
	}
	ptr, n := bytesArg(data)
	var part *C.cos_part
	err := c.objectCall(ctx, bucket, key, opts, func(p *C.cos_client, b, k *C.char, o *C.cos_request_options, e **C.cos_error) C.cos_status {
		return C.cos_client_upload_part(p, b, k, id, C.uint32_t(number), ptr, n, o, &part, e)
	})
	if err != nil {
		return Part{}, err
	}
	defer C.cos_part_free(part)
	ref, err := newPartRef(part)
	if err != nil {
		return Part{}, err
	}
	return partFrom(part, ref), nil
}

// ListParts lists every part uploaded so far, following the pages.
func (c *Client) ListParts(ctx context.Context, bucket, key, uploadID string) ([]Part, error) {
	var cs cstrings
	defer cs.free()
	id := cs.str(uploadID)
	if cs.err != nil {
		return nil, cs.err
	}
	var parts []Part
	marker := C.uint32_t(0)
	for {
		var list *C.cos_part_list
		err := c.objectCall(ctx, bucket, key, nil, func(p *C.cos_client, b, k *C.char, _ *C.cos_request_options, e **C.cos_error) C.cos_status {
			return C.cos_client_list_parts(p, b, k, id, marker, 0, &list, e)
		})
		if err != nil {
			return nil, err
		}
		for i := C.size_t(0); i < C.cos_part_list_count(list); i++ {
			part := C.cos_part_list_get(list, i)
			ref, err := newPartRef(part)
			if err != nil {
				C.cos_part_list_free(list)
				return nil, err
			}
			parts = append(parts, partFrom(part, ref))
		}
		more, next := bool(C.cos_part_list_is_truncated(list)), C.cos_part_list_next_marker(list)
		C.cos_part_list_free(list)
		if !more || next <= marker {
			return parts, nil
		}
		marker = next
	}
}

var errHandMadePart = &ClientError{Status: StatusInvalidArgument, Message: "a Part not made by UploadPart or ListParts cannot complete an upload"}

// CompleteMultipartUpload completes the upload from parts (any order). When every part's CRC-64 is known
// the object's CRC-64 is checked against their combination (StatusChecksumMismatch).
func (c *Client) CompleteMultipartUpload(ctx context.Context, bucket, key, uploadID string, parts []Part, opts *RequestOptions) (*ObjectInfo, error) {
	var cs cstrings
	defer cs.free()
	id := cs.str(uploadID)
	if cs.err != nil {
		return nil, cs.err
	}
	list := C.cos_part_list_new()
	defer C.cos_part_list_free(list)
	for _, part := range parts {
		if part.ref == nil {
			return nil, errHandMadePart
		}
		var e *C.cos_error
		st := C.cos_part_list_push(list, C.cos_part_list_get(part.ref.list, 0), &e)
		runtime.KeepAlive(part.ref) // its finalizer must not free the list while C copies from it
		if err := errorFrom(st, e); err != nil {
			return nil, err
		}
	}
	var info *C.cos_object_info
	err := c.objectCall(ctx, bucket, key, opts, func(p *C.cos_client, b, k *C.char, o *C.cos_request_options, e **C.cos_error) C.cos_status {
		return C.cos_client_complete_multipart_upload(p, b, k, id, list, o, &info, e)
	})
	if err != nil {
		return nil, err
	}
	return takeInfo(info), nil
}
