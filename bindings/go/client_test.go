package cos

import (
	"context"
	"errors"
	"io"
	"strings"
	"sync"
	"testing"
)

func TestVersionAndStatusNames(t *testing.T) {
	if v := Version(); strings.Count(v, ".") != 2 {
		t.Fatalf("Version() = %q", v)
	}
	if StatusCancelled.String() != "COS_CANCELLED" || StatusServiceError.String() != "COS_SERVICE_ERROR" {
		t.Fatalf("names: %v %v", StatusCancelled, StatusServiceError)
	}
	if Status(999).String() != "Status(999)" {
		t.Fatalf("unknown: %v", Status(999))
	}
	if !strings.HasPrefix(StatusServiceError.Describe(), "COS_SERVICE_ERROR") {
		t.Fatalf("Describe: %q", StatusServiceError.Describe())
	}
	if StatusOf(nil) != StatusOK || StatusOf(errors.New("x")) != StatusInternalError {
		t.Fatal("StatusOf")
	}
}

func TestClientFromConfigAndFromEnv(t *testing.T) {
	ctx := context.Background()
	addr := emulatorAddr(t, envEmulator)
	c := newClient(t)
	bucket := newBucket(t, c, "env")
	if _, err := c.PutObject(ctx, bucket, "hello.txt", []byte("hello from config"), nil); err != nil {
		t.Fatal(err)
	}

	t.Setenv("COS_SECRET_ID", secretID)
	t.Setenv("COS_SECRET_KEY", secretKey)
	t.Setenv("COS_REGION", region)
	t.Setenv("COS_SCHEME", "http")
	t.Setenv("COS_ADDRESS", addr)
	envClient, err := NewClientFromEnv()
	if err != nil {
		t.Fatalf("NewClientFromEnv: %v", err)
	}
	defer envClient.Close()
	if got := string(mustGet(t, envClient, bucket, "hello.txt")); got != "hello from config" {
		t.Fatalf("through the env client: %q", got)
	}

	// A number that does not parse is COS_INVALID_ARGUMENT naming the variable.
	t.Setenv("COS_MAX_RETRIES", "many")
	_, err = NewClientFromEnv()
	var ce *ClientError
	if !errors.As(err, &ce) || ce.Status != StatusInvalidArgument || !strings.Contains(ce.Message, "COS_MAX_RETRIES") {
		t.Fatalf("bad COS_MAX_RETRIES: %v", err)
	}
}

func TestNewClientRefusesBadConfig(t *testing.T) {
	_, err := NewClient(Config{Region: region, SecretID: secretID, SecretKey: secretKey, Scheme: "gopher"})
	var ce *ClientError
	if !errors.As(err, &ce) || ce.Status != StatusInvalidArgument {
		t.Fatalf("bad scheme: %v", err)
	}
}

func TestCloseTwiceAndUseAfterClose(t *testing.T) {
	ctx := context.Background()
	c, err := NewClient(testConfig(emulatorAddr(t, envEmulator)))
	if err != nil {
		t.Fatal(err)
	}
	bucket := newBucket(t, c, "close")
	if _, err := c.PutObject(ctx, bucket, "outlives.txt", []byte("read after Close"), nil); err != nil {
		t.Fatal(err)
	}
	// Handles made before Close stay usable after it: the C iterator, reader and writer hold their own
	// reference to the client's connection pool.
	it := c.List(ctx, bucket, nil)
	r, err := c.NewReader(ctx, bucket, "outlives.txt", nil)
	if err != nil {
		t.Fatal(err)
	}
	w, err := c.NewWriter(ctx, bucket, "written-after-close.txt", nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	if err := c.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	_, err = c.PutObject(ctx, bucket, "k", []byte("x"), nil)
	if !errors.Is(err, ErrClosed) {
		t.Fatalf("PutObject after Close: %v", err)
	}
	var ce *ClientError
	if !errors.As(err, &ce) || ce.Status != StatusInvalidArgument {
		t.Fatalf("ErrClosed is not a ClientError: %v", err)
	}
	if _, err := c.UploadFile(ctx, bucket, "k", "/nonexistent", nil); !errors.Is(err, ErrClosed) {
		t.Fatalf("UploadFile after Close: %v", err)
	}
	if _, err := c.NewReader(ctx, bucket, "k", nil); !errors.Is(err, ErrClosed) {
		t.Fatalf("NewReader after Close: %v", err)
	}
	if it2 := c.List(ctx, bucket, nil); it2.Next() || !errors.Is(it2.Err(), ErrClosed) {
		t.Fatalf("List after Close: %v", it2.Err())
	}
	if _, err := c.PresignURL("GET", bucket, "k", nil); !errors.Is(err, ErrClosed) {
		t.Fatalf("PresignURL after Close: %v", err)
	}
	n := 0
	for it.Next() {
		n++
	}
	if it.Err() != nil || n != 1 {
		t.Fatalf("an iterator made before Close: %d keys, %v", n, it.Err())
	}
	it.Close()
	it.Close()
	if got, err := io.ReadAll(r); err != nil || string(got) != "read after Close" {
		t.Fatalf("a reader made before Close: %q %v", got, err)
	}
	r.Close()
	if _, err := w.Write([]byte("late")); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatalf("a writer made before Close: %v", err)
	}
	other := newClient(t)
	if got := string(mustGet(t, other, bucket, "written-after-close.txt")); got != "late" {
		t.Fatalf("the late writer's object: %q", got)
	}
}

