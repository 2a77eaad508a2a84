package cos

/*
#include "cos.h"
*/
import "C"

import (
	"context"
)

// Tags of objects and buckets (cos_tag_set as []Tag).

// PutObjectTagging replaces the object's tags (at most 10). opts may name a version.
func (c *Client) PutObjectTagging(ctx context.Context, bucket, key string, tags []Tag, opts *RequestOptions) error {
	set, err := tagSet(tags)
	if err != nil {
		return err
	}
	defer C.cos_tag_set_free(set)
	return c.objectCall(ctx, bucket, key, opts, func(p *C.cos_client, b, k *C.char, o *C.cos_request_options, e **C.cos_error) C.cos_status {
		return C.cos_client_put_object_tagging(p, b, k, set, o, e)
	})
}

// GetObjectTagging is the object's tags (empty when it has none). opts may name a version.
func (c *Client) GetObjectTagging(ctx context.Context, bucket, key string, opts *RequestOptions) ([]Tag, error) {
	var set *C.cos_tag_set
	err := c.objectCall(ctx, bucket, key, opts, func(p *C.cos_client, b, k *C.char, o *C.cos_request_options, e **C.cos_error) C.cos_status {
		return C.cos_client_get_object_tagging(p, b, k, o, &set, e)
	})
	if err != nil {
		return nil, err
	}
	return tagsFrom(set), nil
}

// DeleteObjectTagging removes every tag of the object.
func (c *Client) DeleteObjectTagging(ctx context.Context, bucket, key string, opts *RequestOptions) error {
	return c.objectCall(ctx, bucket, key, opts, func(p *C.cos_client, b, k *C.char, o *C.cos_request_options, e **C.cos_error) C.cos_status {
		return C.cos_client_delete_object_tagging(p, b, k, o, e)
	})
}

// PutBucketTagging replaces the bucket's tags (at most 50).
func (c *Client) PutBucketTagging(ctx context.Context, bucket string, tags []Tag) error {
	set, err := tagSet(tags)
	if err != nil {
		return err
	}
	defer C.cos_tag_set_free(set)
	return c.bucketCall(ctx, bucket, func(p *C.cos_client, b *C.char, e **C.cos_error) C.cos_status {
		return C.cos_client_put_bucket_tagging(p, b, set, e)
	})
}

// GetBucketTagging is the bucket's tags (empty when it has none).
func (c *Client) GetBucketTagging(ctx context.Context, bucket string) ([]Tag, error) {
	var set *C.cos_tag_set
	err := c.bucketCall(ctx, bucket, func(p *C.cos_client, b *C.char, e **C.cos_error) C.cos_status {
		return C.cos_client_get_bucket_tagging(p, b, &set, e)
	})
	if err != nil {
		return nil, err
	}
	return tagsFrom(set), nil
}

// DeleteBucketTagging removes every tag of the bucket.
func (c *Client) DeleteBucketTagging(ctx context.Context, bucket string) error {
	return c.bucketCall(ctx, bucket, func(p *C.cos_client, b *C.char, e **C.cos_error) C.cos_status {
		return C.cos_client_delete_bucket_tagging(p, b, e)
	})
}
