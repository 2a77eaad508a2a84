package cos

// The only file with #cgo directives: they apply to the whole package. pkg-config finds an installed
// libcos (make install writes lib/pkgconfig/cos.pc); point PKG_CONFIG_PATH at it, or set CGO_CFLAGS and
// CGO_LDFLAGS by hand and build with a cos.pc of your own (see README.md).

/*
#cgo pkg-config: cos
#include <stdlib.h>
#include "cos.h"
*/
import "C"

import (
	"runtime/cgo"
	"sort"
	"strings"
	"unsafe"
)

// cstrings collects the C copies of Go strings made for one call (and the C arrays of them), so that a
// single deferred free releases them all. A Go string holding a NUL byte cannot be passed to C without silently becoming another string,
// so it is refused (err) instead.
type cstrings struct {
	ptrs []*C.char
	err  error
}

// str returns a C copy of s, freed by free.
func (cs *cstrings) str(s string) *C.char {
	if strings.IndexByte(s, 0) >= 0 && cs.err == nil {
		cs.err = &ClientError{Status: StatusInvalidArgument, Message: "a string argument contains a NUL byte: " + quoteShort(s)}
	}
	p := C.CString(s)
	cs.ptrs = append(cs.ptrs, p)
	return p
}

// opt is str, except that "" gives NULL (the C API's "not set" for optional strings).
func (cs *cstrings) opt(s string) *C.char {
	if s == "" {
		return nil
	}
	return cs.str(s)
}

// array allocates a C array of n C strings (NULL for n == 0), freed with the strings by free, and gives its
// slots to fill. C memory rather than a Go array of C pointers keeps the cgo pointer check out of the
// question for any n.
func (cs *cstrings) array(n int) (**C.char, []*C.char) {
	if n == 0 {
		return nil, nil
	}
	arr := (**C.char)(C.malloc(C.size_t(n) * C.size_t(unsafe.Sizeof((*C.char)(nil)))))
	cs.ptrs = append(cs.ptrs, (*C.char)(unsafe.Pointer(arr)))
	return arr, unsafe.Slice(arr, n)
}

func (cs *cstrings) free() {
	for _, p := range cs.ptrs {
		C.free(unsafe.Pointer(p))
	}
	cs.ptrs = nil
}

func quoteShort(s string) string {
	if len(s) > 64 {
		s = s[:64] + "..."
	}
	return strings.ReplaceAll(s, "\x00", `\0`)
}

// goStr copies a C string owned by a handle; NULL (an absent field) is "".
func goStr(p *C.char) string {
	if p == nil {
		return ""
	}
	return C.GoString(p)
}

// goBytes copies n bytes of C memory (C.GoBytes takes an int length, too small for large objects).
func goBytes(p *C.uint8_t, n C.size_t) []byte {
	out := make([]byte, int(n))
	if n > 0 {
		copy(out, unsafe.Slice((*byte)(unsafe.Pointer(p)), int(n)))
	}
	return out
}

// bytesArg passes a Go byte slice to C for the duration of one call (allowed by the cgo rules: the memory
// holds no Go pointers and C does not keep it). An empty slice is (NULL, 0), which the C API accepts.
func bytesArg(b []byte) (*C.uint8_t, C.size_t) {
	if len(b) == 0 {
		return nil, 0
	}
	return (*C.uint8_t)(unsafe.Pointer(&b[0])), C.size_t(len(b))
}

// takeBytes copies a cos_bytes handle into Go memory and frees it.
func takeBytes(b *C.cos_bytes) []byte {
	if b == nil {
		return nil
	}
	defer C.cos_bytes_free(b)
	return goBytes(C.cos_bytes_data(b), C.cos_bytes_len(b))
}

// takeString copies a string the library allocated and frees it with cos_string_free.
func takeString(p *C.char) string {
	if p == nil {
		return ""
	}
	defer C.cos_string_free(p)
	return C.GoString(p)
}

// sortedKeys makes the order in which a map is applied to a C handle deterministic.
func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// configHandle gives v to a C config setter as a runtime/cgo.Handle (C keeps no Go pointer) and deletes
// the handle again when the setter fails; the caller deletes it once the C side is done with it.
func configHandle(v interface{}, set func(h C.uintptr_t, e **C.cos_error) C.cos_status) (cgo.Handle, error) {
	h := cgo.NewHandle(v)
	var e *C.cos_error
	st := set(C.uintptr_t(h), &e)
	if err := errorFrom(st, e); err != nil {
		h.Delete()
		return 0, err
	}
	return h, nil
}

// Version is the version of the loaded libcos ("MAJOR.MINOR.PATCH").
func Version() string {
	return C.GoString(C.cos_version())
}
