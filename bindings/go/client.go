package cos

/*
#include <stdlib.h>
#include "cos.h"
*/
import "C"

import (
	"context"
	"math"
	"runtime"
	"runtime/cgo"
	"sync"
	"time"
)

// Config is what NewClient needs. Zero values keep the library's defaults.
type Config struct {
	// Region such as "ap-guangzhou" (required).
	Region string
	// SecretID and SecretKey: permanent or temporary credentials; SessionToken for temporary ones.
	SecretID, SecretKey, SessionToken string
	// Credentials, when set, gives the credentials instead (temporary ones, refreshed before they expire).
	Credentials CredentialsProvider
	// Scheme is "https" (the default; certificates are always verified) or "http".
	Scheme string
	// Endpoint is the host suffix after "<bucket>." (default cos.<region>.myqcloud.com).
	Endpoint string
	// Domain is a custom domain used as the whole host for every bucket.
	Domain string
	// ServiceHost is the host of ListBuckets (default service.cos.myqcloud.com).
	ServiceHost string
	// Address is "host:port" (or several, comma-separated) to connect to instead of resolving the host; the
	// Host header is unchanged. This is how a local cos-emulator is reached.
	Address   string
	UserAgent string
	// ConnectTimeout (default 10 s) and ReadTimeout (default 30 s: each socket read or write).
	ConnectTimeout, ReadTimeout time.Duration
	// OperationTimeout bounds one whole call, retries included (default: no limit).
	OperationTimeout time.Duration
	// MaxRetries: 0 keeps the default (3 retries after the first attempt); a negative value turns retries off.
	MaxRetries int
	// SwitchDomain fails over from myqcloud.com to tencentcos.cn when a failure did not come from COS.
	SwitchDomain bool
	// ProxyURL is an HTTP proxy, "http://[user[:password]@]host[:port]".
	ProxyURL string
	// CAFile is a PEM file of certificate authorities to trust instead of the compiled-in roots.
	CAFile string
	// Log, when set, receives the client's log lines up to LogLevel (0: LogInfo, every attempt).
	Log      Logger
	LogLevel LogLevel
	// Observer, when set, receives the metrics of every request.
	Observer Observer
}

// Client is a COS client. It is safe for concurrent use by any number of goroutines. Close it when done;
// a Client that becomes unreachable is closed by a finalizer.
type Client struct {
	// mu guards everything below. Every call counts itself in inflight while it uses the C client (acquire,
	// release); Close marks the client closed, trips the cancel tokens of the transfers in flight, waits
	// until inflight is 0 and only then frees the C client, which cos.h forbids while a call runs. A
	// counter rather than a sync.RWMutex: a callback that calls the client again while Close waits gets
	// ErrClosed instead of deadlocking on a second read lock.
	mu       sync.Mutex
	idle     *sync.Cond // signalled when inflight drops to 0
	ptr      *C.cos_client
	closed   bool
	inflight int
	// The cancel tokens of the transfers in flight, which Close trips so that it does not wait for a long
	// transfer to end on its own.
	tokens map[*C.cos_cancel_token]struct{}
	// logger, creds and observer keep Config.Log, Config.Credentials and Config.Observer reachable from
	// C until the C client is freed (0: none).
	logger, creds, observer cgo.Handle
}

func millis(d time.Duration) C.uint32_t {
	if d <= 0 {
		return 0
	}
	ms := d.Milliseconds()
	if ms == 0 {
		ms = 1
	}
	if ms > math.MaxUint32 {
		ms = math.MaxUint32
	}
	return C.uint32_t(ms)
}

