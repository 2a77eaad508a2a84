package cos

/*
#include "cos.h"
*/
import "C"

import (
	"time"
)

// ByteRange is an inclusive byte range: bytes First..=Last; a negative Last means to the end.
type ByteRange struct {
	First, Last int64
}

// Tag is one key/value pair of an object's or a bucket's tags.
type Tag struct {
	Key, Value string
}

// RequestOptions are the options of one request (cos_request_options): what an upload stores with the
// object, conditions, a range, a version, and any extra header or query parameter. The zero value (or a
// nil pointer) is the defaults: CRC-64 checked, no Content-MD5.
type RequestOptions struct {
	ContentType        string
	CacheControl       string
	ContentDisposition string
	ContentEncoding    string
	// Expires is an HTTP date, sent as given.
	Expires string
	// Metadata is user metadata (x-cos-meta-<name>); values must be ASCII.
	Metadata map[string]string
	// StorageClass: STANDARD, STANDARD_IA, ARCHIVE, DEEP_ARCHIVE, INTELLIGENT_TIERING, MAZ_STANDARD, ...
	StorageClass string
	// ACL is a canned ACL: private, public-read, public-read-write, default.
	ACL string
	// Grants maps a permission (READ, WRITE, READ_ACP, WRITE_ACP, FULL_CONTROL) to grantees such as
	// `id="100000000001"`.
	Grants map[string]string
	// Tags of the object an upload creates (at most 10).
	Tags []Tag
	// ServerSideEncryption is "AES256" or "cos/kms" (with KMSKeyID, optional).
	ServerSideEncryption string
	KMSKeyID             string
	// SSECustomerKey is a 32-byte AES-256 key (SSE-C).
	SSECustomerKey []byte
	// TrafficLimit in bit/s (819200 to 838860800).
	TrafficLimit uint64
	// Range reads only part of the object.
	Range *ByteRange
	// Conditions: ETags and HTTP dates.
	IfMatch, IfNoneMatch, IfModifiedSince, IfUnmodifiedSince string
	// VersionID addresses one version of the object.
	VersionID string
	// CopySourceVersionID copies this version of the source.
	CopySourceVersionID string
	// MetadataDirective for copies: "Copy" (the default) or "Replaced".
	MetadataDirective string
	// ResponseHeaders overrides headers of a GET response (content-type, cache-control, ...).
	ResponseHeaders map[string]string
	// ContentMD5 sends Content-MD5 with uploads.
	ContentMD5 bool
	// NoVerifyCRC turns the CRC-64 check of uploads and downloads off.
	NoVerifyCRC bool
	// Headers and Query: anything else.
	Headers map[string]string
	Query   map[string]string
}

