package cos

/*
#include "cos.h"
*/
import "C"

import (
	"context"
)

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
	return c.call(ctx, &cs, opts, func(p *C.cos_client, o *C.cos_request_options, e **C.cos_error) C.cos_status {
		return C.cos_client_put_bucket_acl(p, b, acl, o, e)
	})
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
