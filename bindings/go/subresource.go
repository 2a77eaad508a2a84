package cos

/*
#include "cos.h"
*/
import "C"

import (
	"context"
)

// The generic sub-resource calls: everything the typed calls do not cover (website, inventory, logging,
// replication, ...) is reachable through these, as raw XML or JSON documents.

// BucketSubresource sends method ("GET", "PUT", "POST", "DELETE") to /?<subresource> of bucket with body
// (Content-MD5 computed; Content-Type application/xml, or application/json for a body starting with '{',
// unless opts sets one). opts adds query parameters and headers. It returns the response body exactly as
// received, and the response headers.
func (c *Client) BucketSubresource(ctx context.Context, method, bucket, subresource string, body []byte, opts *RequestOptions) ([]byte, *ObjectInfo, error) {
	return c.subresource(ctx, method, bucket, nil, subresource, body, opts)
}

// ObjectSubresource sends method to /<key>?<subresource> ("acl", "tagging", "restore", "symlink", ...),
// otherwise as BucketSubresource. opts.VersionID addresses a version.
func (c *Client) ObjectSubresource(ctx context.Context, method, bucket, key, subresource string, body []byte, opts *RequestOptions) ([]byte, *ObjectInfo, error) {
	return c.subresource(ctx, method, bucket, &key, subresource, body, opts)
}

func (c *Client) subresource(ctx context.Context, method, bucket string, key *string, sub string, body []byte, opts *RequestOptions) ([]byte, *ObjectInfo, error) {
	var cs cstrings
	defer cs.free()
	m, b, s := cs.str(method), cs.str(bucket), cs.str(sub)
	var k *C.char
	if key != nil {
		k = cs.str(*key)
	}
	data, n := bytesArg(body)
	var out *C.cos_bytes
	var info *C.cos_object_info
	err := c.call(ctx, &cs, opts, func(p *C.cos_client, o *C.cos_request_options, e **C.cos_error) C.cos_status {
		if key == nil {
			return C.cos_client_bucket_subresource(p, m, b, s, data, n, o, &out, &info, e)
		}
		return C.cos_client_object_subresource(p, m, b, k, s, data, n, o, &out, &info, e)
	})
	if err != nil {
		return nil, nil, err
	}
	return takeBytes(out), takeInfo(info), nil
}