// toC builds the C handle (nil for nil options: the C API's defaults). The caller frees it with
// cos_request_options_free.
func (o *RequestOptions) toC() (*C.cos_request_options, error) {
	if o == nil {
		return nil, nil
	}
	var cs cstrings
	defer cs.free()
	p := C.cos_request_options_new()
	var fe firstError
	var e *C.cos_error
	set := func(value string, f func(v *C.char, e **C.cos_error) C.cos_status) {
		if value != "" {
			fe.add(f(cs.str(value), &e), &e)
		}
	}
	set(o.ContentType, func(v *C.char, e **C.cos_error) C.cos_status {
		return C.cos_request_options_set_content_type(p, v, e)
	})
	set(o.CacheControl, func(v *C.char, e **C.cos_error) C.cos_status {
		return C.cos_request_options_set_cache_control(p, v, e)
	})
	set(o.ContentDisposition, func(v *C.char, e **C.cos_error) C.cos_status {
		return C.cos_request_options_set_content_disposition(p, v, e)
	})
	set(o.ContentEncoding, func(v *C.char, e **C.cos_error) C.cos_status {
		return C.cos_request_options_set_content_encoding(p, v, e)
	})
	set(o.Expires, func(v *C.char, e **C.cos_error) C.cos_status {
		return C.cos_request_options_set_expires(p, v, e)
	})
	set(o.StorageClass, func(v *C.char, e **C.cos_error) C.cos_status {
		return C.cos_request_options_set_storage_class(p, v, e)
	})
	set(o.ACL, func(v *C.char, e **C.cos_error) C.cos_status {
		return C.cos_request_options_set_acl(p, v, e)
	})
	set(o.IfMatch, func(v *C.char, e **C.cos_error) C.cos_status {
		return C.cos_request_options_set_if_match(p, v, e)
	})
	set(o.IfNoneMatch, func(v *C.char, e **C.cos_error) C.cos_status {
		return C.cos_request_options_set_if_none_match(p, v, e)
	})
	set(o.IfModifiedSince, func(v *C.char, e **C.cos_error) C.cos_status {
		return C.cos_request_options_set_if_modified_since(p, v, e)
	})
	set(o.IfUnmodifiedSince, func(v *C.char, e **C.cos_error) C.cos_status {
		return C.cos_request_options_set_if_unmodified_since(p, v, e)
	})
	set(o.VersionID, func(v *C.char, e **C.cos_error) C.cos_status {
		return C.cos_request_options_set_version_id(p, v, e)
	})
	set(o.CopySourceVersionID, func(v *C.char, e **C.cos_error) C.cos_status {
		return C.cos_request_options_set_copy_source_version_id(p, v, e)
	})
	set(o.MetadataDirective, func(v *C.char, e **C.cos_error) C.cos_status {
		return C.cos_request_options_set_metadata_directive(p, v, e)
	})
	if o.ServerSideEncryption != "" {
		fe.add(C.cos_request_options_set_server_side_encryption(p, cs.str(o.ServerSideEncryption), cs.opt(o.KMSKeyID), &e), &e)
	}
	if len(o.SSECustomerKey) > 0 {
		data, n := bytesArg(o.SSECustomerKey)
		fe.add(C.cos_request_options_set_sse_customer_key(p, data, n, &e), &e)
	}
	if o.TrafficLimit > 0 {
		fe.add(C.cos_request_options_set_traffic_limit(p, C.uint64_t(o.TrafficLimit), &e), &e)
	}
	if o.Range != nil {
		first := o.Range.First
		if first < 0 {
			first = 0
		}
		fe.add(C.cos_request_options_set_range(p, C.uint64_t(first), C.int64_t(o.Range.Last), &e), &e)
	}
	if o.ContentMD5 {
		fe.add(C.cos_request_options_set_content_md5(p, C.bool(true), &e), &e)
	}
	if o.NoVerifyCRC {
		fe.add(C.cos_request_options_set_verify_crc(p, C.bool(false), &e), &e)
	}
	for _, k := range sortedKeys(o.Metadata) {
		fe.add(C.cos_request_options_set_metadata(p, cs.str(k), cs.str(o.Metadata[k]), &e), &e)
	}
	for _, k := range sortedKeys(o.Grants) {
		fe.add(C.cos_request_options_set_grant(p, cs.str(k), cs.str(o.Grants[k]), &e), &e)
	}
	for _, k := range sortedKeys(o.ResponseHeaders) {
		fe.add(C.cos_request_options_set_response_header(p, cs.str(k), cs.str(o.ResponseHeaders[k]), &e), &e)
	}
	for _, k := range sortedKeys(o.Headers) {
		fe.add(C.cos_request_options_set_header(p, cs.str(k), cs.str(o.Headers[k]), &e), &e)
	}
	for _, k := range sortedKeys(o.Query) {
		fe.add(C.cos_request_options_set_query(p, cs.str(k), cs.str(o.Query[k]), &e), &e)
	}
	if len(o.Tags) > 0 {
		set, err := tagSet(o.Tags)
		fe.keep(err)
		if err == nil {
			fe.add(C.cos_request_options_set_tags(p, set, &e), &e)
			C.cos_tag_set_free(set)
		}
	}
	fe.keep(cs.err)
	if fe.err != nil {
		C.cos_request_options_free(p)
		return nil, fe.err
	}
	return p, nil
}

