package cos

/*
#include "cos.h"
*/
import "C"

import (
	"context"
)

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

// VersionRef names one object version for DeleteObjectVersions; an empty VersionID deletes the key's
// current object instead (on a versioned bucket that makes a delete marker).
type VersionRef struct {
	Key, VersionID string
}

// DeletedVersion is one entry DeleteObjectVersions reports deleted.
type DeletedVersion struct {
	Key, VersionID string
	// DeleteMarker: the delete made a delete marker (or removed one); DeleteMarkerVersionID is its version.
	DeleteMarker          bool
	DeleteMarkerVersionID string
}

// VersionDeleteError is one entry COS refused to delete.
type VersionDeleteError struct {
	Key, VersionID, Code, Message string
}

// VersionDeleteResult is the outcome of DeleteObjectVersions (Deleted is empty in quiet mode).
type VersionDeleteResult struct {
	Deleted []DeletedVersion
	Errors  []VersionDeleteError
}

// DeleteObjectVersions deletes object versions (DeleteObjects with version ids, batches of 1000).
func (c *Client) DeleteObjectVersions(ctx context.Context, bucket string, refs []VersionRef, quiet bool) (*VersionDeleteResult, error) {
	var cs cstrings
	defer cs.free()
	b := cs.str(bucket)
	keys, ks := cs.array(len(refs))
	ids, vs := cs.array(len(refs))
	for i, r := range refs {
		ks[i], vs[i] = cs.str(r.Key), cs.opt(r.VersionID)
	}
	var out *C.cos_version_delete_result
	err := c.call(ctx, &cs, nil, func(p *C.cos_client, _ *C.cos_request_options, e **C.cos_error) C.cos_status {
		return C.cos_client_delete_object_versions(p, b, keys, ids, C.size_t(len(refs)), C.bool(quiet), &out, e)
	})
	if err != nil {
		return nil, err
	}
	defer C.cos_version_delete_result_free(out)
	res := &VersionDeleteResult{}
	for i := 0; i < int(C.cos_version_delete_result_deleted_count(out)); i++ {
		j := C.size_t(i)
		res.Deleted = append(res.Deleted, DeletedVersion{
			Key:                   goStr(C.cos_version_delete_result_deleted_key(out, j)),
			VersionID:             goStr(C.cos_version_delete_result_deleted_version_id(out, j)),
			DeleteMarker:          bool(C.cos_version_delete_result_deleted_delete_marker(out, j)),
			DeleteMarkerVersionID: goStr(C.cos_version_delete_result_deleted_delete_marker_version_id(out, j)),
		})
	}
	for i := 0; i < int(C.cos_version_delete_result_error_count(out)); i++ {
		j := C.size_t(i)
		res.Errors = append(res.Errors, VersionDeleteError{
			Key:       goStr(C.cos_version_delete_result_error_key(out, j)),
			VersionID: goStr(C.cos_version_delete_result_error_version_id(out, j)),
			Code:      goStr(C.cos_version_delete_result_error_code(out, j)),
			Message:   goStr(C.cos_version_delete_result_error_message(out, j)),
		})
	}
	return res, nil
}
