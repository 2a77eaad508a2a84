package cos

// Credentials from a Go function (cos_client_config_set_credentials_provider). This file has an //export,
// so its preamble holds declarations only.

/*
#include "shims.h"
*/
import "C"

import (
	"fmt"
	"runtime/cgo"
	"time"
)

// Credentials are what a CredentialsProvider gives: permanent keys (no token, no expiry) or temporary ones.
type Credentials struct {
	SecretID, SecretKey, SessionToken string
	// Expires is when temporary credentials stop working (zero: never); the client asks again before then
	// (about half their lifetime before, at most 5 minutes).
	Expires time.Time
}

// CredentialsProvider gives the client its credentials (STS, a vault, ...) instead of Config.SecretID and
// SecretKey. The library calls it before the cached credentials expire, from the goroutine or library
// thread of whichever request needs them, never twice at once; meanwhile other requests go on with the
// current credentials while they are valid. An error (or a panic, which is recovered) fails the operation
// that needed them, with the error's text as its message. It must not call the client.
type CredentialsProvider func() (Credentials, error)

func setCredentialsProvider(conf *C.cos_client_config, p CredentialsProvider) (cgo.Handle, error) {
	return configHandle(p, func(h C.uintptr_t, e **C.cos_error) C.cos_status {
		return C.cosgo_config_set_credentials_provider(conf, h, e)
	})
}

//export cosgoCredentials
func cosgoCredentials(h C.uintptr_t, out *C.cos_credentials) (rc C.int) {
	defer func() {
		if r := recover(); r != nil {
			failCredentials(out, fmt.Sprintf("the credentials provider panicked: %v", r))
			rc = 1
		}
	}()
	provider := cgo.Handle(h).Value().(CredentialsProvider)
	creds, err := provider()
	if err != nil {
		failCredentials(out, "the credentials provider failed: "+err.Error())
		return 1
	}
	var cs cstrings
	defer cs.free()
	var expires int64
	if !creds.Expires.IsZero() {
		expires = creds.Expires.Unix()
	}
	id, key, token := cs.str(creds.SecretID), cs.str(creds.SecretKey), cs.opt(creds.SessionToken)
	if cs.err != nil {
		failCredentials(out, cs.err.Error())
		return 1
	}
	var e *C.cos_error
	st := C.cos_credentials_set(out, id, key, token, C.int64_t(expires), &e)
	if err := errorFrom(st, e); err != nil {
		failCredentials(out, err.Error())
		return 1
	}
	return 0
}

func failCredentials(out *C.cos_credentials, reason string) {
	var cs cstrings
	defer cs.free()
	var e *C.cos_error
	st := C.cos_credentials_fail(out, cs.str(reason), &e)
	_ = errorFrom(st, e)
}
