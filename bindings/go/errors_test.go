package cos

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"
)

func TestServiceErrorFromAMissingKey(t *testing.T) {
	ctx := context.Background()
	c := newClient(t)
	bucket := newBucket(t, c, "errors")
	_, _, err := c.GetObject(ctx, bucket, "no/such/key.txt", nil)
	var se *ServiceError
	if !errors.As(err, &se) {
		t.Fatalf("GetObject of a missing key: %T %v, not a *ServiceError", err, err)
	}
	if se.StatusCode != 404 || se.Code != "NoSuchKey" {
		t.Fatalf("status %d code %q", se.StatusCode, se.Code)
	}
	if se.Message == "" || se.RequestID == "" {
		t.Fatalf("message %q request id %q", se.Message, se.RequestID)
	}
	if !strings.Contains(se.Resource, "no/such/key.txt") {
		t.Fatalf("resource %q", se.Resource)
	}
	if !strings.Contains(se.RawXML, "<Code>NoSuchKey</Code>") || !strings.Contains(se.RawXML, se.RequestID) {
		t.Fatalf("raw XML %q", se.RawXML)
	}
	if !strings.Contains(se.Digest, "NoSuchKey") || se.Attempts != 1 {
		t.Fatalf("digest %q attempts %d", se.Digest, se.Attempts)
	}
	if se.COSStatus() != StatusServiceError || StatusOf(err) != StatusServiceError {
		t.Fatal("status of a ServiceError")
	}
	if !strings.Contains(err.Error(), "404") || !strings.Contains(err.Error(), "NoSuchKey") {
		t.Fatalf("Error(): %s", err)
	}
	var ce *ClientError
	if errors.As(err, &ce) {
		t.Fatal("a ServiceError is not a ClientError")
	}
	var status StatusError
	if !errors.As(err, &status) {
		t.Fatal("a ServiceError is a StatusError")
	}

	// A HEAD answer has no body: NoSuchResource, still with its request id.
	_, err = c.HeadObject(ctx, bucket, "no/such/key.txt", nil)
	if !errors.As(err, &se) || se.StatusCode != 404 || se.Code != "NoSuchResource" || se.RequestID == "" {
		t.Fatalf("HeadObject of a missing key: %v", err)
	}
	// A missing bucket.
	_, err = c.HeadBucket(ctx, "go-no-such-bucket-1250000000")
	if !errors.As(err, &se) || se.Code != "NoSuchBucket" {
		t.Fatalf("HeadBucket of a missing bucket: %v", err)
	}
}

func TestServiceErrorTraceIDFromAFault(t *testing.T) {
	ctx := context.Background()
	addr := emulatorAddr(t, envEmulator)
	c := newClient(t)
	bucket := newBucket(t, c, "trace")
	defer clearFaults(t, addr)
	fault(t, addr, "kind=status&status=403&code=AccessDenied&message=go+denied&key=denied/")
	_, err := c.PutObject(ctx, bucket, "denied/x", []byte("x"), nil)
	var se *ServiceError
	if !errors.As(err, &se) {
		t.Fatalf("%v", err)
	}
	if se.StatusCode != 403 || se.Code != "AccessDenied" || se.Message != "go denied" || se.TraceID == "" || se.RequestID == "" {
		t.Fatalf("%+v", se)
	}
	if !strings.Contains(se.RawXML, "<TraceId>") {
		t.Fatalf("raw XML %q", se.RawXML)
	}
}

func TestClientErrors(t *testing.T) {
	ctx := context.Background()
	// Nothing listens on port 1: the connection is refused, retries off.
	cfg := testConfig("127.0.0.1:1")
	cfg.MaxRetries = -1
	cfg.ConnectTimeout = 2 * time.Second
	c, err := NewClient(cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_, err = c.PutObject(ctx, "go-unreachable-1250000000", "k", []byte("x"), nil)
	var ce *ClientError
	if !errors.As(err, &ce) {
		t.Fatalf("unreachable endpoint: %T %v", err, err)
	}
	if ce.Status != StatusNetworkError || ce.COSStatus() != StatusNetworkError || ce.Message == "" || ce.HTTPStatus != 0 {
		t.Fatalf("%+v", ce)
	}
	if ce.Attempts != 1 || !strings.Contains(err.Error(), "COS_NETWORK_ERROR") {
		t.Fatalf("attempts %d, %s", ce.Attempts, err)
	}
	var se *ServiceError
	if errors.As(err, &se) {
		t.Fatal("a ClientError is not a ServiceError")
	}

	// Bad arguments, found by the library before anything is sent, and by the binding (a NUL byte).
	good := newClient(t)
	_, err = good.PutObject(ctx, "", "k", nil, nil)
	if !errors.As(err, &ce) || ce.Status != StatusInvalidArgument || ce.Attempts != 0 {
		t.Fatalf("empty bucket: %v", err)
	}
	_, err = good.PutObject(ctx, "go-x-1250000000", "a\x00b", nil, nil)
	if !errors.As(err, &ce) || ce.Status != StatusInvalidArgument || !strings.Contains(ce.Message, "NUL") {
		t.Fatalf("NUL in a key: %v", err)
	}
	_, err = good.PutObject(ctx, "go-x-1250000000", "k", nil, &RequestOptions{Metadata: map[string]string{"bad": "caf\u00e9"}})
	if !errors.As(err, &ce) || ce.Status != StatusInvalidArgument {
		t.Fatalf("non-ASCII metadata: %v", err)
	}
	_, err = good.UploadFile(ctx, "go-x-1250000000", "k", t.TempDir()+"/missing.bin", nil)
	if !errors.As(err, &ce) || ce.Status != StatusIOError {
		t.Fatalf("missing local file: %v", err)
	}
}
