package cos

/*
#include "cos.h"
*/
import "C"

import (
	"context"
)

// objectCall runs one C call on bucket/key with request options (nil: the defaults).
func (c *Client) objectCall(ctx context.Context, bucket, key string, opts *RequestOptions, f func(p *C.cos_client, b, k *C.char, o *C.cos_request_options, e **C.cos_error) C.cos_status) error {
	var cs cstrings
	defer cs.free()
	b, k := cs.str(bucket), cs.str(key)
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
	st := f(p, b, k, o, &e)
	return errorFrom(st, e)
}

// Tagging.

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

// Versioning.

// VersioningStatus mirrors cos_versioning_status.
type VersioningStatus int

const (
	// VersioningUnversioned: versioning was never enabled on the bucket.
	VersioningUnversioned VersioningStatus = C.COS_VERSIONING_UNVERSIONED
	VersioningEnabled     VersioningStatus = C.COS_VERSIONING_ENABLED
	// VersioningSuspended: enabled once, now suspended.
	VersioningSuspended VersioningStatus = C.COS_VERSIONING_SUSPENDED
)

func (v VersioningStatus) String() string {
	switch v {
	case VersioningUnversioned:
		return "Unversioned"
	case VersioningEnabled:
		return "Enabled"
	case VersioningSuspended:
		return "Suspended"
	}
	return "VersioningStatus(?)"
}

// PutBucketVersioning enables (true) or suspends (false) versioning.
func (c *Client) PutBucketVersioning(ctx context.Context, bucket string, enabled bool) error {
	return c.bucketCall(ctx, bucket, func(p *C.cos_client, b *C.char, e **C.cos_error) C.cos_status {
		return C.cos_client_put_bucket_versioning(p, b, C.bool(enabled), e)
	})
}

// GetBucketVersioning is the bucket's versioning state.
func (c *Client) GetBucketVersioning(ctx context.Context, bucket string) (VersioningStatus, error) {
	var status C.cos_versioning_status
	err := c.bucketCall(ctx, bucket, func(p *C.cos_client, b *C.char, e **C.cos_error) C.cos_status {
		return C.cos_client_get_bucket_versioning(p, b, &status, e)
	})
	return VersioningStatus(status), err
}

// ACLs.

// Grant is one grant of an ACL: to a CanonicalUser (ID) or a Group (URI).
type Grant struct {
	Type, ID, URI, DisplayName, Permission string
}

// ACL is an object's or a bucket's owner and grants. Canned is the canned ACL they amount to (as the
// Python SDK derives it): "default", "public-read-write", "public-read" or "private".
type ACL struct {
	OwnerID, OwnerDisplayName, Canned string
	Grants                            []Grant
}

func aclFrom(acl *C.cos_acl_policy) *ACL {
	defer C.cos_acl_policy_free(acl)
	out := &ACL{
		OwnerID:          goStr(C.cos_acl_policy_owner_id(acl)),
		OwnerDisplayName: goStr(C.cos_acl_policy_owner_display_name(acl)),
		Canned:           goStr(C.cos_acl_policy_canned(acl)),
	}
	for i := 0; i < int(C.cos_acl_policy_grant_count(acl)); i++ {
		j := C.size_t(i)
		out.Grants = append(out.Grants, Grant{
			Type:        goStr(C.cos_acl_policy_grant_type(acl, j)),
			ID:          goStr(C.cos_acl_policy_grant_id(acl, j)),
			URI:         goStr(C.cos_acl_policy_grant_uri(acl, j)),
			DisplayName: goStr(C.cos_acl_policy_grant_display_name(acl, j)),
			Permission:  goStr(C.cos_acl_policy_grant_permission(acl, j)),
		})
	}
	return out
}

// PutObjectACL sets the object's ACL from a canned ACL ("private", "public-read", "default"; "" for none)
// and/or the Grants of opts; one of them is required.
func (c *Client) PutObjectACL(ctx context.Context, bucket, key, canned string, opts *RequestOptions) error {
	var cs cstrings
	defer cs.free()
	acl := cs.opt(canned)
	if cs.err != nil {
		return cs.err
	}
	return c.objectCall(ctx, bucket, key, opts, func(p *C.cos_client, b, k *C.char, o *C.cos_request_options, e **C.cos_error) C.cos_status {
		return C.cos_client_put_object_acl(p, b, k, acl, o, e)
	})
}

