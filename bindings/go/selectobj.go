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

// SelectRequest is a SELECT on a CSV or JSON object (cos_select_request). The zero value of every field but
// Expression is COS's default: CSV in and out, uncompressed.
type SelectRequest struct {
	// Expression is the SQL, such as "SELECT s.name FROM COSObject s WHERE s.age > 30".
	Expression string
	// InputJSON reads JSON (JSONLines: one document per line) instead of CSV.
	InputJSON, JSONLines bool
	// CSVHeader: how the first CSV line is taken (SelectHeaderNone, SelectHeaderUse, SelectHeaderIgnore).
	CSVHeader SelectFileHeader
	// CSV input delimiters ("" = COS's: "\n" and ",").
	RecordDelimiter, FieldDelimiter string
	// Compression of the object: SelectNone, SelectGzip, SelectBzip2.
	Compression SelectCompression
	// OutputJSON writes JSON records (one a line) instead of CSV.
	OutputJSON bool
}

// SelectFileHeader mirrors cos_select_file_header.
type SelectFileHeader int

const (
	SelectHeaderNone   SelectFileHeader = C.COS_SELECT_FILE_HEADER_NONE
	SelectHeaderUse    SelectFileHeader = C.COS_SELECT_FILE_HEADER_USE
	SelectHeaderIgnore SelectFileHeader = C.COS_SELECT_FILE_HEADER_IGNORE
)

// SelectCompression mirrors cos_select_compression.
type SelectCompression int

const (
	SelectNone  SelectCompression = C.COS_SELECT_COMPRESSION_NONE
	SelectGzip  SelectCompression = C.COS_SELECT_COMPRESSION_GZIP
	SelectBzip2 SelectCompression = C.COS_SELECT_COMPRESSION_BZIP2
)

// SelectStats are the byte counts of the answer's Stats event.
type SelectStats struct {
	BytesScanned, BytesProcessed, BytesReturned int64
}

func (r *SelectRequest) toC() (*C.cos_select_request, error) {
	var cs cstrings
	defer cs.free()
	req := C.cos_select_request_new()
	var fe firstError
	var e *C.cos_error
	fe.add(C.cos_select_request_set_expression(req, cs.str(r.Expression), &e), &e)
	if r.InputJSON {
		kind := C.uint32_t(C.COS_SELECT_JSON_DOCUMENT)
		if r.JSONLines {
			kind = C.COS_SELECT_JSON_LINES
		}
		fe.add(C.cos_select_request_set_input_json(req, kind, &e), &e)
	} else {
		fe.add(C.cos_select_request_set_input_csv(req, C.uint32_t(r.CSVHeader), cs.opt(r.RecordDelimiter), cs.opt(r.FieldDelimiter),
			nil, nil, nil, C.bool(false), &e), &e)
	}
	if r.Compression != SelectNone {
		fe.add(C.cos_select_request_set_compression(req, C.uint32_t(r.Compression), &e), &e)
	}
	if r.OutputJSON {
		fe.add(C.cos_select_request_set_output_json(req, nil, &e), &e)
	}
	fe.keep(cs.err)
	if fe.err != nil {
		C.cos_select_request_free(req)
		return nil, fe.err
	}
	return req, nil
}

// SelectReader reads the records of a SELECT (cos_select_reader) as an io.ReadCloser: io.EOF once the
// answer's End event arrived (then Stats has the counts). The context is checked before every read. One
// goroutine at a time.
type SelectReader struct {
	mu    sync.Mutex
	ctx   context.Context
	r     *C.cos_select_reader
	stats *SelectStats
	eof   bool
}

// Select sends req on bucket/key (opts may name a version) and returns a reader of its records.
func (c *Client) Select(ctx context.Context, bucket, key string, req *SelectRequest, opts *RequestOptions) (*SelectReader, error) {
	sr, err := req.toC()
	if err != nil {
		return nil, err
	}
	defer C.cos_select_request_free(sr)
	var r *C.cos_select_reader
	err = c.objectCall(ctx, bucket, key, opts, func(p *C.cos_client, b, k *C.char, o *C.cos_request_options, e **C.cos_error) C.cos_status {
		return C.cos_select_reader_open(p, b, k, sr, o, &r, e)
	})
	if err != nil {
		return nil, err
	}
	reader := &SelectReader{ctx: ctx, r: r}
	runtime.SetFinalizer(reader, (*SelectReader).Close)
	return reader, nil
}

var errSelectClosed = &ClientError{Status: StatusInvalidArgument, Message: "read from a closed SelectReader"}

// Read implements io.Reader (a record may span two reads).
func (s *SelectReader) Read(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.eof {
		return 0, io.EOF
	}
	if s.r == nil {
		return 0, errSelectClosed
	}
	if len(p) == 0 {
		return 0, nil
	}
	if err := s.ctx.Err(); err != nil {
		return 0, cancelled(err)
	}
	var n C.size_t
	var e *C.cos_error
	st := C.cos_select_reader_read(s.r, (*C.uint8_t)(unsafe.Pointer(&p[0])), C.size_t(len(p)), &n, &e)
	if err := errorFrom(st, e); err != nil {
		return 0, err
	}
	if n == 0 {
		s.eof = true
		if st := C.cos_select_reader_stats(s.r); st != nil {
			s.stats = &SelectStats{
				BytesScanned:   int64(C.cos_select_stats_bytes_scanned(st)),
				BytesProcessed: int64(C.cos_select_stats_bytes_processed(st)),
				BytesReturned:  int64(C.cos_select_stats_bytes_returned(st)),
			}
		}
		return 0, io.EOF
	}
	return int(n), nil
}

// Stats are the answer's counts once Read returned io.EOF, else nil.
func (s *SelectReader) Stats() *SelectStats {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.stats
}

// Close frees the reader and its connection; calling it again does nothing.
func (s *SelectReader) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.r != nil {
		C.cos_select_reader_free(s.r)
		s.r = nil
		runtime.SetFinalizer(s, nil)
	}
	return nil
}
