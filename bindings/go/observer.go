package cos

// Per-request metrics from a Go function (cos_client_config_set_observer). This file has an //export, so
// its preamble holds declarations only.

/*
#include "shims.h"
*/
import "C"

import (
	"runtime/cgo"
	"time"
)

// RequestMetrics is what one request cost, given to Config.Observer when it finished (its response head
// arrived, or it failed for good).
type RequestMetrics struct {
	Method, Host, Path string
	// Status is the final HTTP status, 0 when no answer came.
	Status   int
	Attempts int
	// RequestIDs of the answered attempts, in order.
	RequestIDs               []string
	BytesSent, BytesReceived int64
	// Connect is how long opening the final attempt's connection took; -1 when a pooled connection
	// carried it.
	Connect time.Duration
	// FirstByte: from the final attempt's start to its response head; Total: from the first attempt's
	// start, waits between attempts included.
	FirstByte, Total time.Duration
}

// Observer receives the metrics of every request, on the thread that made it (transfer workers included,
// several at once): it must be safe for concurrent use and must not call the client. A panic inside it is
// recovered and the metrics dropped.
type Observer func(RequestMetrics)

func setObserver(conf *C.cos_client_config, o Observer) (cgo.Handle, error) {
	return configHandle(o, func(h C.uintptr_t, e **C.cos_error) C.cos_status {
		return C.cosgo_config_set_observer(conf, h, e)
	})
}

//export cosgoObserve
func cosgoObserve(h C.uintptr_t, m *C.cos_request_metrics) {
	defer func() { _ = recover() }() // nothing to report it to; it must not unwind into C
	rm := RequestMetrics{
		Method:        goStr(C.cos_request_metrics_method(m)),
		Host:          goStr(C.cos_request_metrics_host(m)),
		Path:          goStr(C.cos_request_metrics_path(m)),
		Status:        int(C.cos_request_metrics_status(m)),
		Attempts:      int(C.cos_request_metrics_attempts(m)),
		BytesSent:     int64(C.cos_request_metrics_bytes_sent(m)),
		BytesReceived: int64(C.cos_request_metrics_bytes_received(m)),
		Connect:       time.Duration(C.cos_request_metrics_connect_us(m)) * time.Microsecond,
		FirstByte:     time.Duration(C.cos_request_metrics_first_byte_us(m)) * time.Microsecond,
		Total:         time.Duration(C.cos_request_metrics_total_us(m)) * time.Microsecond,
	}
	if rm.Connect < 0 {
		rm.Connect = -1
	}
	for i := C.size_t(0); i < C.cos_request_metrics_request_id_count(m); i++ {
		rm.RequestIDs = append(rm.RequestIDs, goStr(C.cos_request_metrics_request_id(m, i)))
	}
	cgo.Handle(h).Value().(Observer)(rm)
}