// tagSet builds a cos_tag_set (COS's rules are checked by cos_tag_set_add); the caller frees it.
func tagSet(tags []Tag) (*C.cos_tag_set, error) {
	var cs cstrings
	defer cs.free()
	set := C.cos_tag_set_new()
	var fe firstError
	var e *C.cos_error
	for _, t := range tags {
		fe.add(C.cos_tag_set_add(set, cs.str(t.Key), cs.str(t.Value), &e), &e)
	}
	fe.keep(cs.err)
	if fe.err != nil {
		C.cos_tag_set_free(set)
		return nil, fe.err
	}
	return set, nil
}

// tagsFrom copies a tag set into Go values and frees it.
func tagsFrom(set *C.cos_tag_set) []Tag {
	defer C.cos_tag_set_free(set)
	n := int(C.cos_tag_set_count(set))
	tags := make([]Tag, 0, n)
	for i := 0; i < n; i++ {
		tags = append(tags, Tag{Key: goStr(C.cos_tag_set_key(set, C.size_t(i))), Value: goStr(C.cos_tag_set_value(set, C.size_t(i)))})
	}
	return tags
}

// TransferOptions are the options of a managed transfer (UploadFile, DownloadFile, Copy, CopyFrom,
// UploadReader; per file in TreeOptions) and of an ObjectWriter. The zero value (or nil) is the defaults:
// 8 MiB parts (more for huge objects), 4 parts in flight, a checkpoint beside the local file, CRC-64 checked.
type TransferOptions struct {
	// PartSize in bytes (at least 1 MiB; 0 = automatic).
	PartSize int64
	// Jobs is the number of parts in flight (1..=64; 0 = 4).
	Jobs int
	// Checkpoint is where the resume checkpoint is kept ("" = beside the local file).
	Checkpoint string
	// NoResume turns resuming off: an interrupted transfer starts over and keeps no checkpoint.
	NoResume bool
	// PartTimeout bounds each part, all its attempts included (0 = no bound of its own).
	PartTimeout time.Duration
	// CopyThreshold: copies of objects at least this large use parallel part-copies (0 = 5 GiB).
	CopyThreshold int64
	// Request are the request options of the object (content type, metadata, ...).
	Request *RequestOptions
	// Progress, when set, is called with the bytes done and the total (0 while unknown) on the calling
	// goroutine, at most every 64 KiB or 100 ms plus a final call; done never decreases. A panic inside it
	// cancels the transfer, which returns an error wrapping a *PanicError.
	Progress func(done, total int64)
}

// toC builds the C handle with the cancel token attached (tok may be nil); the caller frees it.
func (o *TransferOptions) toC(tok *C.cos_cancel_token) (*C.cos_transfer_options, error) {
	p := C.cos_transfer_options_new()
	var fe firstError
	var e *C.cos_error
	if tok != nil {
		fe.add(C.cos_transfer_options_set_cancel_token(p, tok, &e), &e)
	}
	if o != nil {
		var cs cstrings
		defer cs.free()
		if o.PartSize > 0 {
			fe.add(C.cos_transfer_options_set_part_size(p, C.uint64_t(o.PartSize), &e), &e)
		}
		if o.Jobs > 0 {
			fe.add(C.cos_transfer_options_set_concurrency(p, C.uint32_t(o.Jobs), &e), &e)
		}
		if o.Checkpoint != "" {
			fe.add(C.cos_transfer_options_set_checkpoint_path(p, cs.str(o.Checkpoint), &e), &e)
		}
		if o.NoResume {
			fe.add(C.cos_transfer_options_set_resumable(p, C.bool(false), &e), &e)
		}
		if o.PartTimeout > 0 {
			fe.add(C.cos_transfer_options_set_part_timeout_ms(p, C.uint64_t(o.PartTimeout.Milliseconds()), &e), &e)
		}
		if o.CopyThreshold > 0 {
			fe.add(C.cos_transfer_options_set_copy_threshold(p, C.uint64_t(o.CopyThreshold), &e), &e)
		}
		if o.Request != nil {
			ro, err := o.Request.toC()
			fe.keep(err)
			if err == nil {
				fe.add(C.cos_transfer_options_set_request_options(p, ro, &e), &e)
				C.cos_request_options_free(ro)
			}
		}
		fe.keep(cs.err)
	}
	if fe.err != nil {
		C.cos_transfer_options_free(p)
		return nil, fe.err
	}
	return p, nil
}
