package cos

/*
#include "cos.h"
*/
import "C"

import (
	"context"
	"io"
	"runtime"
	"sync"
	"unsafe"
)

// ObjectReader is a pull-style download (cos_object_reader) and an io.ReadCloser. Read returns io.EOF
// only once the whole object (or range) was read and its CRC-64 verified; a broken connection is resumed
// from the current offset by the library. The context given to NewReader is checked before every read. It
// is for one goroutine at a time (the mutex only keeps misuse from reaching C, where it is undefined); it
// stays valid after its Client is closed.
type ObjectReader struct {
	mu   sync.Mutex
	ctx  context.Context
	r    *C.cos_object_reader
	info *ObjectInfo
	eof  bool
}

// NewReader sends the GET of bucket/key; opts.Range reads a part of it (a ranged reader). Close the reader.
func (c *Client) NewReader(ctx context.Context, bucket, key string, opts *RequestOptions) (*ObjectReader, error) {
	var r *C.cos_object_reader
	err := c.objectCall(ctx, bucket, key, opts, func(p *C.cos_client, b, k *C.char, o *C.cos_request_options, e **C.cos_error) C.cos_status {
		return C.cos_object_reader_open(p, b, k, o, &r, e)
	})
	if err != nil {
		return nil, err
	}
	reader := &ObjectReader{ctx: ctx, r: r, info: infoFrom(C.cos_object_reader_info(r))}
	runtime.SetFinalizer(reader, (*ObjectReader).Close)
	return reader, nil
}

// NewRangeReader reads length bytes of the object from offset (length < 0: to the end).
func (c *Client) NewRangeReader(ctx context.Context, bucket, key string, offset, length int64) (*ObjectReader, error) {
	last := int64(-1)
	if length >= 0 {
		if length == 0 {
			// COS has no empty range; an empty read is an empty reader.
			return &ObjectReader{ctx: ctx, eof: true, info: &ObjectInfo{Size: 0}}, nil
		}
		last = offset + length - 1
	}
	return c.NewReader(ctx, bucket, key, &RequestOptions{Range: &ByteRange{First: offset, Last: last}})
}

// Info is the GET's response headers (for a ranged reader, Size is the range's length).
func (r *ObjectReader) Info() *ObjectInfo { return r.info }

var errReaderClosed = &ClientError{Status: StatusInvalidArgument, Message: "read from a closed ObjectReader"}

// Read implements io.Reader.
func (r *ObjectReader) Read(p []byte) (int, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.eof {
		return 0, io.EOF
	}
	if r.r == nil {
		return 0, errReaderClosed
	}
	if len(p) == 0 {
		return 0, nil
	}
	if err := r.ctx.Err(); err != nil {
		return 0, cancelled(err)
	}
	var n C.size_t
	var e *C.cos_error
	st := C.cos_object_reader_read(r.r, (*C.uint8_t)(unsafe.Pointer(&p[0])), C.size_t(len(p)), &n, &e)
	if err := errorFrom(st, e); err != nil {
		return 0, err
	}
	if n == 0 {
		r.eof = true
		return 0, io.EOF
	}
	return int(n), nil
}

// Close frees the reader and its connection. Calling it again does nothing.
func (r *ObjectReader) Close() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.r != nil {
		C.cos_object_reader_free(r.r)
		r.r = nil
		runtime.SetFinalizer(r, nil)
	}
	return nil
}

// ObjectWriter is a push-style upload (cos_object_writer) and an io.WriteCloser: data is sent one part at a
// time as it fills (memory: one part); an object smaller than a part is one PUT at Close. Close completes
// the object; Abort abandons it (a multipart upload already started is aborted). The context given to
// NewWriter is checked before every write and by Close: a writer whose context is done is aborted, never
// completed. One goroutine at a time.
type ObjectWriter struct {
	mu   sync.Mutex
	ctx  context.Context
	w    *C.cos_object_writer
	info *ObjectInfo
	err  error // the outcome of Close or Abort, returned again by later calls
}

// NewWriter prepares an upload to bucket/key; nothing is sent until a part fills or Close. opts gives the
// part size and the request options (metadata, content type, ...); its Progress is not used.
func (c *Client) NewWriter(ctx context.Context, bucket, key string, opts *TransferOptions) (*ObjectWriter, error) {
	var cs cstrings
	defer cs.free()
	b, k := cs.str(bucket), cs.str(key)
	if cs.err != nil {
		return nil, cs.err
	}
	o, err := opts.toC(nil)
	if err != nil {
		return nil, err
	}
	defer C.cos_transfer_options_free(o)
	var w *C.cos_object_writer
	err = c.call(ctx, &cs, nil, func(p *C.cos_client, _ *C.cos_request_options, e **C.cos_error) C.cos_status {
		return C.cos_object_writer_open(p, b, k, o, &w, e)
	})
	if err != nil {
		return nil, err
	}
	writer := &ObjectWriter{ctx: ctx, w: w}
	// Freeing an unfinished writer aborts its upload best-effort (cos_object_writer_free).
	runtime.SetFinalizer(writer, func(w *ObjectWriter) { _ = w.Abort() })
	return writer, nil
}

