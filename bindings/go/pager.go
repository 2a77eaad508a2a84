package cos

import (
	"context"
	"runtime"
)

// pager is the machinery ObjectIterator and VersionIterator share: it hands out the entries of a paged
// listing one at a time, fetches the next page from its source when the one in hand is used up (ctx is
// checked before each fetch, as no C call can be interrupted), gathers the common prefixes of every page,
// and frees the source at the end, on an error, or on close. A zero pager is at its end. This file has no
// cgo: the C iterator is behind pageSource, which keeps the generic code out of the files cgo rewrites.
type pager[T any] struct {
	ctx      context.Context
	src      pageSource[T] // nil once freed, or when the listing never started
	page     []T
	pos      int // the entry of page that advance hands out next
	cur      T
	prefixes []string
	err      error
}

// pageSource is one C listing iterator (cos_object_iter, cos_version_iter). It must be a pointer: the
// finalizer that frees an iterator dropped without Close is set on it.
type pageSource[T any] interface {
	// fetch appends the next page's entries to page and its common prefixes to prefixes; ok is false at
	// the end of the listing.
	fetch(page []T, prefixes []string) (_ []T, _ []string, ok bool, err error)
	free()
}

// start takes the source of a listing, or the error that kept it from starting (src is not used then).
func (pg *pager[T]) start(ctx context.Context, src pageSource[T], err error) {
	pg.ctx, pg.err = ctx, err
	if err == nil {
		pg.src = src
		runtime.SetFinalizer(src, func(s pageSource[T]) { s.free() })
	}
}

// advance moves to the next entry (cur); false at the end or on an error (err).
func (pg *pager[T]) advance() bool {
	for pg.pos >= len(pg.page) {
		if pg.src == nil || pg.err != nil {
			return false
		}
		if err := pg.ctx.Err(); err != nil {
			pg.err = cancelled(err)
			pg.close()
			return false
		}
		page, prefixes, ok, err := pg.src.fetch(pg.page[:0], pg.prefixes)
		if err != nil || !ok {
			pg.err = err
			pg.close()
			return false
		}
		// A page may hold only common prefixes: then the loop fetches the next one.
		pg.page, pg.prefixes, pg.pos = page, prefixes, 0
	}
	pg.cur = pg.page[pg.pos]
	pg.pos++
	return true
}

// close frees the source; calling it again does nothing.
func (pg *pager[T]) close() {
	if pg.src != nil {
		pg.src.free()
		runtime.SetFinalizer(pg.src, nil)
		pg.src = nil
	}
}