// NewClient makes a client from an explicit configuration.
func NewClient(cfg Config) (*Client, error) {
	var cs cstrings
	defer cs.free()
	conf := C.cos_client_config_new()
	defer C.cos_client_config_free(conf)
	var fe firstError
	var e *C.cos_error
	fe.add(C.cos_client_config_set_region(conf, cs.str(cfg.Region), &e), &e)
	if cfg.Credentials == nil || cfg.SecretID != "" || cfg.SecretKey != "" {
		fe.add(C.cos_client_config_set_credentials(conf, cs.str(cfg.SecretID), cs.str(cfg.SecretKey), &e), &e)
	}
	if cfg.SessionToken != "" {
		fe.add(C.cos_client_config_set_session_token(conf, cs.str(cfg.SessionToken), &e), &e)
	}
	if cfg.Scheme != "" {
		fe.add(C.cos_client_config_set_scheme(conf, cs.str(cfg.Scheme), &e), &e)
	}
	if cfg.Endpoint != "" {
		fe.add(C.cos_client_config_set_endpoint(conf, cs.str(cfg.Endpoint), &e), &e)
	}
	if cfg.Domain != "" {
		fe.add(C.cos_client_config_set_domain(conf, cs.str(cfg.Domain), &e), &e)
	}
	if cfg.ServiceHost != "" {
		fe.add(C.cos_client_config_set_service_host(conf, cs.str(cfg.ServiceHost), &e), &e)
	}
	if cfg.Address != "" {
		fe.add(C.cos_client_config_set_address(conf, cs.str(cfg.Address), &e), &e)
	}
	if cfg.UserAgent != "" {
		fe.add(C.cos_client_config_set_user_agent(conf, cs.str(cfg.UserAgent), &e), &e)
	}
	if cfg.ConnectTimeout > 0 || cfg.ReadTimeout > 0 {
		fe.add(C.cos_client_config_set_timeouts(conf, millis(cfg.ConnectTimeout), millis(cfg.ReadTimeout), &e), &e)
	}
	if cfg.OperationTimeout > 0 {
		fe.add(C.cos_client_config_set_operation_timeout(conf, C.uint64_t(cfg.OperationTimeout.Milliseconds()), &e), &e)
	}
	if cfg.MaxRetries != 0 {
		retries := cfg.MaxRetries
		if retries < 0 {
			retries = 0
		}
		fe.add(C.cos_client_config_set_max_retries(conf, C.uint32_t(retries), &e), &e)
	}
	if cfg.SwitchDomain {
		fe.add(C.cos_client_config_set_switch_domain(conf, C.bool(true), &e), &e)
	}
	if cfg.ProxyURL != "" {
		fe.add(C.cos_client_config_set_proxy(conf, cs.str(cfg.ProxyURL), &e), &e)
	}
	if cfg.CAFile != "" {
		fe.add(C.cos_client_config_add_ca_file(conf, cs.str(cfg.CAFile), &e), &e)
	}
	if cs.err != nil {
		return nil, cs.err
	}
	if fe.err != nil {
		return nil, fe.err
	}
	var logger, creds, observer cgo.Handle
	drop := func() {
		for _, h := range []cgo.Handle{logger, creds, observer} {
			if h != 0 {
				h.Delete()
			}
		}
	}
	if cfg.Log != nil {
		h, err := setLogger(conf, cfg.Log, cfg.LogLevel)
		if err != nil {
			return nil, err
		}
		logger = h
	}
	if cfg.Credentials != nil {
		h, err := setCredentialsProvider(conf, cfg.Credentials)
		if err != nil {
			drop()
			return nil, err
		}
		creds = h
	}
	if cfg.Observer != nil {
		h, err := setObserver(conf, cfg.Observer)
		if err != nil {
			drop()
			return nil, err
		}
		observer = h
	}
	var p *C.cos_client
	st := C.cos_client_new(conf, &p, &e)
	if err := errorFrom(st, e); err != nil {
		drop()
		return nil, err
	}
	c := wrapClient(p)
	c.logger, c.creds, c.observer = logger, creds, observer
	return c, nil
}

// NewClientFromEnv makes a client from the COS_* environment variables (cos_client_new_from_env):
// COS_SECRET_ID, COS_SECRET_KEY, COS_SESSION_TOKEN, COS_REGION, COS_SCHEME, COS_ENDPOINT, COS_DOMAIN,
// COS_ADDRESS, COS_CONNECT_TIMEOUT_MS, COS_READ_TIMEOUT_MS, COS_MAX_RETRIES, COS_OPERATION_TIMEOUT_MS, ...
func NewClientFromEnv() (*Client, error) {
	var p *C.cos_client
	var e *C.cos_error
	st := C.cos_client_new_from_env(&p, &e)
	if err := errorFrom(st, e); err != nil {
		return nil, err
	}
	return wrapClient(p), nil
}

func wrapClient(p *C.cos_client) *Client {
	c := &Client{ptr: p, tokens: map[*C.cos_cancel_token]struct{}{}}
	c.idle = sync.NewCond(&c.mu)
	runtime.SetFinalizer(c, (*Client).Close)
	return c
}

// Close frees the C client. Transfers in flight are cancelled (they return an error with StatusCancelled);
// other calls in flight finish (bounded by the client's timeouts); Close returns once every call has
// returned. Calling it again does nothing; every other call after it returns ErrClosed. Do not call it from
// a callback of a call on the same client (it would wait for that call). It always returns nil.
func (c *Client) Close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return nil
	}
	c.closed = true
	for tok := range c.tokens {
		C.cos_cancel_token_cancel(tok)
	}
	for c.inflight > 0 {
		c.idle.Wait()
	}
	C.cos_client_free(c.ptr)
	c.ptr = nil
	for _, h := range []*cgo.Handle{&c.logger, &c.creds, &c.observer} {
		if *h != 0 {
			h.Delete()
			*h = 0
		}
	}
	runtime.SetFinalizer(c, nil)
	return nil
}

// acquire gives the C client for one call and counts the call in flight until release; ErrClosed once
// Close began, cancelled when ctx is done already.
func (c *Client) acquire(ctx context.Context) (*C.cos_client, error) {
	if ctx != nil {
		if err := ctx.Err(); err != nil {
			return nil, cancelled(err)
		}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return nil, ErrClosed
	}
	c.inflight++
	return c.ptr, nil
}

func (c *Client) release() {
	c.mu.Lock()
	c.inflight--
	if c.inflight == 0 {
		c.idle.Broadcast()
	}
	c.mu.Unlock()
}

// track registers a transfer's cancel token so that Close can trip it; untrack when the transfer returned.
func (c *Client) track(tok *C.cos_cancel_token) {
	c.mu.Lock()
	c.tokens[tok] = struct{}{}
	if c.closed {
		C.cos_cancel_token_cancel(tok)
	}
	c.mu.Unlock()
}

func (c *Client) untrack(tok *C.cos_cancel_token) {
	c.mu.Lock()
	delete(c.tokens, tok)
	c.mu.Unlock()
}
