package cos

/*
#include "cos.h"
*/
import "C"

import (
	"context"
)

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
