package cos

import (
	"bytes"
	"context"
	"errors"
	"io"
	"testing"
)

const mib = 1 << 20

func TestObjectWriterAndReader(t *testing.T) {
	ctx := context.Background()
	c := newClient(t)
	ensureBucket(t, c, checkBucket)

	// Three full 1 MiB parts and a bit: a multipart upload, written in uneven pieces. tests/go_binding.rs
	// reads stream/writer.bin back.
	data := pattern(3*mib+5, 5)
	w, err := c.NewWriter(ctx, checkBucket, "stream/writer.bin", &TransferOptions{PartSize: mib,
		Request: &RequestOptions{ContentType: "text/x-stream", Metadata: map[string]string{"via": "writer"}}})
	if err != nil {
		t.Fatal(err)
	}
	var wc io.WriteCloser = w
	for off := 0; off < len(data); {
		n := 300_001
		if off+n > len(data) {
			n = len(data) - off
		}
		k, err := wc.Write(data[off : off+n])
		if err != nil || k != n {
			t.Fatalf("Write at %d: %d %v", off, k, err)
		}
		off += n
	}
	if err := wc.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if info := w.Info(); info == nil || info.ETag == "" {
		t.Fatalf("writer info %+v", info)
	}
	if err := w.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	if _, err := w.Write([]byte("x")); err == nil {
		t.Fatal("Write after Close succeeded")
	}
	head, err := c.HeadObject(ctx, checkBucket, "stream/writer.bin", nil)
	if err != nil || head.Size != int64(len(data)) || head.ContentType != "text/x-stream" || head.Metadata["via"] != "writer" {
		t.Fatalf("head %+v %v", head, err)
	}

	// The reader: whole, in small reads, as an io.ReadCloser.
	r, err := c.NewReader(ctx, checkBucket, "stream/writer.bin", nil)
	if err != nil {
		t.Fatal(err)
	}
	var rc io.ReadCloser = r
	if r.Info().Size != int64(len(data)) || r.Info().CRC64 != head.CRC64 {
		t.Fatalf("reader info %+v", r.Info())
	}
	var got bytes.Buffer
	buf := make([]byte, 77_777)
	for {
		n, err := rc.Read(buf)
		got.Write(buf[:n])
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	assertBytes(t, "reader", got.Bytes(), data)
	if n, err := rc.Read(buf); n != 0 || err != io.EOF {
		t.Fatalf("read after EOF: %d %v", n, err)
	}
	rc.Close()
	rc.Close()

	// Ranged readers.
	rr, err := c.NewRangeReader(ctx, checkBucket, "stream/writer.bin", mib-3, 10)
	if err != nil {
		t.Fatal(err)
	}
	part, err := io.ReadAll(rr)
	rr.Close()
	if err != nil {
		t.Fatal(err)
	}
	assertBytes(t, "range reader", part, data[mib-3:mib+7])
	rr, err = c.NewRangeReader(ctx, checkBucket, "stream/writer.bin", int64(len(data))-4, -1)
	if err != nil {
		t.Fatal(err)
	}
	part, _ = io.ReadAll(rr)
	rr.Close()
	assertBytes(t, "range to the end", part, data[len(data)-4:])

	// Abort: a multipart upload already started (two parts sent) leaves nothing behind.
	w, err = c.NewWriter(ctx, checkBucket, "stream/aborted.bin", &TransferOptions{PartSize: mib})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Write(pattern(2*mib+1, 9)); err != nil {
		t.Fatal(err)
	}
	if err := w.Abort(); err != nil {
		t.Fatalf("Abort: %v", err)
	}
	if err := w.Close(); err == nil {
		t.Fatal("Close after Abort succeeded")
	}
	assertMissing(t, c, checkBucket, "stream/aborted.bin")
}

func TestPutAndGetWithReadersAndWriters(t *testing.T) {
	ctx := context.Background()
	c := newClient(t)
	bucket := newBucket(t, c, "putget")
	data := pattern(2*mib+333, 3)
	info, err := c.Put(ctx, bucket, "put.bin", bytes.NewReader(data), &TransferOptions{PartSize: mib})
	if err != nil {
		t.Fatalf("Put: %v", err)
	}
	var out bytes.Buffer
	got, err := c.Get(ctx, bucket, "put.bin", &out, nil)
	if err != nil {
		t.Fatalf("Get: %v", err)
	}
	assertBytes(t, "Put then Get", out.Bytes(), data)
	if got.CRC64 != info.CRC64 || got.Size != int64(len(data)) {
		t.Fatalf("infos %+v %+v", info, got)
	}
	// A small one: one PUT at Close.
	if _, err := c.Put(ctx, bucket, "small.txt", bytes.NewBufferString("small"), nil); err != nil {
		t.Fatal(err)
	}
	out.Reset()
	if _, err := c.Get(ctx, bucket, "small.txt", &out, &RequestOptions{Range: &ByteRange{First: 1, Last: 3}}); err != nil || out.String() != "mal" {
		t.Fatalf("ranged Get %q %v", out.String(), err)
	}

	// A failing io.Reader: the upload is aborted and its error comes back.
	boom := errors.New("the source broke")
	_, err = c.Put(ctx, bucket, "broken.bin", io.MultiReader(bytes.NewReader(pattern(mib+10, 1)), errReader{boom}), &TransferOptions{PartSize: mib})
	if !errors.Is(err, boom) {
		t.Fatalf("Put from a failing reader: %v", err)
	}
	assertMissing(t, c, bucket, "broken.bin")
	// A failing io.Writer.
	_, err = c.Get(ctx, bucket, "put.bin", errWriter{boom}, nil)
	if !errors.Is(err, boom) {
		t.Fatalf("Get into a failing writer: %v", err)
	}

	// UploadReader: the managed upload of unknown length, through the read callback.
	if _, err := c.UploadReader(ctx, bucket, "upload-reader.bin", bytes.NewReader(data), &TransferOptions{PartSize: mib, Jobs: 2}); err != nil {
		t.Fatalf("UploadReader: %v", err)
	}
	assertBytes(t, "UploadReader", mustGet(t, c, bucket, "upload-reader.bin"), data)
	_, err = c.UploadReader(ctx, bucket, "upload-broken.bin", io.MultiReader(bytes.NewReader(pattern(1000, 1)), errReader{boom}), nil)
	var ce *ClientError
	if !errors.Is(err, boom) || !errors.As(err, &ce) {
		t.Fatalf("UploadReader from a failing reader: %v", err)
	}
	assertMissing(t, c, bucket, "upload-broken.bin")
}

func TestStreamsHonourTheContext(t *testing.T) {
	c := newClient(t)
	ensureBucket(t, c, checkBucket)
	bucket := checkBucket
	ctx, cancel := context.WithCancel(context.Background())

	// Cancelled between writes, after a part was sent: Put aborts, nothing is stored (go_binding.rs checks
	// stream/cancelled-put.bin too).
	src := &cancellingReader{r: bytes.NewReader(pattern(3*mib, 2)), after: 2 * mib, cancel: cancel}
	_, err := c.Put(ctx, bucket, "stream/cancelled-put.bin", src, &TransferOptions{PartSize: mib})
	assertCancelled(t, "Put", err)
	assertMissing(t, c, bucket, "stream/cancelled-put.bin")

	// A writer whose context is done is aborted by Close, never completed.
	ctx2, cancel2 := context.WithCancel(context.Background())
	w, err := c.NewWriter(ctx2, bucket, "stream/cancelled-close.bin", nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Write([]byte("partial")); err != nil {
		t.Fatal(err)
	}
	cancel2()
	assertCancelled(t, "Close", w.Close())
	assertMissing(t, c, bucket, "stream/cancelled-close.bin")

	// Get, cancelled in the middle: the reader checks the context before every read.
	if _, err := c.PutObject(context.Background(), bucket, "stream/get-me.bin", pattern(2*mib, 4), nil); err != nil {
		t.Fatal(err)
	}
	ctx3, cancel3 := context.WithCancel(context.Background())
	sink := &cancellingWriter{after: 300_000, cancel: cancel3}
	_, err = c.Get(ctx3, bucket, "stream/get-me.bin", sink, nil)
	assertCancelled(t, "Get", err)
	if sink.n >= 2*mib {
		t.Fatalf("Get wrote all %d bytes despite the cancel", sink.n)
	}
	// Already cancelled: nothing is sent.
	if _, _, err := c.GetObject(ctx3, bucket, "stream/get-me.bin", nil); err == nil {
		t.Fatal("GetObject with a cancelled context succeeded")
	} else {
		assertCancelled(t, "GetObject", err)
	}
}

type errReader struct{ err error }

func (r errReader) Read([]byte) (int, error) { return 0, r.err }

type errWriter struct{ err error }

func (w errWriter) Write([]byte) (int, error) { return 0, w.err }

// cancellingReader cancels its context once `after` bytes were read, then goes on reading.
type cancellingReader struct {
	r      io.Reader
	n      int
	after  int
	cancel context.CancelFunc
}

func (c *cancellingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += n
	if c.n >= c.after {
		c.cancel()
	}
	return n, err
}

type cancellingWriter struct {
	n      int
	after  int
	cancel context.CancelFunc
}

func (c *cancellingWriter) Write(p []byte) (int, error) {
	c.n += len(p)
	if c.n >= c.after {
		c.cancel()
	}
	return len(p), nil
}
