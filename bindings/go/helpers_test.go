package cos

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"sync/atomic"
	"testing"
	"time"
)

// The tests run against cos-emulator instances that tests/go_binding.rs starts: a plain one, and one with
// a per-connection rate limit (slow enough to cancel a transfer in the middle). Their addresses come from
// the environment; without them the tests fail (they are not optional: CI must run them).
const (
	envEmulator     = "COS_GO_EMULATOR"
	envSlowEmulator = "COS_GO_SLOW_EMULATOR"

	secretID  = "AKIDcosEmulatorDefault"
	secretKey = "cosEmulatorDefaultSecretKey"
	region    = "ap-guangzhou"

	// checkBucket holds the objects tests/go_binding.rs inspects after `go test` (on both emulators).
	checkBucket = "go-checks-1250000000"
)

func emulatorAddr(t testing.TB, env string) string {
	t.Helper()
	addr := os.Getenv(env)
	if addr == "" {
		t.Fatalf("%s is not set: run these tests through `cargo test --test go_binding`, which starts the emulators", env)
	}
	return addr
}

func testConfig(addr string) Config {
	return Config{Region: region, SecretID: secretID, SecretKey: secretKey, Scheme: "http", Address: addr}
}

// newClient is a client for the plain emulator, closed when the test ends.
func newClient(t testing.TB) *Client {
	t.Helper()
	return clientFor(t, emulatorAddr(t, envEmulator))
}

func clientFor(t testing.TB, addr string) *Client {
	t.Helper()
	c, err := NewClient(testConfig(addr))
	if err != nil {
		t.Fatalf("NewClient: %v", err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

var bucketSeq int64

// newBucket creates a fresh bucket for one test.
func newBucket(t testing.TB, c *Client, tag string) string {
	t.Helper()
	name := fmt.Sprintf("go-%s-%d-%d-1250000000", tag, os.Getpid()%100000, atomic.AddInt64(&bucketSeq, 1))
	if err := c.CreateBucket(context.Background(), name, nil); err != nil {
		t.Fatalf("CreateBucket %s: %v", name, err)
	}
	return name
}

// ensureBucket creates bucket unless it exists (several tests share checkBucket).
func ensureBucket(t testing.TB, c *Client, bucket string) {
	t.Helper()
	err := c.CreateBucket(context.Background(), bucket, nil)
	var se *ServiceError
	if err != nil && !(errors.As(err, &se) && se.Code == "BucketAlreadyOwnedByYou") {
		t.Fatalf("CreateBucket %s: %v", bucket, err)
	}
}

// pattern is the byte pattern tests/go_binding.rs checks objects against (same formula on both sides).
func pattern(n, seed int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte((i*31 + seed*7 + i/251) & 0xff)
	}
	return b
}

func writeTemp(t testing.TB, name string, data []byte) string {
	t.Helper()
	path := t.TempDir() + "/" + name
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// fault adds an emulator fault through its control API (see emulator/README.md).
func fault(t testing.TB, addr, query string) {
	t.Helper()
	resp, err := http.Post("http://"+addr+"/__emulator/faults?"+query, "text/plain", nil)
	if err != nil {
		t.Fatalf("add fault %s: %v", query, err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("fault %s refused: %d %s", query, resp.StatusCode, body)
	}
}

func clearFaults(t testing.TB, addr string) {
	t.Helper()
	req, _ := http.NewRequest("DELETE", "http://"+addr+"/__emulator/faults", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("clear faults: %v", err)
	}
	resp.Body.Close()
}

func mustGet(t testing.TB, c *Client, bucket, key string) []byte {
	t.Helper()
	data, _, err := c.GetObject(context.Background(), bucket, key, nil)
	if err != nil {
		t.Fatalf("GetObject %s/%s: %v", bucket, key, err)
	}
	return data
}

func assertBytes(t testing.TB, what string, got, want []byte) {
	t.Helper()
	if !bytes.Equal(got, want) {
		t.Fatalf("%s: got %d bytes, want %d (equal prefix %d)", what, len(got), len(want), commonPrefix(got, want))
	}
}

func commonPrefix(a, b []byte) int {
	n := 0
	for n < len(a) && n < len(b) && a[n] == b[n] {
		n++
	}
	return n
}

// assertCancelled checks the error of a call a context stopped: it wraps context.Canceled and is a
// *ClientError with StatusCancelled.
func assertCancelled(t testing.TB, what string, err error) {
	t.Helper()
	if err == nil {
		t.Fatalf("%s: no error after the context was cancelled", what)
	}
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("%s: %v does not wrap context.Canceled", what, err)
	}
	var ce *ClientError
	if !errors.As(err, &ce) || ce.Status != StatusCancelled || StatusOf(err) != StatusCancelled {
		t.Fatalf("%s: %v is not a *ClientError with StatusCancelled", what, err)
	}
}

func assertMissing(t testing.TB, c *Client, bucket, key string) {
	t.Helper()
	ok, err := c.ObjectExists(context.Background(), bucket, key)
	if err != nil {
		t.Fatalf("ObjectExists %s: %v", key, err)
	}
	if ok {
		t.Fatalf("%s/%s exists, but must not", bucket, key)
	}
}

func within(t testing.TB, what string, limit time.Duration, start time.Time) {
	t.Helper()
	if d := time.Since(start); d > limit {
		t.Fatalf("%s took %v (more than %v)", what, d, limit)
	}
}