func TestLoggerGetsOneLinePerAttempt(t *testing.T) {
	ctx := context.Background()
	var mu sync.Mutex
	var lines []string
	cfg := testConfig(emulatorAddr(t, envEmulator))
	cfg.Log = func(level LogLevel, msg string) {
		mu.Lock()
		lines = append(lines, level.String()+" "+msg)
		mu.Unlock()
	}
	c, err := NewClient(cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	bucket := newBucket(t, c, "log")
	if _, err := c.PutObject(ctx, bucket, "logged/key.txt", []byte("x"), nil); err != nil {
		t.Fatal(err)
	}
	// A transfer logs from the library's worker threads, several at once (the race detector watches).
	src := writeTemp(t, "log.bin", pattern(3*mib, 1))
	if _, err := c.UploadFile(ctx, bucket, "logged/parts.bin", src, &TransferOptions{PartSize: mib, Jobs: 3}); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	found := false
	for _, l := range lines {
		if strings.HasPrefix(l, "INFO ") && strings.Contains(l, "PUT") && strings.Contains(l, "logged/key.txt") {
			found = true
		}
		if strings.Contains(l, secretKey) {
			t.Fatalf("a log line holds the secret key: %s", l)
		}
	}
	if !found || len(lines) < 5 {
		t.Fatalf("log lines: %q", lines)
	}

	// A logger that panics loses its lines, nothing else.
	cfg.Log = func(LogLevel, string) { panic("logger exploded") }
	cfg.LogLevel = LogTrace
	c2, err := NewClient(cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer c2.Close()
	if _, err := c2.PutObject(ctx, bucket, "after-panic", []byte("y"), nil); err != nil {
		t.Fatalf("with a panicking logger: %v", err)
	}
	cfg.LogLevel = 42
	if _, err := NewClient(cfg); StatusOf(err) != StatusInvalidArgument {
		t.Fatalf("bad log level: %v", err)
	}
}

func TestObserverGetsRequestMetrics(t *testing.T) {
	ctx := context.Background()
	var mu sync.Mutex
	var seen []RequestMetrics
	cfg := testConfig(emulatorAddr(t, envEmulator))
	cfg.Observer = func(m RequestMetrics) {
		mu.Lock()
		seen = append(seen, m)
		mu.Unlock()
	}
	c, err := NewClient(cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	bucket := newBucket(t, c, "observe")
	if _, err := c.PutObject(ctx, bucket, "m.bin", pattern(5000, 1), nil); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	var put *RequestMetrics
	for i := range seen {
		if seen[i].Method == "PUT" && seen[i].Path == "/m.bin" {
			put = &seen[i]
		}
	}
	if put == nil || put.Status != 200 || put.Attempts != 1 || len(put.RequestIDs) != 1 || put.BytesSent != 5000 ||
		put.Total <= 0 || !strings.HasPrefix(put.Host, bucket) {
		t.Fatalf("metrics %+v (all: %+v)", put, seen)
	}
}
