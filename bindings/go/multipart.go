package cos

/*
#include "cos.h"
*/
import "C"

import (
	"context"
)

// Multipart uploads in progress: listing them and aborting them (for example the upload a cancelled,
// resumable UploadFile keeps for its checkpoint, when it will not be resumed). The primitives that build an
// upload part by part are not wrapped: UploadFile, UploadReader and ObjectWriter do that work.

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
	if cs.err != nil {
		return nil, false, "", "", cs.err
	}
	p, err := c.acquire(ctx)
	if err != nil {
		return nil, false, "", "", err
	}
	defer c.release()
	var list *C.cos_upload_list
	var e *C.cos_error
	st := C.cos_client_list_multipart_uploads(p, b, pre, nil, km, im, 0, &list, &e)
	if err := errorFrom(st, e); err != nil {
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
