package cos

/*
#include "cos.h"
*/
import "C"

import (
	"context"
)

// LifecycleRule is one rule of a bucket's lifecycle configuration (cos_lifecycle). Zero numbers and empty
// strings are "not set". A rule needs at least one action.
type LifecycleRule struct {
	ID string
	// Prefix of the keys it applies to ("" = the whole bucket), and tags they must carry as well.
	Prefix  string
	Tags    []Tag
	Enabled bool
	// Current versions expire ExpirationDays after creation, or on ExpirationDate (ISO 8601).
	ExpirationDays int
	ExpirationDate string
	// ExpiredObjectDeleteMarker removes delete markers without noncurrent versions (versioned buckets).
	ExpiredObjectDeleteMarker bool
	Transitions               []LifecycleTransition
	// NoncurrentExpirationDays deletes noncurrent versions that many days after they became noncurrent.
	NoncurrentExpirationDays int
	NoncurrentTransitions    []LifecycleTransition // Days only
	// AbortMultipartDays aborts multipart uploads still incomplete that many days after initiation.
	AbortMultipartDays int
}

// LifecycleTransition moves objects to StorageClass after Days (or on Date, ISO 8601).
type LifecycleTransition struct {
	Days         int
	Date         string
	StorageClass string
}

// PutBucketLifecycle replaces the bucket's lifecycle configuration with rules (1 to 1000, each with an
// action, IDs unique; checked before anything is sent).
func (c *Client) PutBucketLifecycle(ctx context.Context, bucket string, rules []LifecycleRule) error {
	var cs cstrings
	defer cs.free()
	lc := C.cos_lifecycle_new()
	defer C.cos_lifecycle_free(lc)
	var fe firstError
	var e *C.cos_error
	for _, r := range rules {
		var i C.size_t
		fe.add(C.cos_lifecycle_add_rule(lc, cs.opt(r.ID), cs.opt(r.Prefix), C.bool(r.Enabled), &i, &e), &e)
		if fe.err != nil {
			break
		}
		for _, t := range r.Tags {
			fe.add(C.cos_lifecycle_rule_add_tag(lc, i, cs.str(t.Key), cs.str(t.Value), &e), &e)
		}
		if r.ExpirationDays > 0 {
			fe.add(C.cos_lifecycle_rule_set_expiration_days(lc, i, C.uint32_t(r.ExpirationDays), &e), &e)
		}
		if r.ExpirationDate != "" {
			fe.add(C.cos_lifecycle_rule_set_expiration_date(lc, i, cs.str(r.ExpirationDate), &e), &e)
		}
		if r.ExpiredObjectDeleteMarker {
			fe.add(C.cos_lifecycle_rule_set_expired_object_delete_marker(lc, i, C.bool(true), &e), &e)
		}
		for _, t := range r.Transitions {
			if t.Date != "" {
				fe.add(C.cos_lifecycle_rule_add_transition_date(lc, i, cs.str(t.Date), cs.str(t.StorageClass), &e), &e)
			} else {
				fe.add(C.cos_lifecycle_rule_add_transition(lc, i, C.uint32_t(t.Days), cs.str(t.StorageClass), &e), &e)
			}
		}
		if r.NoncurrentExpirationDays > 0 {
			fe.add(C.cos_lifecycle_rule_set_noncurrent_expiration_days(lc, i, C.uint32_t(r.NoncurrentExpirationDays), &e), &e)
		}
		for _, t := range r.NoncurrentTransitions {
			fe.add(C.cos_lifecycle_rule_add_noncurrent_transition(lc, i, C.uint32_t(t.Days), cs.str(t.StorageClass), &e), &e)
		}
		if r.AbortMultipartDays > 0 {
			fe.add(C.cos_lifecycle_rule_set_abort_multipart_days(lc, i, C.uint32_t(r.AbortMultipartDays), &e), &e)
		}
	}
	if cs.err != nil {
		return cs.err
	}
	if fe.err != nil {
		return fe.err
	}
	return c.bucketCall(ctx, bucket, func(p *C.cos_client, b *C.char, e **C.cos_error) C.cos_status {
		return C.cos_client_put_bucket_lifecycle(p, b, lc, e)
	})
}

// GetBucketLifecycle is the bucket's lifecycle rules; a bucket without a configuration is a *ServiceError
// with Code "NoSuchLifecycleConfiguration". Elements outside these fields are not parsed: read the raw
// document with BucketSubresource(ctx, "GET", bucket, "lifecycle", nil, nil).
func (c *Client) GetBucketLifecycle(ctx context.Context, bucket string) ([]LifecycleRule, error) {
	var lc *C.cos_lifecycle
	err := c.bucketCall(ctx, bucket, func(p *C.cos_client, b *C.char, e **C.cos_error) C.cos_status {
		return C.cos_client_get_bucket_lifecycle(p, b, &lc, e)
	})
	if err != nil {
		return nil, err
	}
	defer C.cos_lifecycle_free(lc)
	var rules []LifecycleRule
	for i := C.size_t(0); i < C.cos_lifecycle_rule_count(lc); i++ {
		r := LifecycleRule{
			ID:                        goStr(C.cos_lifecycle_rule_id(lc, i)),
			Prefix:                    goStr(C.cos_lifecycle_rule_prefix(lc, i)),
			Enabled:                   bool(C.cos_lifecycle_rule_enabled(lc, i)),
			ExpirationDays:            int(C.cos_lifecycle_rule_expiration_days(lc, i)),
			ExpirationDate:            goStr(C.cos_lifecycle_rule_expiration_date(lc, i)),
			ExpiredObjectDeleteMarker: bool(C.cos_lifecycle_rule_expired_object_delete_marker(lc, i)),
			NoncurrentExpirationDays:  int(C.cos_lifecycle_rule_noncurrent_expiration_days(lc, i)),
			AbortMultipartDays:        int(C.cos_lifecycle_rule_abort_multipart_days(lc, i)),
		}
		for j := C.size_t(0); j < C.cos_lifecycle_rule_tag_count(lc, i); j++ {
			r.Tags = append(r.Tags, Tag{Key: goStr(C.cos_lifecycle_rule_tag_key(lc, i, j)), Value: goStr(C.cos_lifecycle_rule_tag_value(lc, i, j))})
		}
		for j := C.size_t(0); j < C.cos_lifecycle_rule_transition_count(lc, i); j++ {
			r.Transitions = append(r.Transitions, LifecycleTransition{
				Days:         int(C.cos_lifecycle_rule_transition_days(lc, i, j)),
				Date:         goStr(C.cos_lifecycle_rule_transition_date(lc, i, j)),
				StorageClass: goStr(C.cos_lifecycle_rule_transition_storage_class(lc, i, j)),
			})
		}
		for j := C.size_t(0); j < C.cos_lifecycle_rule_noncurrent_transition_count(lc, i); j++ {
			r.NoncurrentTransitions = append(r.NoncurrentTransitions, LifecycleTransition{
				Days:         int(C.cos_lifecycle_rule_noncurrent_transition_days(lc, i, j)),
				StorageClass: goStr(C.cos_lifecycle_rule_noncurrent_transition_storage_class(lc, i, j)),
			})
		}
		rules = append(rules, r)
	}
	return rules, nil
}

// DeleteBucketLifecycle deletes the bucket's lifecycle configuration.
func (c *Client) DeleteBucketLifecycle(ctx context.Context, bucket string) error {
	return c.bucketCall(ctx, bucket, func(p *C.cos_client, b *C.char, e **C.cos_error) C.cos_status {
		return C.cos_client_delete_bucket_lifecycle(p, b, e)
	})
}
