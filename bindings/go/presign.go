package cos

/*
#include "cos.h"
*/
import "C"

import (
	"time"
)

// Presigned and plain URLs: nothing is sent.

// PresignOptions adjusts a presigned URL: its window and what it signs.
type PresignOptions struct {
	// Start fixes the window's start (zero: now, the window starting 60 s earlier as the client signs).
	Start time.Time
	// Expires is the validity (0: 300 s).
	Expires time.Duration
	// Params are query parameters put in the URL and signed (response-content-disposition, versionId, ...).
	Params map[string]string
	// Headers are headers the URL's user must send with exactly these values.
	Headers map[string]string
	// NoSignHost leaves the host unsigned.
	NoSignHost bool
}

// PresignURL is a presigned URL for method ("GET", "PUT", ...) on bucket/key (key "" addresses the bucket),
// with the session token as a signed parameter when the client has one. Nothing is sent.
func (c *Client) PresignURL(method, bucket, key string, opts *PresignOptions) (string, error) {
	return c.sign(method, bucket, key, opts, false)
}

// Authorization is the Authorization header value for method on bucket/key (key "": the bucket), signing
// opts.Params and opts.Headers: pass every header your own HTTP request will carry (those COS signs are
// signed). With temporary credentials, send x-cos-security-token yourself.
func (c *Client) Authorization(method, bucket, key string, opts *PresignOptions) (string, error) {
	return c.sign(method, bucket, key, opts, true)
}

func (c *Client) sign(method, bucket, key string, opts *PresignOptions, auth bool) (string, error) {
	var cs cstrings
	defer cs.free()
	m, b, k := cs.str(method), cs.str(bucket), cs.str(key)
	po := C.cos_presign_options_new()
	defer C.cos_presign_options_free(po)
	var fe firstError
	var e *C.cos_error
	if opts != nil {
		if !opts.Start.IsZero() {
			fe.add(C.cos_presign_options_set_start(po, C.int64_t(opts.Start.Unix()), &e), &e)
		}
		if opts.Expires > 0 {
			secs := opts.Expires / time.Second
			if secs < 1 {
				secs = 1
			}
			fe.add(C.cos_presign_options_set_expires(po, C.uint32_t(secs), &e), &e)
		}
		for _, name := range sortedKeys(opts.Params) {
			fe.add(C.cos_presign_options_add_param(po, cs.str(name), cs.str(opts.Params[name]), &e), &e)
		}
		for _, name := range sortedKeys(opts.Headers) {
			fe.add(C.cos_presign_options_add_header(po, cs.str(name), cs.str(opts.Headers[name]), &e), &e)
		}
		if opts.NoSignHost {
			fe.add(C.cos_presign_options_set_sign_host(po, C.bool(false), &e), &e)
		}
	}
	if cs.err != nil {
		return "", cs.err
	}
	if fe.err != nil {
		return "", fe.err
	}
	var out *C.char
	err := c.call(nil, &cs, nil, func(p *C.cos_client, _ *C.cos_request_options, e **C.cos_error) C.cos_status {
		if auth {
			return C.cos_client_get_authorization(p, m, b, k, po, &out, e)
		}
		return C.cos_client_presign_url_ex(p, m, b, k, po, &out, e)
	})
	if err != nil {
		return "", err
	}
	return takeString(out), nil
}

// ObjectURL is the unsigned URL of an object (scheme, the bucket's host, the encoded key).
func (c *Client) ObjectURL(bucket, key string) (string, error) {
	var cs cstrings
	defer cs.free()
	b, k := cs.str(bucket), cs.str(key)
	var url *C.char
	err := c.call(nil, &cs, nil, func(p *C.cos_client, _ *C.cos_request_options, e **C.cos_error) C.cos_status {
		return C.cos_client_object_url(p, b, k, &url, e)
	})
	if err != nil {
		return "", err
	}
	return takeString(url), nil
}
