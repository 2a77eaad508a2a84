package cos

import (
	"bytes"
	"context"
	"errors"
	"os"
	"sync"
	"testing"
	"time"
)

// progressLog records progress calls and checks them: done never decreases and never passes total.
type progressLog struct {
	mu    sync.Mutex
	calls [][2]int64
}

func (p *progressLog) record(done, total int64) {
	p.mu.Lock()
	p.calls = append(p.calls, [2]int64{done, total})
	p.mu.Unlock()
}

func (p *progressLog) check(t *testing.T, what string, size int64) {
	t.Helper()
	if len(p.calls) == 0 {
		t.Fatalf("%s: no progress call", what)
	}
	var prev int64
	for i, c := range p.calls {
		if c[0] < prev || c[0] > c[1] || c[1] != size {
			t.Fatalf("%s: progress call %d is %v (previous done %d, size %d)", what, i, c, prev, size)
		}
		prev = c[0]
	}
	if last := p.calls[len(p.calls)-1]; last[0] != size {
		t.Fatalf("%s: progress ended at %v, not at %d", what, last, size)
	}
}

func TestUploadAndDownloadFileWithProgress(t *testing.T) {
	ctx := context.Background()
	c := newClient(t)
	ensureBucket(t, c, checkBucket)
	data := pattern(3*mib+12345, 7) // tests/go_binding.rs checks go/pattern.bin against the same bytes
	src := writeTemp(t, "pattern.bin", data)

	var up progressLog
	info, err := c.UploadFile(ctx, checkBucket, "go/pattern.bin", src, &TransferOptions{PartSize: mib, Jobs: 2, Progress: up.record,
		Request: &RequestOptions{ContentType: "application/octet-stream", Metadata: map[string]string{"from": "go"}}})
	if err != nil {
		t.Fatalf("UploadFile: %v", err)
	}
	up.check(t, "upload", int64(len(data)))
	if !info.HasCRC64 {
		t.Fatalf("upload info %+v", info)
	}
	head, err := c.HeadObject(ctx, checkBucket, "go/pattern.bin", nil)
	if err != nil || head.Size != int64(len(data)) || head.CRC64 != info.CRC64 || head.Metadata["from"] != "go" {
		t.Fatalf("head %+v %v", head, err)
	}

	var down progressLog
	dst := t.TempDir() + "/down.bin"
	dinfo, err := c.DownloadFile(ctx, checkBucket, "go/pattern.bin", dst, &TransferOptions{PartSize: mib, Jobs: 3, Progress: down.record})
	if err != nil {
		t.Fatalf("DownloadFile: %v", err)
	}
	down.check(t, "download", int64(len(data)))
	got, err := os.ReadFile(dst)
	if err != nil {
		t.Fatal(err)
	}
	assertBytes(t, "downloaded file", got, data)
	if dinfo.CRC64 != info.CRC64 {
		t.Fatalf("download info %+v", dinfo)
	}
	// Options without progress, and with resuming off, work too.
	if _, err := c.DownloadFile(ctx, checkBucket, "go/pattern.bin", dst, &TransferOptions{NoResume: true}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.UploadFile(ctx, checkBucket, "go/pattern-copy.bin", src, nil); err != nil {
		t.Fatal(err)
	}
	assertBytes(t, "default upload", mustGet(t, c, checkBucket, "go/pattern-copy.bin"), data)
}

func TestPanicInACallbackIsAnError(t *testing.T) {
	ctx := context.Background()
	c := newClient(t)
	bucket := newBucket(t, c, "panic")
	src := writeTemp(t, "p.bin", pattern(2*mib, 1))
	_, err := c.UploadFile(ctx, bucket, "panicked.bin", src, &TransferOptions{PartSize: mib, Progress: func(done, total int64) {
		panic("progress exploded")
	}})
	var pe *PanicError
	if !errors.As(err, &pe) || pe.Value != "progress exploded" || len(pe.Stack) == 0 {
		t.Fatalf("UploadFile with a panicking progress: %v", err)
	}
	var ce *ClientError
	if !errors.As(err, &ce) || ce.Status != StatusCancelled {
		t.Fatalf("not a cancelled ClientError: %v", err)
	}
	assertMissing(t, c, bucket, "panicked.bin")

	// A panic in an io.Reader that UploadReader calls from C.
	_, err = c.UploadReader(ctx, bucket, "panicked-reader.bin", panicReader{}, nil)
	if !errors.As(err, &pe) || pe.Value != "reader exploded" {
		t.Fatalf("UploadReader with a panicking reader: %v", err)
	}
	// The process and the client are fine afterwards.
	if _, err := c.PutObject(ctx, bucket, "after.txt", []byte("still here"), nil); err != nil {
		t.Fatal(err)
	}
	// And a progress callback that panics on a download.
	if _, err := c.DownloadFile(ctx, bucket, "after.txt", t.TempDir()+"/x", &TransferOptions{Progress: func(int64, int64) {
		panic(errors.New("download progress exploded"))
	}}); !errors.As(err, &pe) {
		t.Fatalf("DownloadFile with a panicking progress: %v", err)
	}
}

type panicReader struct{}

func (panicReader) Read([]byte) (int, error) { panic("reader exploded") }

// The transfers that a context cancels in the middle run against the rate-limited emulator, so that they
// are slow enough (seconds) for the cancel to land while parts are moving.

func TestContextCancelsUploadFileMidTransfer(t *testing.T) {
	c := clientFor(t, emulatorAddr(t, envSlowEmulator))
	ensureBucket(t, c, checkBucket)
	data := pattern(8*mib, 3)
	src := writeTemp(t, "big.bin", data)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var cancelledAt time.Time
	var once sync.Once
	var progress progressLog
	stop := func() { once.Do(func() { cancelledAt = time.Now(); cancel() }) }
	timer := time.AfterFunc(700*time.Millisecond, stop)
	defer timer.Stop()
	start := time.Now()
	_, err := c.UploadFile(ctx, checkBucket, "cancel/upload.bin", src, &TransferOptions{PartSize: mib, Jobs: 2, Progress: func(done, total int64) {
		progress.record(done, total)
		if done >= mib {
			stop()
		}
	}})
	assertCancelled(t, "UploadFile", err)
	if cancelledAt.IsZero() {
		t.Fatalf("the upload failed before the cancel: %v", err)
	}
	within(t, "returning after the cancel", 5*time.Second, cancelledAt)
	t.Logf("upload cancelled after %v, returned %v later (%d progress calls)", cancelledAt.Sub(start), time.Since(cancelledAt), len(progress.calls))
	if n := len(progress.calls); n > 0 && progress.calls[n-1][0] >= int64(len(data)) {
		t.Fatalf("the upload finished before the cancel: %v", progress.calls[n-1])
	}
	assertMissing(t, c, checkBucket, "cancel/upload.bin")
}

func TestContextCancelsDownloadFileMidTransfer(t *testing.T) {
	c := clientFor(t, emulatorAddr(t, envSlowEmulator))
	ensureBucket(t, c, checkBucket)
	data := pattern(3*mib, 8)
	if _, err := c.PutObject(context.Background(), checkBucket, "cancel/download-source.bin", data, nil); err != nil {
		t.Fatal(err)
	}
	dst := t.TempDir() + "/partial.bin"
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var cancelledAt time.Time
	var once sync.Once
	stop := func() { once.Do(func() { cancelledAt = time.Now(); cancel() }) }
	timer := time.AfterFunc(500*time.Millisecond, stop)
	defer timer.Stop()
	_, err := c.DownloadFile(ctx, checkBucket, "cancel/download-source.bin", dst, &TransferOptions{PartSize: mib, Jobs: 1, Progress: func(done, total int64) {
		if done > 0 {
			stop()
		}
	}})
	assertCancelled(t, "DownloadFile", err)
	if cancelledAt.IsZero() {
		t.Fatalf("the download failed before the cancel: %v", err)
	}
	within(t, "returning after the cancel", 5*time.Second, cancelledAt)
	if _, err := os.Stat(dst); !os.IsNotExist(err) {
		t.Fatalf("the destination exists after a cancelled download: %v", err)
	}
	// Rerun: the checkpoint lets it resume, and the file is complete.
	if _, err := c.DownloadFile(context.Background(), checkBucket, "cancel/download-source.bin", dst, &TransferOptions{PartSize: mib, Jobs: 3}); err != nil {
		t.Fatalf("resumed download: %v", err)
	}
	got, _ := os.ReadFile(dst)
	assertBytes(t, "resumed download", got, data)
}

func TestCloseCancelsTransfersInFlight(t *testing.T) {
	c, err := NewClient(testConfig(emulatorAddr(t, envSlowEmulator)))
	if err != nil {
		t.Fatal(err)
	}
	ensureBucket(t, c, checkBucket)
	src := writeTemp(t, "closing.bin", pattern(6*mib, 6))
	started := make(chan struct{})
	var once sync.Once
	result := make(chan error, 1)
	var reentrant []error // what calls on the same client made from the progress callback returned
	go func() {
		_, err := c.UploadFile(context.Background(), checkBucket, "cancel/closed.bin", src, &TransferOptions{PartSize: mib, Jobs: 2,
			Progress: func(done, total int64) {
				first := false
				once.Do(func() { close(started); first = true })
				// The first call keeps calling the client until Close has begun (which waits for this
				// upload): a call made from a callback then fails with ErrClosed instead of deadlocking.
				for i := 0; first && i < 1000; i++ {
					_, err := c.BucketExists(context.Background(), checkBucket)
					reentrant = append(reentrant, err)
					if err != nil {
						break
					}
					time.Sleep(5 * time.Millisecond)
				}
			}})
		result <- err
	}()
	select {
	case <-started:
	case <-time.After(10 * time.Second):
		t.Fatal("the upload did not start")
	}
	start := time.Now()
	c.Close()
	within(t, "Close during an upload", 5*time.Second, start)
	err = <-result
	var ce *ClientError
	if !errors.As(err, &ce) || ce.Status != StatusCancelled {
		t.Fatalf("the upload Close interrupted: %v", err)
	}
	if len(reentrant) == 0 || !errors.Is(reentrant[len(reentrant)-1], ErrClosed) {
		t.Fatalf("calls from the progress callback returned %v", reentrant)
	}
	for _, err := range reentrant[:len(reentrant)-1] {
		if err != nil {
			t.Fatalf("calls from the progress callback returned %v", reentrant)
		}
	}
	c2 := clientFor(t, emulatorAddr(t, envSlowEmulator))
	assertMissing(t, c2, checkBucket, "cancel/closed.bin")
	if _, err := c.UploadReader(context.Background(), checkBucket, "x", bytes.NewReader(nil), nil); !errors.Is(err, ErrClosed) {
		t.Fatalf("after Close: %v", err)
	}
}
