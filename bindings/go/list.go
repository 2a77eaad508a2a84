package cos

/*
#include "cos.h"
*/
import "C"

import (
	"context"
)

// ListOptions narrows a listing. The zero value lists every key of the bucket, 1000 a page.
type ListOptions struct {
	Prefix string
	// Delimiter (usually "/") groups keys into common prefixes ("directories") instead of listing them.
	Delimiter string
	// PageSize is the number of keys a request asks for (0 = 1000).
	PageSize int
}

// ObjectSummary is one key of a listing.
type ObjectSummary struct {
	Key          string
	Size         int64
	ETag         string
	LastModified string // ISO 8601, as COS sends it
	StorageClass string
}

// ObjectIterator walks a paged listing (cos_object_iter): fetch pages as Next needs them.
//
//	it := client.List(ctx, bucket, &cos.ListOptions{Prefix: "logs/", Delimiter: "/"})
//	defer it.Close()
//	for it.Next() {
//		fmt.Println(it.Object().Key)
//	}
//	if err := it.Err(); err != nil { ... }
//	dirs := it.CommonPrefixes()
//
// It is for one goroutine; it stays valid after its Client is closed.
type ObjectIterator struct {
	pages pager[ObjectSummary]
}

// List starts a listing of bucket; nothing is sent until Next. Errors come from Err.
func (c *Client) List(ctx context.Context, bucket string, opts *ListOptions) *ObjectIterator {
	var iter *C.cos_object_iter
	err := c.openListing(ctx, bucket, opts, func(p *C.cos_client, b, prefix, delim *C.char, pageSize C.uint32_t, e **C.cos_error) C.cos_status {
		return C.cos_object_iter_new(p, b, prefix, delim, pageSize, &iter, e)
	})
	it := &ObjectIterator{}
	it.pages.start(ctx, &objectPages{iter}, err)
	return it
}

// Next advances to the next object, fetching the next page when needed; false at the end or on an error
// (see Err).
func (it *ObjectIterator) Next() bool { return it.pages.advance() }

// Object is the object Next advanced to.
func (it *ObjectIterator) Object() ObjectSummary { return it.pages.cur }

// CommonPrefixes are the common prefixes of the pages fetched so far (all of them once Next returned
// false without an error); only with a Delimiter.
func (it *ObjectIterator) CommonPrefixes() []string { return it.pages.prefixes }

// Err is the error that ended the listing, nil at its normal end.
func (it *ObjectIterator) Err() error { return it.pages.err }

// Close frees the iterator (done by Next at the end, too); calling it again does nothing.
func (it *ObjectIterator) Close() error {
	it.pages.close()
	return nil
}

// ObjectVersion is one entry of a version listing: a version or a delete marker.
type ObjectVersion struct {
	Key string
	// VersionID is "null" for a version written while versioning was off or suspended.
	VersionID      string
	IsLatest       bool
	IsDeleteMarker bool
	LastModified   string
	ETag           string // "" for a delete marker
	Size           int64
	StorageClass   string
	OwnerID        string
}

// VersionIterator walks a paged version listing (cos_version_iter), as ObjectIterator does.
type VersionIterator struct {
	pages pager[ObjectVersion]
}

// ListVersions starts a listing of every version and delete marker of bucket (keys ascending, each key's
// versions newest first).
func (c *Client) ListVersions(ctx context.Context, bucket string, opts *ListOptions) *VersionIterator {
	var iter *C.cos_version_iter
	err := c.openListing(ctx, bucket, opts, func(p *C.cos_client, b, prefix, delim *C.char, pageSize C.uint32_t, e **C.cos_error) C.cos_status {
		return C.cos_version_iter_new(p, b, prefix, delim, pageSize, &iter, e)
	})
	it := &VersionIterator{}
	it.pages.start(ctx, &versionPages{iter}, err)
	return it
}

// Next advances to the next entry; false at the end or on an error (see Err).
func (it *VersionIterator) Next() bool { return it.pages.advance() }

// Version is the entry Next advanced to.
func (it *VersionIterator) Version() ObjectVersion { return it.pages.cur }

