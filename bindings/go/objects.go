package cos

/*
#include "cos.h"
*/
import "C"

import (
	"context"
)

// One request each: put, get, head, delete, copy (see call for what ctx bounds).

// PutObject uploads data as one object (PUT Object; up to 5 GiB). opts may be nil.
func (c *Client) PutObject(ctx context.Context, bucket, key string, data []byte, opts *RequestOptions) (*ObjectInfo, error) {
	ptr, n := bytesArg(data)
	var info *C.cos_object_info
	err := c.objectCall(ctx, bucket, key, opts, func(p *C.cos_client, b, k *C.char, o *C.cos_request_options, e **C.cos_error) C.cos_status {
		return C.cos_client_put_object_ex(p, b, k, ptr, n, o, &info, e)
	})
	if err != nil {
		return nil, err
	}
	return takeInfo(info), nil
}

// GetObject downloads an object (or the opts.Range of it) into memory; its CRC-64 is checked.
func (c *Client) GetObject(ctx context.Context, bucket, key string, opts *RequestOptions) ([]byte, *ObjectInfo, error) {
	var out *C.cos_bytes
	var info *C.cos_object_info
	err := c.objectCall(ctx, bucket, key, opts, func(p *C.cos_client, b, k *C.char, o *C.cos_request_options, e **C.cos_error) C.cos_status {
		return C.cos_client_get_object_ex(p, b, k, o, &out, &info, e)
	})
	if err != nil {
		return nil, nil, err
	}
	return takeBytes(out), takeInfo(info), nil
}

// HeadObject returns the object's headers. A missing object is a *ServiceError with StatusCode 404 and
// Code "NoSuchResource" (a HEAD answer has no body to say more).
func (c *Client) HeadObject(ctx context.Context, bucket, key string, opts *RequestOptions) (*ObjectInfo, error) {
	var info *C.cos_object_info
	err := c.objectCall(ctx, bucket, key, opts, func(p *C.cos_client, b, k *C.char, o *C.cos_request_options, e **C.cos_error) C.cos_status {
		return C.cos_client_head_object(p, b, k, o, &info, e)
	})
	if err != nil {
		return nil, err
	}
	return takeInfo(info), nil
}

// ObjectExists tells whether the object exists (a 404 is false, not an error).
func (c *Client) ObjectExists(ctx context.Context, bucket, key string) (bool, error) {
	var exists C.bool
	err := c.objectCall(ctx, bucket, key, nil, func(p *C.cos_client, b, k *C.char, _ *C.cos_request_options, e **C.cos_error) C.cos_status {
		return C.cos_client_object_exists(p, b, k, &exists, e)
	})
	if err != nil {
		return false, err
	}
	return bool(exists), nil
}

// DeleteObject deletes an object (a missing key succeeds, as in COS). opts may name a version; the info
// says whether a delete marker was made (versioned buckets).
func (c *Client) DeleteObject(ctx context.Context, bucket, key string, opts *RequestOptions) (*ObjectInfo, error) {
	var info *C.cos_object_info
	err := c.objectCall(ctx, bucket, key, opts, func(p *C.cos_client, b, k *C.char, o *C.cos_request_options, e **C.cos_error) C.cos_status {
		return C.cos_client_delete_object_ex(p, b, k, o, &info, e)
	})
	if err != nil {
		return nil, err
	}
	return takeInfo(info), nil
}

// DeleteError is one key COS refused to delete in DeleteObjects.
type DeleteError struct {
	Key, Code, Message string
}

// DeleteResult is the outcome of DeleteObjects, key by key (Deleted is empty in quiet mode).
type DeleteResult struct {
	Deleted []string
	Errors  []DeleteError
}

// DeleteObjects deletes keys (DeleteObjects, sent in batches of 1000). The call succeeds when every request
// succeeded; keys COS refused are in the result's Errors.
func (c *Client) DeleteObjects(ctx context.Context, bucket string, keys []string, quiet bool) (*DeleteResult, error) {
	var cs cstrings
	defer cs.free()
	b := cs.str(bucket)
	arr, slots := cs.array(len(keys))
	for i, k := range keys {
		slots[i] = cs.str(k)
	}
	var out *C.cos_delete_result
	err := c.call(ctx, &cs, nil, func(p *C.cos_client, _ *C.cos_request_options, e **C.cos_error) C.cos_status {
		return C.cos_client_delete_objects(p, b, arr, C.size_t(len(keys)), C.bool(quiet), &out, e)
	})
	if err != nil {
		return nil, err
	}
	defer C.cos_delete_result_free(out)
	res := &DeleteResult{}
	for i := 0; i < int(C.cos_delete_result_deleted_count(out)); i++ {
		res.Deleted = append(res.Deleted, goStr(C.cos_delete_result_deleted_key(out, C.size_t(i))))
	}
	for i := 0; i < int(C.cos_delete_result_error_count(out)); i++ {
		j := C.size_t(i)
		res.Errors = append(res.Errors, DeleteError{
			Key:     goStr(C.cos_delete_result_error_key(out, j)),
			Code:    goStr(C.cos_delete_result_error_code(out, j)),
			Message: goStr(C.cos_delete_result_error_message(out, j)),
		})
	}
	return res, nil
}

// CopyObject is one server-side CopyObject to bucket/key from srcBucket/srcKey (client's region, up to
// 5 GiB). opts may set MetadataDirective "Replaced" with new metadata, a storage class, an ACL, ...; Copy is
// the managed form for any size.
func (c *Client) CopyObject(ctx context.Context, bucket, key, srcBucket, srcKey string, opts *RequestOptions) (*ObjectInfo, error) {
	var cs cstrings
	defer cs.free()
	b, k, sb, sk := cs.str(bucket), cs.str(key), cs.str(srcBucket), cs.str(srcKey)
	var info *C.cos_object_info
	err := c.call(ctx, &cs, opts, func(p *C.cos_client, o *C.cos_request_options, e **C.cos_error) C.cos_status {
		return C.cos_client_copy_object(p, b, k, sb, sk, o, &info, e)
	})
	if err != nil {
		return nil, err
	}
	return takeInfo(info), nil
}
