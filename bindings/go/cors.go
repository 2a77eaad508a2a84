package cos

/*
#include "cos.h"
*/
import "C"

import (
	"context"
)

// CORSRule is one rule of a bucket's CORS configuration. MaxAgeSeconds 0 (or the -1 GetBucketCORS
// reports) means none.
type CORSRule struct {
	ID             string
	AllowedOrigins []string // "https://example.com", "https://*.example.com" or "*"
	AllowedMethods []string // GET, PUT, POST, DELETE, HEAD
	AllowedHeaders []string
	ExposeHeaders  []string
	MaxAgeSeconds  int64
}

// PutBucketCORS replaces the bucket's CORS configuration with rules (1 to 100, each with an origin and a
// method; checked before anything is sent).
func (c *Client) PutBucketCORS(ctx context.Context, bucket string, rules []CORSRule) error {
	var cs cstrings
	defer cs.free()
	cors := C.cos_cors_new()
	defer C.cos_cors_free(cors)
	var fe firstError
	var e *C.cos_error
	for _, r := range rules {
		var index C.size_t
		fe.add(C.cos_cors_add_rule(cors, cs.opt(r.ID), &index, &e), &e)
		if fe.err != nil {
			break
		}
		for _, o := range r.AllowedOrigins {
			fe.add(C.cos_cors_rule_add_origin(cors, index, cs.str(o), &e), &e)
		}
		for _, m := range r.AllowedMethods {
			fe.add(C.cos_cors_rule_add_method(cors, index, cs.str(m), &e), &e)
		}
		for _, h := range r.AllowedHeaders {
			fe.add(C.cos_cors_rule_add_allowed_header(cors, index, cs.str(h), &e), &e)
		}
		for _, h := range r.ExposeHeaders {
			fe.add(C.cos_cors_rule_add_expose_header(cors, index, cs.str(h), &e), &e)
		}
		if r.MaxAgeSeconds > 0 {
			fe.add(C.cos_cors_rule_set_max_age(cors, index, C.uint32_t(r.MaxAgeSeconds), &e), &e)
		}
	}
	if cs.err != nil {
		return cs.err
	}
	if fe.err != nil {
		return fe.err
	}
	return c.bucketCall(ctx, bucket, func(p *C.cos_client, b *C.char, e **C.cos_error) C.cos_status {
		return C.cos_client_put_bucket_cors(p, b, cors, e)
	})
}

// GetBucketCORS is the bucket's CORS rules; a bucket without a configuration is a *ServiceError with Code
// "NoSuchCORSConfiguration".
func (c *Client) GetBucketCORS(ctx context.Context, bucket string) ([]CORSRule, error) {
	var cors *C.cos_cors
	err := c.bucketCall(ctx, bucket, func(p *C.cos_client, b *C.char, e **C.cos_error) C.cos_status {
		return C.cos_client_get_bucket_cors(p, b, &cors, e)
	})
	if err != nil {
		return nil, err
	}
	defer C.cos_cors_free(cors)
	list := func(n C.size_t, get func(C.size_t) *C.char) []string {
		out := make([]string, 0, int(n))
		for i := C.size_t(0); i < n; i++ {
			out = append(out, goStr(get(i)))
		}
		return out
	}
	var rules []CORSRule
	for i := C.size_t(0); i < C.cos_cors_rule_count(cors); i++ {
		r := i
		rules = append(rules, CORSRule{
			ID: goStr(C.cos_cors_rule_id(cors, r)),
			AllowedOrigins: list(C.cos_cors_rule_origin_count(cors, r), func(j C.size_t) *C.char {
				return C.cos_cors_rule_origin(cors, r, j)
			}),
			AllowedMethods: list(C.cos_cors_rule_method_count(cors, r), func(j C.size_t) *C.char {
				return C.cos_cors_rule_method(cors, r, j)
			}),
			AllowedHeaders: list(C.cos_cors_rule_allowed_header_count(cors, r), func(j C.size_t) *C.char {
				return C.cos_cors_rule_allowed_header(cors, r, j)
			}),
			ExposeHeaders: list(C.cos_cors_rule_expose_header_count(cors, r), func(j C.size_t) *C.char {
				return C.cos_cors_rule_expose_header(cors, r, j)
			}),
			MaxAgeSeconds: int64(C.cos_cors_rule_max_age(cors, r)),
		})
	}
	return rules, nil
}

// DeleteBucketCORS deletes the bucket's CORS configuration.
func (c *Client) DeleteBucketCORS(ctx context.Context, bucket string) error {
	return c.bucketCall(ctx, bucket, func(p *C.cos_client, b *C.char, e **C.cos_error) C.cos_status {
		return C.cos_client_delete_bucket_cors(p, b, e)
	})
}
