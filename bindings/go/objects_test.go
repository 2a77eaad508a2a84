package cos

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"sort"
	"strings"
	"testing"
	"time"
)

func TestObjectRoundTrips(t *testing.T) {
	ctx := context.Background()
	c := newClient(t)
	bucket := newBucket(t, c, "objects")
	data := pattern(100_000, 1)
	opts := &RequestOptions{
		ContentType:  "application/x-go-test",
		CacheControl: "max-age=60",
		Metadata:     map[string]string{"Owner": "gopher", "x-cos-meta-run": "1"},
		Tags:         []Tag{{"team", "go"}, {"kind", "test"}},
		StorageClass: "STANDARD_IA",
		ContentMD5:   true,
	}
	put, err := c.PutObject(ctx, bucket, "dir/obj.bin", data, opts)
	if err != nil {
		t.Fatalf("PutObject: %v", err)
	}
	if put.ETag == "" || !put.HasCRC64 {
		t.Fatalf("put info: %+v", put)
	}

	head, err := c.HeadObject(ctx, bucket, "dir/obj.bin", nil)
	if err != nil {
		t.Fatalf("HeadObject: %v", err)
	}
	if head.Size != int64(len(data)) || head.ETag != put.ETag || head.CRC64 != put.CRC64 || !head.HasCRC64 {
		t.Fatalf("head %+v vs put %+v", head, put)
	}
	if head.ContentType != "application/x-go-test" || head.Header.Get("Cache-Control") != "max-age=60" {
		t.Fatalf("content type %q cache control %q", head.ContentType, head.Header.Get("Cache-Control"))
	}
	if head.Metadata["owner"] != "gopher" || head.Metadata["run"] != "1" {
		t.Fatalf("metadata %v", head.Metadata)
	}
	if head.TagCount != 2 || head.StorageClass != "STANDARD_IA" || head.LastModified.IsZero() {
		t.Fatalf("tag count %d storage class %q last modified %v", head.TagCount, head.StorageClass, head.LastModified)
	}
	if head.RestoreOngoing != -1 || head.VersionID != "" || head.DeleteMarker {
		t.Fatalf("restore %d version %q marker %v", head.RestoreOngoing, head.VersionID, head.DeleteMarker)
	}

	got, info, err := c.GetObject(ctx, bucket, "dir/obj.bin", nil)
	if err != nil {
		t.Fatal(err)
	}
	assertBytes(t, "GetObject", got, data)
	if info.Size != int64(len(data)) || info.CRC64 != put.CRC64 {
		t.Fatalf("get info %+v", info)
	}
	part, _, err := c.GetObject(ctx, bucket, "dir/obj.bin", &RequestOptions{Range: &ByteRange{First: 10, Last: 19}})
	if err != nil {
		t.Fatal(err)
	}
	assertBytes(t, "ranged GetObject", part, data[10:20])
	tail, _, err := c.GetObject(ctx, bucket, "dir/obj.bin", &RequestOptions{Range: &ByteRange{First: 99_990, Last: -1}})
	if err != nil {
		t.Fatal(err)
	}
	assertBytes(t, "open-ended range", tail, data[99_990:])

	// Conditions: If-None-Match on the current ETag is COS's 304 NotModified.
	_, _, err = c.GetObject(ctx, bucket, "dir/obj.bin", &RequestOptions{IfNoneMatch: put.ETag})
	var se *ServiceError
	if !errors.As(err, &se) || se.StatusCode != 304 {
		t.Fatalf("If-None-Match: %v", err)
	}

	if ok, err := c.ObjectExists(ctx, bucket, "dir/obj.bin"); err != nil || !ok {
		t.Fatalf("ObjectExists: %v %v", ok, err)
	}
	if ok, err := c.ObjectExists(ctx, bucket, "dir/none"); err != nil || ok {
		t.Fatalf("ObjectExists of a missing key: %v %v", ok, err)
	}

	// An empty object.
	if _, err := c.PutObject(ctx, bucket, "empty", nil, nil); err != nil {
		t.Fatal(err)
	}
	if got := mustGet(t, c, bucket, "empty"); len(got) != 0 {
		t.Fatalf("empty object: %d bytes", len(got))
	}

	// Copy: one request, keeping the metadata; then replacing it.
	cp, err := c.CopyObject(ctx, bucket, "copy/keep.bin", bucket, "dir/obj.bin", nil)
	if err != nil {
		t.Fatalf("CopyObject: %v", err)
	}
	if !cp.HasCRC64 || cp.CRC64 != put.CRC64 {
		t.Fatalf("copy info %+v", cp)
	}
	assertBytes(t, "copy", mustGet(t, c, bucket, "copy/keep.bin"), data)
	if h, _ := c.HeadObject(ctx, bucket, "copy/keep.bin", nil); h.Metadata["owner"] != "gopher" {
		t.Fatalf("copy metadata %v", h.Metadata)
	}
	_, err = c.CopyObject(ctx, bucket, "copy/replaced.bin", bucket, "dir/obj.bin",
		&RequestOptions{MetadataDirective: "Replaced", Metadata: map[string]string{"owner": "copier"}})
	if err != nil {
		t.Fatal(err)
	}
	if h, _ := c.HeadObject(ctx, bucket, "copy/replaced.bin", nil); h.Metadata["owner"] != "copier" {
		t.Fatalf("replaced metadata %v", h.Metadata)
	}
	// The managed copy, with progress.
	var last int64
	if _, err := c.Copy(ctx, bucket, "copy/managed.bin", bucket, "dir/obj.bin", &TransferOptions{Progress: func(done, total int64) { last = done }}); err != nil {
		t.Fatalf("Copy: %v", err)
	}
	assertBytes(t, "managed copy", mustGet(t, c, bucket, "copy/managed.bin"), data)
	if last != int64(len(data)) {
		t.Fatalf("copy progress ended at %d", last)
	}

	// Delete one, then a batch (with a key that does not exist: COS deletes it anyway).
	if _, err := c.DeleteObject(ctx, bucket, "copy/keep.bin", nil); err != nil {
		t.Fatal(err)
	}
	assertMissing(t, c, bucket, "copy/keep.bin")
	res, err := c.DeleteObjects(ctx, bucket, []string{"copy/replaced.bin", "copy/managed.bin", "empty", "never/was"}, false)
	if err != nil {
		t.Fatalf("DeleteObjects: %v", err)
	}
	sort.Strings(res.Deleted)
	if strings.Join(res.Deleted, ",") != "copy/managed.bin,copy/replaced.bin,empty,never/was" || len(res.Errors) != 0 {
		t.Fatalf("DeleteObjects result %+v", res)
	}
	assertMissing(t, c, bucket, "copy/managed.bin")
	if res, err := c.DeleteObjects(ctx, bucket, nil, true); err != nil || len(res.Deleted) != 0 {
		t.Fatalf("DeleteObjects of nothing: %v %v", res, err)
	}
}

