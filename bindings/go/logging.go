package cos

/*
#include "shims.h"
*/
import "C"

import (
	"runtime/cgo"
)

// LogLevel is how much a log line matters (cos_log_severity, shifted so that the zero value of
// Config.LogLevel is "not set").
type LogLevel int

const (
	LogError LogLevel = iota + 1 // reserved for failures of the client itself
	LogWarn                      // a request attempt that failed (it may be retried)
	LogInfo                      // every request attempt that got an answer: one line each
	LogDebug
	LogTrace
)

func (l LogLevel) String() string {
	switch l {
	case LogError:
		return "ERROR"
	case LogWarn:
		return "WARN"
	case LogInfo:
		return "INFO"
	case LogDebug:
		return "DEBUG"
	case LogTrace:
		return "TRACE"
	}
	return "LogLevel(?)"
}

// Logger receives the client's log lines: one per request attempt (method, host, path, status, request id,
// attempt, bytes, latency, and why a retry was made), never a secret, signature or header value. It is called
// on the library's threads, several at once during a transfer, so it must be safe for concurrent use; it must
// not call the client. A panic inside it is recovered and the line dropped.
type Logger func(level LogLevel, message string)

// logHandle is what the C config's userdata points to: the Logger, kept alive by a runtime/cgo.Handle that
// the Client deletes after cos_client_free (after which no line can arrive).
func setLogger(conf *C.cos_client_config, log Logger, max LogLevel) (cgo.Handle, error) {
	if max == 0 {
		max = LogInfo
	}
	if max < LogError || max > LogTrace {
		return 0, &ClientError{Status: StatusInvalidArgument, Message: "Config.LogLevel is not a LogLevel"}
	}
	return configHandle(log, func(h C.uintptr_t, e **C.cos_error) C.cos_status {
		return C.cosgo_config_set_log(conf, h, C.int(max-1), e)
	})
}

//export cosgoLog
func cosgoLog(h C.uintptr_t, level C.int, message *C.char) {
	defer func() { _ = recover() }() // nothing to report it to; it must not unwind into C
	log := cgo.Handle(h).Value().(Logger)
	log(LogLevel(level)+1, C.GoString(message))
}
