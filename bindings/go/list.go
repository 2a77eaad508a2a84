package cos

/*
#include "cos.h"
*/
import "C"

import (
	"context"
	"runtime"
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
	ctx      context.Context
	it       *C.cos_object_iter
	page     []ObjectSummary
	next     int
	cur      ObjectSummary
	prefixes []string
	err      error
}

// List starts a listing of bucket; nothing is sent until Next. Errors come from Err.
func (c *Client) List(ctx context.Context, bucket string, opts *ListOptions) *ObjectIterator {
	if opts == nil {
		opts = &ListOptions{}
	}
	it := &ObjectIterator{ctx: ctx}
	var cs cstrings
	defer cs.free()
	b, prefix, delim := cs.str(bucket), cs.opt(opts.Prefix), cs.opt(opts.Delimiter)
	if cs.err != nil {
		it.err = cs.err
		return it
	}
	p, err := c.acquire(ctx)
	if err != nil {
		it.err = err
		return it
	}
	defer c.release()
	var iter *C.cos_object_iter
	var e *C.cos_error
	st := C.cos_object_iter_new(p, b, prefix, delim, C.uint32_t(opts.PageSize), &iter, &e)
	if err := errorFrom(st, e); err != nil {
		it.err = err
		return it
	}
	it.it = iter
	runtime.SetFinalizer(it, (*ObjectIterator).Close)
	return it
}

// Next advances to the next object, fetching the next page when needed; false at the end or on an error
// (see Err).
func (it *ObjectIterator) Next() bool {
	for it.next >= len(it.page) {
		if it.it == nil || it.err != nil {
			return false
		}
		if err := it.ctx.Err(); err != nil {
			it.err = cancelled(err)
			it.Close()
			return false
		}
		var page *C.cos_object_list
		var e *C.cos_error
		st := C.cos_object_iter_next(it.it, &page, &e)
		if err := errorFrom(st, e); err != nil {
			it.err = err
			it.Close()
			return false
		}
		if page == nil {
			it.Close()
			return false
		}
		it.page, it.next = it.page[:0], 0
		for i := 0; i < int(C.cos_object_list_count(page)); i++ {
			j := C.size_t(i)
			it.page = append(it.page, ObjectSummary{
				Key:          goStr(C.cos_object_list_key(page, j)),
				Size:         int64(C.cos_object_list_size(page, j)),
				ETag:         goStr(C.cos_object_list_etag(page, j)),
				LastModified: goStr(C.cos_object_list_last_modified(page, j)),
				StorageClass: goStr(C.cos_object_list_storage_class(page, j)),
			})
		}
		for i := 0; i < int(C.cos_object_list_prefix_count(page)); i++ {
			it.prefixes = append(it.prefixes, goStr(C.cos_object_list_prefix(page, C.size_t(i))))
		}
		C.cos_object_list_free(page)
	}
	it.cur = it.page[it.next]
	it.next++
	return true
}

// Object is the object Next advanced to.
func (it *ObjectIterator) Object() ObjectSummary { return it.cur }

// CommonPrefixes are the common prefixes of the pages fetched so far (all of them once Next returned
// false without an error); only with a Delimiter.
func (it *ObjectIterator) CommonPrefixes() []string { return it.prefixes }

// Err is the error that ended the listing, nil at its normal end.
func (it *ObjectIterator) Err() error { return it.err }

// Close frees the iterator (done by Next at the end, too); calling it again does nothing.
func (it *ObjectIterator) Close() error {
	if it.it != nil {
		C.cos_object_iter_free(it.it)
		it.it = nil
		runtime.SetFinalizer(it, nil)
	}
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
	ctx      context.Context
	it       *C.cos_version_iter
	page     []ObjectVersion
	next     int
	cur      ObjectVersion
	prefixes []string
	err      error
}

// ListVersions starts a listing of every version and delete marker of bucket (keys ascending, each key's
// versions newest first).
func (c *Client) ListVersions(ctx context.Context, bucket string, opts *ListOptions) *VersionIterator {
	if opts == nil {
		opts = &ListOptions{}
	}
	it := &VersionIterator{ctx: ctx}
	var cs cstrings
	defer cs.free()
	b, prefix, delim := cs.str(bucket), cs.opt(opts.Prefix), cs.opt(opts.Delimiter)
	if cs.err != nil {
		it.err = cs.err
		return it
	}
	p, err := c.acquire(ctx)
	if err != nil {
		it.err = err
		return it
	}
	defer c.release()
	var iter *C.cos_version_iter
	var e *C.cos_error
	st := C.cos_version_iter_new(p, b, prefix, delim, C.uint32_t(opts.PageSize), &iter, &e)
	if err := errorFrom(st, e); err != nil {
		it.err = err
		return it
	}
	it.it = iter
	runtime.SetFinalizer(it, (*VersionIterator).Close)
	return it
}

// Next advances to the next entry; false at the end or on an error (see Err).
func (it *VersionIterator) Next() bool {
	for it.next >= len(it.page) {
		if it.it == nil || it.err != nil {
			return false
		}
		if err := it.ctx.Err(); err != nil {
			it.err = cancelled(err)
			it.Close()
			return false
		}
		var page *C.cos_version_list
		var e *C.cos_error
		st := C.cos_version_iter_next(it.it, &page, &e)
		if err := errorFrom(st, e); err != nil {
			it.err = err
			it.Close()
			return false
		}
		if page == nil {
			it.Close()
			return false
		}
		it.page, it.next = it.page[:0], 0
		for i := 0; i < int(C.cos_version_list_count(page)); i++ {
			j := C.size_t(i)
			it.page = append(it.page, ObjectVersion{
				Key:            goStr(C.cos_version_list_key(page, j)),
				VersionID:      goStr(C.cos_version_list_version_id(page, j)),
				IsLatest:       bool(C.cos_version_list_is_latest(page, j)),
				IsDeleteMarker: bool(C.cos_version_list_is_delete_marker(page, j)),
				LastModified:   goStr(C.cos_version_list_last_modified(page, j)),
				ETag:           goStr(C.cos_version_list_etag(page, j)),
				Size:           int64(C.cos_version_list_size(page, j)),
				StorageClass:   goStr(C.cos_version_list_storage_class(page, j)),
				OwnerID:        goStr(C.cos_version_list_owner_id(page, j)),
			})
		}
		for i := 0; i < int(C.cos_version_list_prefix_count(page)); i++ {
			it.prefixes = append(it.prefixes, goStr(C.cos_version_list_prefix(page, C.size_t(i))))
		}
		C.cos_version_list_free(page)
	}
	it.cur = it.page[it.next]
	it.next++
	return true
}

// Version is the entry Next advanced to.
func (it *VersionIterator) Version() ObjectVersion { return it.cur }

// CommonPrefixes as for ObjectIterator.
func (it *VersionIterator) CommonPrefixes() []string { return it.prefixes }

// Err is the error that ended the listing, nil at its normal end.
func (it *VersionIterator) Err() error { return it.err }

// Close frees the iterator; calling it again does nothing.
func (it *VersionIterator) Close() error {
	if it.it != nil {
		C.cos_version_iter_free(it.it)
		it.it = nil
		runtime.SetFinalizer(it, nil)
	}
	return nil
}
