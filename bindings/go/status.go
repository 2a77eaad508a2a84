package cos

/*
#include "cos.h"
*/
import "C"

import "strconv"

// Status mirrors the C enum cos_status: the outcome of a call. The values are the C values, which are never
// renumbered.
type Status int

const (
	StatusOK               Status = C.COS_OK
	StatusInvalidArgument  Status = C.COS_INVALID_ARGUMENT
	StatusNetworkError     Status = C.COS_NETWORK_ERROR
	StatusTimeout          Status = C.COS_TIMEOUT
	StatusIOError          Status = C.COS_IO_ERROR
	StatusChecksumMismatch Status = C.COS_CHECKSUM_MISMATCH
	StatusCancelled        Status = C.COS_CANCELLED
	StatusParseError       Status = C.COS_PARSE_ERROR
	StatusInternalError    Status = C.COS_INTERNAL_ERROR
	StatusServiceError     Status = C.COS_SERVICE_ERROR
	StatusTLSError         Status = C.COS_TLS_ERROR
	StatusProxyError       Status = C.COS_PROXY_ERROR
)

var statusNames = map[Status]string{
	StatusOK:               "COS_OK",
	StatusInvalidArgument:  "COS_INVALID_ARGUMENT",
	StatusNetworkError:     "COS_NETWORK_ERROR",
	StatusTimeout:          "COS_TIMEOUT",
	StatusIOError:          "COS_IO_ERROR",
	StatusChecksumMismatch: "COS_CHECKSUM_MISMATCH",
	StatusCancelled:        "COS_CANCELLED",
	StatusParseError:       "COS_PARSE_ERROR",
	StatusInternalError:    "COS_INTERNAL_ERROR",
	StatusServiceError:     "COS_SERVICE_ERROR",
	StatusTLSError:         "COS_TLS_ERROR",
	StatusProxyError:       "COS_PROXY_ERROR",
}

// String is the C name of the status ("COS_CANCELLED"); a value this binding does not know (a newer
// library) is "Status(N)".
func (s Status) String() string {
	if name, ok := statusNames[s]; ok {
		return name
	}
	return "Status(" + strconv.Itoa(int(s)) + ")"
}

// Describe is the library's own one-line description (cos_status_str), such as
// "COS_SERVICE_ERROR: COS answered with an error".
func (s Status) Describe() string {
	return C.GoString(C.cos_status_str(C.cos_status(s)))
}