var errWriterDone = &ClientError{Status: StatusInvalidArgument, Message: "write to a closed or aborted ObjectWriter"}

// Write implements io.Writer. Full parts are uploaded before it returns.
func (w *ObjectWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.w == nil {
		return 0, errWriterDone
	}
	if err := w.ctx.Err(); err != nil {
		return 0, cancelled(err)
	}
	if len(p) == 0 {
		return 0, nil
	}
	ptr, n := bytesArg(p)
	var e *C.cos_error
	st := C.cos_object_writer_write(w.w, ptr, n, &e)
	if err := errorFrom(st, e); err != nil {
		return 0, err
	}
	return len(p), nil
}

// Close uploads what is left and completes the object (then Info has its ETag and CRC-64). A writer whose
// context is done is aborted instead and Close returns the cancellation. Calling it again returns the same
// result.
func (w *ObjectWriter) Close() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.w == nil {
		return w.err
	}
	if err := w.ctx.Err(); err != nil {
		w.abortLocked()
		w.err = cancelled(err)
		return w.err
	}
	var info *C.cos_object_info
	var e *C.cos_error
	st := C.cos_object_writer_finish(w.w, &info, &e)
	w.err = errorFrom(st, e)
	if w.err == nil {
		w.info = takeInfo(info)
	}
	C.cos_object_writer_free(w.w) // after a failed finish this aborts the upload best-effort
	w.w = nil
	runtime.SetFinalizer(w, nil)
	return w.err
}

// Abort abandons the upload: nothing is stored (a multipart upload already started is aborted, so COS
// frees its parts). It returns the abort request's failure, if any; after Close it does nothing.
func (w *ObjectWriter) Abort() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.w == nil {
		return nil
	}
	err := w.abortLocked()
	w.err = &ClientError{Status: StatusInvalidArgument, Message: "the writer was aborted"}
	return err
}

func (w *ObjectWriter) abortLocked() error {
	var e *C.cos_error
	st := C.cos_object_writer_abort(w.w, &e)
	err := errorFrom(st, e)
	C.cos_object_writer_free(w.w)
	w.w = nil
	runtime.SetFinalizer(w, nil)
	return err
}

// Info is the completed object's headers (ETag, CRC-64, version id) after a successful Close, else nil.
func (w *ObjectWriter) Info() *ObjectInfo {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.info
}

// Put uploads everything r produces through an ObjectWriter (one part in memory at a time) and completes
// the object; on any failure, or when ctx is done, the upload is aborted and nothing is stored.
func (c *Client) Put(ctx context.Context, bucket, key string, r io.Reader, opts *TransferOptions) (*ObjectInfo, error) {
	w, err := c.NewWriter(ctx, bucket, key, opts)
	if err != nil {
		return nil, err
	}
	if _, err := io.CopyBuffer(w, onlyReader{r}, make([]byte, 256<<10)); err != nil {
		_ = w.Abort()
		return nil, err
	}
	if err := w.Close(); err != nil {
		return nil, err
	}
	return w.Info(), nil
}

// Get streams the object (or opts.Range of it) into w through an ObjectReader. The CRC-64 is checked after
// the last byte was written to w, so on a StatusChecksumMismatch error what w got must be discarded.
func (c *Client) Get(ctx context.Context, bucket, key string, w io.Writer, opts *RequestOptions) (*ObjectInfo, error) {
	r, err := c.NewReader(ctx, bucket, key, opts)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	if _, err := io.CopyBuffer(onlyWriter{w}, r, make([]byte, 256<<10)); err != nil {
		return nil, err
	}
	return r.Info(), nil
}

// onlyReader and onlyWriter hide ReadFrom / WriteTo so that io.CopyBuffer uses its buffer: a WriteTo of a
// large in-memory reader would otherwise hand the writer the whole slice in one Write (fine), but a
// ReadFrom of the destination could read from the ObjectReader in tiny pieces (one cgo call each).
type onlyReader struct{ io.Reader }

type onlyWriter struct{ io.Writer }
