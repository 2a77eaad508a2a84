package cos

/*
#include "cos.h"
*/
import "C"

import (
	"net/http"
	"strings"
	"time"
)

// ObjectInfo is what a response said about an object (cos_object_info): HEAD, GET, PUT, copy, delete.
type ObjectInfo struct {
	// Size is the Content-Length of the response (the object's size for a HEAD or a whole GET; -1 when
	// absent).
	Size int64
	// ETag with its quotes, as COS sends it.
	ETag string
	// CRC64 is COS's CRC-64/ECMA of the object, valid when HasCRC64.
	CRC64    uint64
	HasCRC64 bool
	// ContentType, LastModified (zero when absent), StorageClass ("" for STANDARD, which COS does not send).
	ContentType  string
	LastModified time.Time
	StorageClass string
	// VersionID is x-cos-version-id (versioned buckets); DeleteMarker whether a delete made or hit one.
	VersionID    string
	DeleteMarker bool
	// Metadata is the user metadata: x-cos-meta-<name> headers, keyed by lower-case <name>.
	Metadata map[string]string
	// TagCount is x-cos-tagging-count, -1 when COS sent none.
	TagCount int
	// RestoreOngoing is 1 while an archived object is being restored, 0 when its restored copy is
	// readable (until RestoreExpiry), -1 when the answer says nothing about a restore.
	RestoreOngoing int
	RestoreExpiry  string
	// Header is every response header.
	Header http.Header
}

// infoFrom copies a cos_object_info into Go values; it does not free it (some are borrowed).
func infoFrom(i *C.cos_object_info) *ObjectInfo {
	if i == nil {
		return nil
	}
	info := &ObjectInfo{Header: http.Header{}, Metadata: map[string]string{}}
	n := int(C.cos_object_info_header_count(i))
	for j := 0; j < n; j++ {
		name := goStr(C.cos_object_info_header_name(i, C.size_t(j)))
		value := goStr(C.cos_object_info_header_value(i, C.size_t(j)))
		info.Header.Add(name, value)
		if lower := strings.ToLower(name); strings.HasPrefix(lower, "x-cos-meta-") {
			info.Metadata[strings.TrimPrefix(lower, "x-cos-meta-")] = value
		}
	}
	info.Size = int64(C.cos_object_info_content_length(i))
	info.ETag = goStr(C.cos_object_info_etag(i))
	var crc C.uint64_t
	if C.cos_object_info_crc64(i, &crc) {
		info.CRC64, info.HasCRC64 = uint64(crc), true
	}
	info.ContentType = info.Header.Get("Content-Type")
	if t, err := http.ParseTime(info.Header.Get("Last-Modified")); err == nil {
		info.LastModified = t
	}
	info.StorageClass = info.Header.Get("X-Cos-Storage-Class")
	info.VersionID = info.Header.Get("X-Cos-Version-Id")
	info.DeleteMarker = info.Header.Get("X-Cos-Delete-Marker") == "true"
	info.TagCount = int(C.cos_object_info_tag_count(i))
	info.RestoreOngoing = int(C.cos_object_info_restore_ongoing(i))
	info.RestoreExpiry = goStr(C.cos_object_info_restore_expiry(i))
	return info
}

// takeInfo is infoFrom plus cos_object_info_free, for the info handles a call hands out.
func takeInfo(i *C.cos_object_info) *ObjectInfo {
	defer C.cos_object_info_free(i)
	return infoFrom(i)
}