// CommonPrefixes as for ObjectIterator.
func (it *VersionIterator) CommonPrefixes() []string { return it.pages.prefixes }

// Err is the error that ended the listing, nil at its normal end.
func (it *VersionIterator) Err() error { return it.pages.err }

// Close frees the iterator; calling it again does nothing.
func (it *VersionIterator) Close() error {
	it.pages.close()
	return nil
}

// openListing runs the C call that makes a listing's iterator, with the listing's arguments in C.
func (c *Client) openListing(ctx context.Context, bucket string, opts *ListOptions, open func(p *C.cos_client, b, prefix, delim *C.char, pageSize C.uint32_t, e **C.cos_error) C.cos_status) error {
	if opts == nil {
		opts = &ListOptions{}
	}
	var cs cstrings
	defer cs.free()
	b, prefix, delim := cs.str(bucket), cs.opt(opts.Prefix), cs.opt(opts.Delimiter)
	return c.call(ctx, &cs, nil, func(p *C.cos_client, _ *C.cos_request_options, e **C.cos_error) C.cos_status {
		return open(p, b, prefix, delim, C.uint32_t(opts.PageSize), e)
	})
}

// objectPages is a cos_object_iter as the source of an ObjectIterator's pager.
type objectPages struct{ it *C.cos_object_iter }

func (s *objectPages) fetch(page []ObjectSummary, prefixes []string) ([]ObjectSummary, []string, bool, error) {
	var list *C.cos_object_list
	var e *C.cos_error
	st := C.cos_object_iter_next(s.it, &list, &e)
	if err := errorFrom(st, e); err != nil || list == nil {
		return page, prefixes, false, err
	}
	defer C.cos_object_list_free(list)
	for i := 0; i < int(C.cos_object_list_count(list)); i++ {
		j := C.size_t(i)
		page = append(page, ObjectSummary{
			Key:          goStr(C.cos_object_list_key(list, j)),
			Size:         int64(C.cos_object_list_size(list, j)),
			ETag:         goStr(C.cos_object_list_etag(list, j)),
			LastModified: goStr(C.cos_object_list_last_modified(list, j)),
			StorageClass: goStr(C.cos_object_list_storage_class(list, j)),
		})
	}
	for i := 0; i < int(C.cos_object_list_prefix_count(list)); i++ {
		prefixes = append(prefixes, goStr(C.cos_object_list_prefix(list, C.size_t(i))))
	}
	return page, prefixes, true, nil
}

func (s *objectPages) free() { C.cos_object_iter_free(s.it) }

// versionPages is a cos_version_iter as the source of a VersionIterator's pager.
type versionPages struct{ it *C.cos_version_iter }

func (s *versionPages) fetch(page []ObjectVersion, prefixes []string) ([]ObjectVersion, []string, bool, error) {
	var list *C.cos_version_list
	var e *C.cos_error
	st := C.cos_version_iter_next(s.it, &list, &e)
	if err := errorFrom(st, e); err != nil || list == nil {
		return page, prefixes, false, err
	}
	defer C.cos_version_list_free(list)
	for i := 0; i < int(C.cos_version_list_count(list)); i++ {
		j := C.size_t(i)
		page = append(page, ObjectVersion{
			Key:            goStr(C.cos_version_list_key(list, j)),
			VersionID:      goStr(C.cos_version_list_version_id(list, j)),
			IsLatest:       bool(C.cos_version_list_is_latest(list, j)),
			IsDeleteMarker: bool(C.cos_version_list_is_delete_marker(list, j)),
			LastModified:   goStr(C.cos_version_list_last_modified(list, j)),
			ETag:           goStr(C.cos_version_list_etag(list, j)),
			Size:           int64(C.cos_version_list_size(list, j)),
			StorageClass:   goStr(C.cos_version_list_storage_class(list, j)),
			OwnerID:        goStr(C.cos_version_list_owner_id(list, j)),
		})
	}
	for i := 0; i < int(C.cos_version_list_prefix_count(list)); i++ {
		prefixes = append(prefixes, goStr(C.cos_version_list_prefix(list, C.size_t(i))))
	}
	return page, prefixes, true, nil
}

func (s *versionPages) free() { C.cos_version_iter_free(s.it) }