// GetObjectACL is the object's owner and grants.
func (c *Client) GetObjectACL(ctx context.Context, bucket, key string, opts *RequestOptions) (*ACL, error) {
	var acl *C.cos_acl_policy
	err := c.objectCall(ctx, bucket, key, opts, func(p *C.cos_client, b, k *C.char, o *C.cos_request_options, e **C.cos_error) C.cos_status {
		return C.cos_client_get_object_acl(p, b, k, o, &acl, e)
	})
	if err != nil {
		return nil, err
	}
	return aclFrom(acl), nil
}

// PutBucketACL sets the bucket's ACL from a canned ACL ("private", "public-read", "public-read-write"; ""
// for none) and/or the Grants of opts.
func (c *Client) PutBucketACL(ctx context.Context, bucket, canned string, opts *RequestOptions) error {
	var cs cstrings
	defer cs.free()
	b, acl := cs.str(bucket), cs.opt(canned)
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
	st := C.cos_client_put_bucket_acl(p, b, acl, o, &e)
	return errorFrom(st, e)
}

// GetBucketACL is the bucket's owner and grants.
func (c *Client) GetBucketACL(ctx context.Context, bucket string) (*ACL, error) {
	var acl *C.cos_acl_policy
	err := c.bucketCall(ctx, bucket, func(p *C.cos_client, b *C.char, e **C.cos_error) C.cos_status {
		return C.cos_client_get_bucket_acl(p, b, &acl, e)
	})
	if err != nil {
		return nil, err
	}
	return aclFrom(acl), nil
}

// Symbolic links and archive restores.

// PutSymlink makes bucket/key a symbolic link to target, another key of the bucket (printable ASCII).
func (c *Client) PutSymlink(ctx context.Context, bucket, key, target string, opts *RequestOptions) error {
	var cs cstrings
	defer cs.free()
	t := cs.str(target)
	if cs.err != nil {
		return cs.err
	}
	return c.objectCall(ctx, bucket, key, opts, func(p *C.cos_client, b, k *C.char, o *C.cos_request_options, e **C.cos_error) C.cos_status {
		return C.cos_client_put_symlink(p, b, k, t, o, nil, e)
	})
}

// GetSymlink is the target of the symbolic link bucket/key.
func (c *Client) GetSymlink(ctx context.Context, bucket, key string, opts *RequestOptions) (string, error) {
	var target *C.char
	err := c.objectCall(ctx, bucket, key, opts, func(p *C.cos_client, b, k *C.char, o *C.cos_request_options, e **C.cos_error) C.cos_status {
		return C.cos_client_get_symlink(p, b, k, o, &target, e)
	})
	return takeString(target), err
}

// RestoreTier mirrors cos_restore_tier.
type RestoreTier int

const (
	RestoreExpedited RestoreTier = C.COS_RESTORE_TIER_EXPEDITED
	RestoreStandard  RestoreTier = C.COS_RESTORE_TIER_STANDARD
	RestoreBulk      RestoreTier = C.COS_RESTORE_TIER_BULK
)

// RestoreObject asks COS to restore an archived object for days days; follow it with HeadObject
// (ObjectInfo.RestoreOngoing).
func (c *Client) RestoreObject(ctx context.Context, bucket, key string, days int, tier RestoreTier, opts *RequestOptions) error {
	return c.objectCall(ctx, bucket, key, opts, func(p *C.cos_client, b, k *C.char, o *C.cos_request_options, e **C.cos_error) C.cos_status {
		return C.cos_client_restore_object(p, b, k, C.uint32_t(days), C.cos_restore_tier(tier), o, e)
	})
}

// The generic sub-resource calls: everything the typed calls do not cover (lifecycle, CORS, website,
// inventory, ...) is reachable through these.

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
	if cs.err != nil {
		return nil, nil, cs.err
	}
	o, err := opts.toC()
	if err != nil {
		return nil, nil, err
	}
	defer C.cos_request_options_free(o)
	p, err := c.acquire(ctx)
	if err != nil {
		return nil, nil, err
	}
	defer c.release()
	data, n := bytesArg(body)
	var out *C.cos_bytes
	var info *C.cos_object_info
	var e *C.cos_error
	var st C.cos_status
	if key == nil {
		st = C.cos_client_bucket_subresource(p, m, b, s, data, n, o, &out, &info, &e)
	} else {
		st = C.cos_client_object_subresource(p, m, b, k, s, data, n, o, &out, &info, &e)
	}
	if err := errorFrom(st, e); err != nil {
		return nil, nil, err
	}
	return takeBytes(out), takeInfo(info), nil
}
