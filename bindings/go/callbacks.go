package cos

// The //export trampolines C calls back into. This file's preamble holds declarations only: cgo copies the
// preamble of a file with //export into two C files, so a definition here would be defined twice. The C
// side of each callback (the cos_*_fn signatures, casting userdata back to a handle) is in shims.c.

/*
#include <stdint.h>
#include "cos.h"
*/
import "C"

import (
	"context"
	"fmt"
	"io"
	"runtime/cgo"
	"runtime/debug"
	"sync"
	"unsafe"
)

// callbackState is what one C call's callbacks work with; C gets it as a runtime/cgo.Handle in userdata,
// never as a Go pointer (C would keep it for the whole call, which the cgo rules forbid).
type callbackState struct {
	ctx      context.Context
	progress func(done, total int64)
	reader   io.Reader

	// The callbacks run on the calling thread (cos.h promises it), but a mutex costs nothing next to a
	// cgo call and keeps the race detector's view simple should a callback ever run elsewhere.
	mu       sync.Mutex
	panicked *PanicError
	ioErr    error
	eof      bool
}

func stateOf(h C.uintptr_t) *callbackState {
	return cgo.Handle(h).Value().(*callbackState)
}

// stop tells whether the callback must stop the C call: a panic or an I/O error already happened, or the
// context is done (a second path besides the cancel token, for calls that have none).
func (s *callbackState) stop() bool {
	s.mu.Lock()
	failed := s.panicked != nil || s.ioErr != nil
	s.mu.Unlock()
	return failed || (s.ctx != nil && s.ctx.Err() != nil)
}

// recoverPanic is deferred by every trampoline: a Go panic must never unwind into C frames, so it is
// stopped here, recorded, and turned into a non-zero return, which makes the C call stop with
// COS_CANCELLED. The call's Go wrapper then returns it as an error (outcome).
func (s *callbackState) recoverPanic(rc *C.int) {
	if r := recover(); r != nil {
		s.mu.Lock()
		if s.panicked == nil {
			s.panicked = &PanicError{Value: r, Stack: debug.Stack()}
		}
		s.mu.Unlock()
		*rc = 1
	}
}

func (s *callbackState) fail(err error) {
	s.mu.Lock()
	if s.ioErr == nil {
		s.ioErr = err
	}
	s.mu.Unlock()
}

// outcome turns a C call's result into the Go error, with what the callbacks saw: a panic wins (even
// over a success: the callback did not finish its work), then an io.Reader error, then the context.
func (s *callbackState) outcome(st C.cos_status, e *C.cos_error) error {
	err := errorFrom(st, e)
	s.mu.Lock()
	panicked, ioErr := s.panicked, s.ioErr
	s.mu.Unlock()
	if panicked != nil {
		status := StatusCancelled
		msg := "a callback panicked"
		if ce, ok := err.(*ClientError); ok {
			status, msg = ce.Status, ce.Message
		}
		return &ClientError{Status: status, Message: fmt.Sprintf("%s (stopped by a panic in a callback)", msg), Cause: panicked}
	}
	if err == nil {
		return nil
	}
	ce, ok := err.(*ClientError)
	if !ok {
		return err
	}
	if ioErr != nil {
		ce.Cause = ioErr
	} else if s.ctx != nil && s.ctx.Err() != nil && ce.Status == StatusCancelled {
		ce.Cause = s.ctx.Err()
	}
	return ce
}

//export cosgoProgress
func cosgoProgress(h C.uintptr_t, done, total C.uint64_t) (rc C.int) {
	s := stateOf(h)
	defer s.recoverPanic(&rc)
	if s.stop() {
		return 1
	}
	if s.progress != nil {
		s.progress(int64(done), int64(total))
	}
	return 0
}

//export cosgoRead
func cosgoRead(h C.uintptr_t, buf *C.uint8_t, capacity C.size_t, written *C.size_t) (rc C.int) {
	s := stateOf(h)
	defer s.recoverPanic(&rc)
	if s.stop() {
		return 1
	}
	if s.eof {
		*written = 0
		return 0
	}
	// The slice points into C memory for the duration of this callback only; io.Reader must not keep it.
	p := unsafe.Slice((*byte)(unsafe.Pointer(buf)), int(capacity))
	for empty := 0; ; empty++ {
		n, err := s.reader.Read(p)
		if err != nil && err != io.EOF {
			if n == 0 {
				s.fail(err)
				return 1
			}
			s.fail(err) // deliver what was read; the next call stops
		}
		if err == io.EOF {
			s.eof = true
		}
		if n > 0 || err == io.EOF {
			*written = C.size_t(n)
			return 0
		}
		// (0, nil) is allowed but discouraged; give up after many in a row rather than spin for ever.
		if empty > 1000 {
			s.fail(io.ErrNoProgress)
			return 1
		}
		if s.stop() {
			return 1
		}
	}
}
