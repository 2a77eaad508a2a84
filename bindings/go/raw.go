package cos

/*
#include "cos.h"
*/
import "C"

import (
	"context"
)

// RawRequest is one signed request for what the library does not model (cos_raw_request): the client signs
// it, adds the session token, retries it (network errors and 5xx) and bounds it with its deadline.
type RawRequest struct {
	// Method: GET, PUT, POST, DELETE, HEAD, OPTIONS or PATCH.
	Method string
	// Bucket sends it to the bucket's host; Host to another host name (a CI host, ...); neither: the
	// service host.
	Bucket, Host string
	// Path is the decoded path starting with "/" (default "/").
	Path    string
	Query   map[string]string
	Headers map[string]string
	Body    []byte
}

// SendRequest sends r. A 4xx/5xx answer is a *ServiceError; otherwise it returns the HTTP status, the body
// (read into memory, at most 16 MiB) and the response headers.
func (c *Client) SendRequest(ctx context.Context, r *RawRequest) (int, []byte, *ObjectInfo, error) {
	var cs cstrings
	defer cs.free()
	raw := C.cos_raw_request_new()
	defer C.cos_raw_request_free(raw)
	var fe firstError
	var e *C.cos_error
	if r.Method != "" {
		fe.add(C.cos_raw_request_set_method(raw, cs.str(r.Method), &e), &e)
	}
	switch {
	case r.Bucket != "":
		fe.add(C.cos_raw_request_set_bucket(raw, cs.str(r.Bucket), &e), &e)
	case r.Host != "":
		fe.add(C.cos_raw_request_set_host(raw, cs.str(r.Host), &e), &e)
	default:
		fe.add(C.cos_raw_request_set_service(raw, &e), &e)
	}
	if r.Path != "" {
		fe.add(C.cos_raw_request_set_path(raw, cs.str(r.Path), &e), &e)
	}
	for _, k := range sortedKeys(r.Query) {
		fe.add(C.cos_raw_request_add_query(raw, cs.str(k), cs.str(r.Query[k]), &e), &e)
	}
	for _, k := range sortedKeys(r.Headers) {
		fe.add(C.cos_raw_request_add_header(raw, cs.str(k), cs.str(r.Headers[k]), &e), &e)
	}
	if len(r.Body) > 0 {
		ptr, n := bytesArg(r.Body)
		fe.add(C.cos_raw_request_set_body(raw, ptr, n, &e), &e)
	}
	if cs.err != nil {
		return 0, nil, nil, cs.err
	}
	if fe.err != nil {
		return 0, nil, nil, fe.err
	}
	var status C.uint16_t
	var body *C.cos_bytes
	var info *C.cos_object_info
	err := c.call(ctx, &cs, nil, func(p *C.cos_client, _ *C.cos_request_options, e **C.cos_error) C.cos_status {
		return C.cos_client_send_request(p, raw, &status, &body, &info, e)
	})
	if err != nil {
		return 0, nil, nil, err
	}
	return int(status), takeBytes(body), takeInfo(info), nil
}