func TestPresignedURLWorksWithPlainHTTP(t *testing.T) {
	ctx := context.Background()
	addr := emulatorAddr(t, envEmulator)
	c := newClient(t)
	bucket := newBucket(t, c, "presign")
	if _, err := c.PutObject(ctx, bucket, "signed.txt", []byte("presigned body"), nil); err != nil {
		t.Fatal(err)
	}
	url, err := c.PresignURL("GET", bucket, "signed.txt", &PresignOptions{Expires: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(url, "http://"+bucket+".cos.ap-guangzhou.myqcloud.com/signed.txt?") || !strings.Contains(url, "q-signature=") {
		t.Fatalf("URL %s", url)
	}
	// The URL names COS's host; send it to the emulator, as COS_ADDRESS does for the client.
	hc := &http.Client{Transport: &http.Transport{DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
		return (&net.Dialer{}).DialContext(ctx, network, addr)
	}}}
	resp, err := hc.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || string(body) != "presigned body" {
		t.Fatalf("GET of the presigned URL: %d %q", resp.StatusCode, body)
	}
	// Unsigned, the same GET is refused.
	plain, err := c.ObjectURL(bucket, "signed.txt")
	if err != nil || plain != "http://"+bucket+".cos.ap-guangzhou.myqcloud.com/signed.txt" {
		t.Fatalf("ObjectURL %q %v", plain, err)
	}
	resp, err = hc.Get(plain)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 403 {
		t.Fatalf("unsigned GET: %d", resp.StatusCode)
	}
}

func TestAuthorizationForYourOwnHTTPStack(t *testing.T) {
	ctx := context.Background()
	addr := emulatorAddr(t, envEmulator)
	c := newClient(t)
	bucket := newBucket(t, c, "auth")
	if _, err := c.PutObject(ctx, bucket, "a.txt", []byte("authorized"), nil); err != nil {
		t.Fatal(err)
	}
	host := bucket + ".cos.ap-guangzhou.myqcloud.com"
	auth, err := c.Authorization("GET", bucket, "a.txt", &PresignOptions{Headers: map[string]string{"Host": host}})
	if err != nil || !strings.Contains(auth, "q-sign-algorithm=sha1") {
		t.Fatalf("Authorization %q %v", auth, err)
	}
	req, _ := http.NewRequest("GET", "http://"+addr+"/a.txt", nil)
	req.Host = host
	req.Header.Set("Authorization", auth)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || string(body) != "authorized" {
		t.Fatalf("GET with the Authorization value: %d %q", resp.StatusCode, body)
	}
}
