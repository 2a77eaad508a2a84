package cos

/*
#include "shims.h"
*/
import "C"

import (
	"context"
	"runtime/cgo"
	"time"
)

// CreateBucket creates a bucket ("<name>-<appid>"). opts may carry an ACL, grants, tags. A bucket you own
// already fails with Code "BucketAlreadyOwnedByYou".
func (c *Client) CreateBucket(ctx context.Context, bucket string, opts *RequestOptions) error {
	var cs cstrings
	defer cs.free()
	b := cs.str(bucket)
	return c.call(ctx, &cs, opts, func(p *C.cos_client, o *C.cos_request_options, e **C.cos_error) C.cos_status {
		return C.cos_client_create_bucket_ex(p, b, o, e)
	})
}

// CreateBucketWithConfig creates a bucket with a creation configuration: multiAZ (BucketAZConfig MAZ)
// and/or ofs (BucketArchConfig OFS, the hierarchical namespace); HeadBucket reports them
// (x-cos-bucket-az-type, x-cos-bucket-arch).
func (c *Client) CreateBucketWithConfig(ctx context.Context, bucket string, multiAZ, ofs bool, opts *RequestOptions) error {
	o, err := opts.toC()
	if err != nil {
		return err
	}
	defer C.cos_request_options_free(o)
	return c.bucketCall(ctx, bucket, func(p *C.cos_client, b *C.char, e **C.cos_error) C.cos_status {
		return C.cos_client_create_bucket_with_config(p, b, C.bool(multiAZ), C.bool(ofs), o, e)
	})
}

// DeleteBucket deletes an empty bucket ("BucketNotEmpty" otherwise; see DeleteBucketRecursive).
func (c *Client) DeleteBucket(ctx context.Context, bucket string) error {
	return c.bucketCall(ctx, bucket, func(p *C.cos_client, b *C.char, e **C.cos_error) C.cos_status {
		return C.cos_client_delete_bucket(p, b, e)
	})
}

// BucketExists tells whether the bucket exists (a 404 is false; any other failure, 403 included, is an
// error).
func (c *Client) BucketExists(ctx context.Context, bucket string) (bool, error) {
	var exists C.bool
	err := c.bucketCall(ctx, bucket, func(p *C.cos_client, b *C.char, e **C.cos_error) C.cos_status {
		return C.cos_client_bucket_exists(p, b, &exists, e)
	})
	return bool(exists), err
}

// HeadBucket returns the bucket's headers (x-cos-bucket-region, ...); a missing bucket is a 404
// *ServiceError with Code "NoSuchBucket".
func (c *Client) HeadBucket(ctx context.Context, bucket string) (*ObjectInfo, error) {
	var info *C.cos_object_info
	err := c.bucketCall(ctx, bucket, func(p *C.cos_client, b *C.char, e **C.cos_error) C.cos_status {
		return C.cos_client_head_bucket(p, b, &info, e)
	})
	if err != nil {
		return nil, err
	}
	return takeInfo(info), nil
}

// BucketLocation is the bucket's region (GET /?location).
func (c *Client) BucketLocation(ctx context.Context, bucket string) (string, error) {
	var region *C.char
	err := c.bucketCall(ctx, bucket, func(p *C.cos_client, b *C.char, e **C.cos_error) C.cos_status {
		return C.cos_client_get_bucket_location(p, b, &region, e)
	})
	return takeString(region), err
}

// BucketInfo is one bucket of ListBuckets.
type BucketInfo struct {
	Name, Region, CreationDate string
	// Type is "cos", or "ofs" for an OFS bucket ("" when not reported).
	Type string
}

// ListBuckets lists every bucket of the account, following the pages.
func (c *Client) ListBuckets(ctx context.Context) ([]BucketInfo, error) {
	return c.ListBucketsFiltered(ctx, nil)
}

// BucketFilter narrows ListBucketsFiltered (cos_bucket_filter); zero fields match every bucket.
type BucketFilter struct {
	// Region such as "ap-beijing".
	Region string
	// TagKey and TagValue: buckets that have this tag.
	TagKey, TagValue string
	// Created and CreatedRange ("lt", "gt", "lte" or "gte"): buckets created before or after a time.
	Created      time.Time
	CreatedRange string
}

// ListBucketsFiltered lists every bucket matching f (nil: every bucket), following the pages.
func (c *Client) ListBucketsFiltered(ctx context.Context, f *BucketFilter) ([]BucketInfo, error) {
	var cs cstrings
	defer cs.free()
	var filter *C.cos_bucket_filter
	if f != nil {
		filter = C.cos_bucket_filter_new()
		defer C.cos_bucket_filter_free(filter)
		var fe firstError
		var e *C.cos_error
		if f.Region != "" {
			fe.add(C.cos_bucket_filter_set_region(filter, cs.str(f.Region), &e), &e)
		}
		if f.TagKey != "" {
			fe.add(C.cos_bucket_filter_set_tag(filter, cs.str(f.TagKey), cs.str(f.TagValue), &e), &e)
		}
		if f.CreatedRange != "" {
			fe.add(C.cos_bucket_filter_set_created(filter, C.int64_t(f.Created.Unix()), cs.str(f.CreatedRange), &e), &e)
		}
		if cs.err != nil {
			return nil, cs.err
		}
		if fe.err != nil {
			return nil, fe.err
		}
	}
	var list *C.cos_bucket_list
	err := c.call(ctx, &cs, nil, func(p *C.cos_client, _ *C.cos_request_options, e **C.cos_error) C.cos_status {
		return C.cos_client_list_all_buckets(p, filter, &list, e)
	})
	if err != nil {
		return nil, err
	}
	defer C.cos_bucket_list_free(list)
	n := int(C.cos_bucket_list_count(list))
	out := make([]BucketInfo, 0, n)
	for i := 0; i < n; i++ {
		j := C.size_t(i)
		out = append(out, BucketInfo{
			Name:         goStr(C.cos_bucket_list_name(list, j)),
			Region:       goStr(C.cos_bucket_list_region(list, j)),
			CreationDate: goStr(C.cos_bucket_list_creation_date(list, j)),
			Type:         goStr(C.cos_bucket_list_bucket_type(list, j)),
		})
	}
	return out, nil
}

// DeleteBucketRecursive removes every multipart upload, object version and delete marker of the bucket,
// then the bucket; it returns how many entries were removed. ctx is checked between batches of 1000.
func (c *Client) DeleteBucketRecursive(ctx context.Context, bucket string) (uint64, error) {
	state := &callbackState{ctx: ctx}
	h := cgo.NewHandle(state)
	defer h.Delete()
	var deleted C.uint64_t
	var st C.cos_status
	var e *C.cos_error
	err := c.bucketCall(ctx, bucket, func(p *C.cos_client, b *C.char, pe **C.cos_error) C.cos_status {
		// The error is taken apart by state.outcome below, which adds the context or a panic to it.
		st = C.cosgo_delete_bucket_recursive(p, b, C.uintptr_t(h), &deleted, &e)
		return C.COS_OK
	})
	if err != nil {
		return 0, err
	}
	if err := state.outcome(st, e); err != nil {
		return 0, err
	}
	return uint64(deleted), nil
}

// PutBucketPolicy sets the bucket's policy, a JSON document.
func (c *Client) PutBucketPolicy(ctx context.Context, bucket, policy string) error {
	var cs cstrings
	defer cs.free()
	pol := cs.str(policy)
	if cs.err != nil {
		return cs.err
	}
	return c.bucketCall(ctx, bucket, func(p *C.cos_client, b *C.char, e **C.cos_error) C.cos_status {
		return C.cos_client_put_bucket_policy(p, b, pol, e)
	})
}

// GetBucketPolicy is the bucket's policy (JSON as COS returns it); none is a 404 "NoSuchBucketPolicy".
func (c *Client) GetBucketPolicy(ctx context.Context, bucket string) (string, error) {
	var policy *C.char
	err := c.bucketCall(ctx, bucket, func(p *C.cos_client, b *C.char, e **C.cos_error) C.cos_status {
		return C.cos_client_get_bucket_policy(p, b, &policy, e)
	})
	return takeString(policy), err
}

// DeleteBucketPolicy deletes the bucket's policy.
func (c *Client) DeleteBucketPolicy(ctx context.Context, bucket string) error {
	return c.bucketCall(ctx, bucket, func(p *C.cos_client, b *C.char, e **C.cos_error) C.cos_status {
		return C.cos_client_delete_bucket_policy(p, b, e)
	})
}
