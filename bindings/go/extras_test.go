package cos

import (
	"context"
	"errors"
	"io"
	"strings"
	"testing"
)

func TestAppendsAndAppender(t *testing.T) {
	ctx := context.Background()
	c := newClient(t)
	bucket := newBucket(t, c, "append")
	next, info, err := c.AppendObject(ctx, bucket, "log.txt", 0, []byte("abc"), &RequestOptions{ContentType: "text/plain"})
	if err != nil || next != 3 || info == nil {
		t.Fatalf("first append: %d %v", next, err)
	}
	if next, _, err = c.AppendObject(ctx, bucket, "log.txt", 3, []byte("def"), nil); err != nil || next != 6 {
		t.Fatalf("second append: %d %v", next, err)
	}
	_, _, err = c.AppendObject(ctx, bucket, "log.txt", 1, []byte("x"), nil)
	var se *ServiceError
	if !errors.As(err, &se) || se.StatusCode != 409 || se.Code != "AppendPositionErr" {
		t.Fatalf("append at a wrong position: %v", err)
	}
	if got := string(mustGet(t, c, bucket, "log.txt")); got != "abcdef" {
		t.Fatalf("appended object %q", got)
	}

	ap, err := c.NewAppender(ctx, bucket, "appender.txt", nil, false)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{"one ", "two ", "three"} {
		if _, err := ap.Write([]byte(s)); err != nil {
			t.Fatalf("Write %q: %v", s, err)
		}
	}
	if ap.Position() != 13 {
		t.Fatalf("position %d", ap.Position())
	}
	ap.Close()
	ap.Close()
	if err := ap.Append([]byte("x")); err == nil {
		t.Fatal("Append after Close succeeded")
	}
	resumed, err := c.NewAppender(ctx, bucket, "appender.txt", nil, true)
	if err != nil {
		t.Fatal(err)
	}
	defer resumed.Close()
	if resumed.Position() != 13 {
		t.Fatalf("resumed at %d", resumed.Position())
	}
	if err := resumed.Append([]byte("!")); err != nil {
		t.Fatal(err)
	}
	if got := string(mustGet(t, c, bucket, "appender.txt")); got != "one two three!" {
		t.Fatalf("appender's object %q", got)
	}
}

func TestMultipartUploadsListAndAbort(t *testing.T) {
	ctx := context.Background()
	c := newClient(t)
	bucket := newBucket(t, c, "mpu")
	// A writer that filled a part has started a multipart upload.
	w, err := c.NewWriter(ctx, bucket, "mp/open.bin", &TransferOptions{PartSize: mib})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Write(pattern(mib+1, 1)); err != nil {
		t.Fatal(err)
	}
	ups, err := c.ListMultipartUploads(ctx, bucket, "mp/")
	if err != nil || len(ups) != 1 || ups[0].Key != "mp/open.bin" || ups[0].UploadID == "" || ups[0].Initiated == "" {
		t.Fatalf("uploads %+v %v", ups, err)
	}
	if err := c.AbortMultipartUpload(ctx, bucket, ups[0].Key, ups[0].UploadID); err != nil {
		t.Fatal(err)
	}
	if ups, err := c.ListMultipartUploads(ctx, bucket, ""); err != nil || len(ups) != 0 {
		t.Fatalf("uploads after abort %+v %v", ups, err)
	}
	_ = w.Abort() // its upload is gone already; the error (NoSuchUpload) does not matter here
	assertMissing(t, c, bucket, "mp/open.bin")
}

func TestRawRequests(t *testing.T) {
	ctx := context.Background()
	c := newClient(t)
	bucket := newBucket(t, c, "raw")
	status, _, _, err := c.SendRequest(ctx, &RawRequest{Method: "PUT", Bucket: bucket, Path: "/raw/one.txt",
		Headers: map[string]string{"Content-Type": "text/plain", "x-cos-meta-via": "raw"}, Body: []byte("raw body")})
	if err != nil || status != 200 {
		t.Fatalf("raw PUT: %d %v", status, err)
	}
	status, body, info, err := c.SendRequest(ctx, &RawRequest{Method: "GET", Bucket: bucket, Path: "/raw/one.txt"})
	if err != nil || status != 200 || string(body) != "raw body" || info.Metadata["via"] != "raw" {
		t.Fatalf("raw GET: %d %q %v", status, body, err)
	}
	status, body, _, err = c.SendRequest(ctx, &RawRequest{Method: "GET", Bucket: bucket, Query: map[string]string{"prefix": "raw/"}})
	if err != nil || status != 200 || !strings.Contains(string(body), "<Key>raw/one.txt</Key>") {
		t.Fatalf("raw listing: %d %q %v", status, body, err)
	}
	status, body, _, err = c.SendRequest(ctx, &RawRequest{})
	if err != nil || status != 200 || !strings.Contains(string(body), bucket) {
		t.Fatalf("raw GET of the service: %d %q %v", status, body, err)
	}
	_, _, _, err = c.SendRequest(ctx, &RawRequest{Method: "GET", Bucket: bucket, Path: "/raw/none"})
	var se *ServiceError
	if !errors.As(err, &se) || se.StatusCode != 404 || se.Code != "NoSuchKey" {
		t.Fatalf("raw GET of a missing key: %v", err)
	}
	_, _, _, err = c.SendRequest(ctx, &RawRequest{Method: "BREW", Bucket: bucket})
	var ce *ClientError
	if !errors.As(err, &ce) || ce.Status != StatusInvalidArgument {
		t.Fatalf("bad method: %v", err)
	}
}

func TestDeleteObjectVersions(t *testing.T) {
	ctx := context.Background()
	c := newClient(t)
	bucket := newBucket(t, c, "delvers")
	if err := c.PutBucketVersioning(ctx, bucket, true); err != nil {
		t.Fatal(err)
	}
	v1, _ := c.PutObject(ctx, bucket, "k", []byte("1"), nil)
	v2, _ := c.PutObject(ctx, bucket, "k", []byte("2"), nil)
	if _, err := c.PutObject(ctx, bucket, "other", []byte("o"), nil); err != nil {
		t.Fatal(err)
	}
	res, err := c.DeleteObjectVersions(ctx, bucket, []VersionRef{{"k", v1.VersionID}, {"k", v2.VersionID}, {"other", ""}}, false)
	if err != nil || len(res.Deleted) != 3 || len(res.Errors) != 0 {
		t.Fatalf("DeleteObjectVersions %+v %v", res, err)
	}
	markers := 0
	for _, d := range res.Deleted {
		if d.DeleteMarker {
			markers++
			if d.Key != "other" || d.DeleteMarkerVersionID == "" {
				t.Fatalf("marker %+v", d)
			}
		}
	}
	if markers != 1 {
		t.Fatalf("deleted %+v", res.Deleted)
	}
	it := c.ListVersions(ctx, bucket, &ListOptions{Prefix: "k"})
	defer it.Close()
	if it.Next() || it.Err() != nil {
		t.Fatalf("versions of k remain: %+v %v", it.Version(), it.Err())
	}
}

func TestCORSRules(t *testing.T) {
	ctx := context.Background()
	c := newClient(t)
	bucket := newBucket(t, c, "cors")
	_, err := c.GetBucketCORS(ctx, bucket)
	var se *ServiceError
	if !errors.As(err, &se) || se.Code != "NoSuchCORSConfiguration" {
		t.Fatalf("no CORS yet: %v", err)
	}
	rules := []CORSRule{
		{ID: "web", AllowedOrigins: []string{"https://example.com"}, AllowedMethods: []string{"GET", "PUT"},
			AllowedHeaders: []string{"*"}, ExposeHeaders: []string{"ETag"}, MaxAgeSeconds: 600},
		{AllowedOrigins: []string{"*"}, AllowedMethods: []string{"HEAD"}},
	}
	if err := c.PutBucketCORS(ctx, bucket, rules); err != nil {
		t.Fatal(err)
	}
	got, err := c.GetBucketCORS(ctx, bucket)
	if err != nil || len(got) != 2 {
		t.Fatalf("rules %+v %v", got, err)
	}
	r := got[0]
	if r.ID != "web" || strings.Join(r.AllowedOrigins, ",") != "https://example.com" || strings.Join(r.AllowedMethods, ",") != "GET,PUT" ||
		strings.Join(r.AllowedHeaders, ",") != "*" || strings.Join(r.ExposeHeaders, ",") != "ETag" || r.MaxAgeSeconds != 600 {
		t.Fatalf("first rule %+v", r)
	}
	if got[1].MaxAgeSeconds != -1 || got[1].ID != "" {
		t.Fatalf("second rule %+v", got[1])
	}
	var ce *ClientError
	if err := c.PutBucketCORS(ctx, bucket, []CORSRule{{AllowedOrigins: []string{"*"}}}); !errors.As(err, &ce) || ce.Status != StatusInvalidArgument {
		t.Fatalf("a rule without a method: %v", err)
	}
	if err := c.DeleteBucketCORS(ctx, bucket); err != nil {
		t.Fatal(err)
	}
	if _, err := c.GetBucketCORS(ctx, bucket); !errors.As(err, &se) {
		t.Fatalf("CORS after delete: %v", err)
	}
}

func TestCopyFromSources(t *testing.T) {
	ctx := context.Background()
	c := newClient(t)
	bucket := newBucket(t, c, "copysrc")
	if err := c.PutBucketVersioning(ctx, bucket, true); err != nil {
		t.Fatal(err)
	}
	v1, _ := c.PutObject(ctx, bucket, "src", []byte("version one"), nil)
	v2, _ := c.PutObject(ctx, bucket, "src", []byte("version two"), nil)
	if _, err := c.CopyObjectFrom(ctx, bucket, "dst-old", CopySource{Bucket: bucket, Key: "src", VersionID: v1.VersionID}, nil); err != nil {
		t.Fatal(err)
	}
	if got := string(mustGet(t, c, bucket, "dst-old")); got != "version one" {
		t.Fatalf("copy of an old version: %q", got)
	}
	// A condition that fails: 412 from CopyObject, and the managed copy stops at its HEAD.
	_, err := c.CopyObjectFrom(ctx, bucket, "dst-cond", CopySource{Bucket: bucket, Key: "src", IfMatch: v1.ETag}, nil)
	var se *ServiceError
	if !errors.As(err, &se) || se.StatusCode != 412 {
		t.Fatalf("failing If-Match: %v", err)
	}
	var last int64
	info, err := c.CopyFrom(ctx, bucket, "dst-managed", CopySource{Bucket: bucket, Key: "src", IfMatch: v2.ETag},
		&TransferOptions{Progress: func(done, total int64) { last = done }})
	if err != nil || info == nil || last != int64(len("version two")) {
		t.Fatalf("managed copy: %v (progress %d)", err, last)
	}
	if got := string(mustGet(t, c, bucket, "dst-managed")); got != "version two" {
		t.Fatalf("managed copy %q", got)
	}
	if _, err := c.CopyFrom(ctx, bucket, "dst-none", CopySource{Bucket: bucket, Key: "src", IfMatch: v1.ETag}, nil); !errors.As(err, &se) || se.StatusCode != 412 {
		t.Fatalf("managed copy with a failing condition: %v", err)
	}
	assertMissing(t, c, bucket, "dst-none")
}

func TestLifecycleRules(t *testing.T) {
	ctx := context.Background()
	c := newClient(t)
	bucket := newBucket(t, c, "lifecycle")
	rules := []LifecycleRule{
		{ID: "logs", Prefix: "logs/", Enabled: true, ExpirationDays: 30,
			Transitions:        []LifecycleTransition{{Days: 7, StorageClass: "STANDARD_IA"}, {Days: 14, StorageClass: "ARCHIVE"}},
			AbortMultipartDays: 3},
		{ID: "tagged", Tags: []Tag{{"tier", "cold"}}, Enabled: false, NoncurrentExpirationDays: 10,
			NoncurrentTransitions: []LifecycleTransition{{Days: 5, StorageClass: "STANDARD_IA"}}},
	}
	if err := c.PutBucketLifecycle(ctx, bucket, rules); err != nil {
		t.Fatalf("PutBucketLifecycle: %v", err)
	}
	got, err := c.GetBucketLifecycle(ctx, bucket)
	if err != nil || len(got) != 2 {
		t.Fatalf("rules %+v %v", got, err)
	}
	r := got[0]
	if r.ID != "logs" || r.Prefix != "logs/" || !r.Enabled || r.ExpirationDays != 30 || len(r.Transitions) != 2 ||
		r.Transitions[1].Days != 14 || r.Transitions[1].StorageClass != "ARCHIVE" || r.AbortMultipartDays != 3 {
		t.Fatalf("first rule %+v", r)
	}
	r = got[1]
	if r.ID != "tagged" || r.Enabled || tagValue(r.Tags, "tier") != "cold" || r.NoncurrentExpirationDays != 10 ||
		len(r.NoncurrentTransitions) != 1 || r.NoncurrentTransitions[0].Days != 5 {
		t.Fatalf("second rule %+v", r)
	}
	var ce *ClientError
	if err := c.PutBucketLifecycle(ctx, bucket, []LifecycleRule{{ID: "no action", Enabled: true}}); !errors.As(err, &ce) || ce.Status != StatusInvalidArgument {
		t.Fatalf("a rule without an action: %v", err)
	}
	if err := c.DeleteBucketLifecycle(ctx, bucket); err != nil {
		t.Fatal(err)
	}
	var se *ServiceError
	if _, err := c.GetBucketLifecycle(ctx, bucket); !errors.As(err, &se) || se.Code != "NoSuchLifecycleConfiguration" {
		t.Fatalf("after delete: %v", err)
	}
}

func TestSelectReader(t *testing.T) {
	ctx := context.Background()
	c := newClient(t)
	bucket := newBucket(t, c, "select")
	people := "name,age\nann,41\nbob,25\ncat,33\n"
	if _, err := c.PutObject(ctx, bucket, "p.csv", []byte(people), nil); err != nil {
		t.Fatal(err)
	}
	r, err := c.Select(ctx, bucket, "p.csv", &SelectRequest{Expression: "SELECT name FROM COSObject WHERE age > 30", CSVHeader: SelectHeaderUse}, nil)
	if err != nil {
		t.Fatalf("Select: %v", err)
	}
	defer r.Close()
	if r.Stats() != nil {
		t.Fatal("stats before the end")
	}
	got, err := io.ReadAll(r)
	if err != nil || string(got) != "ann\ncat\n" {
		t.Fatalf("records %q %v", got, err)
	}
	if st := r.Stats(); st == nil || st.BytesScanned != int64(len(people)) || st.BytesReturned != 8 {
		t.Fatalf("stats %+v", st)
	}
	r.Close()
	r.Close()
	r, err = c.Select(ctx, bucket, "p.csv", &SelectRequest{Expression: "SELECT name FROM COSObject WHERE age > 30", CSVHeader: SelectHeaderUse, OutputJSON: true}, nil)
	if err != nil {
		t.Fatal(err)
	}
	got, _ = io.ReadAll(r)
	r.Close()
	if string(got) != "{\"name\":\"ann\"}\n{\"name\":\"cat\"}\n" {
		t.Fatalf("JSON records %q", got)
	}
	var ce *ClientError
	if _, err := c.Select(ctx, bucket, "p.csv", &SelectRequest{}, nil); !errors.As(err, &ce) || ce.Status != StatusInvalidArgument {
		t.Fatalf("select without an expression: %v", err)
	}
}

func TestMultipartPrimitives(t *testing.T) {
	ctx := context.Background()
	c := newClient(t)
	bucket := newBucket(t, c, "mpprim")
	id, err := c.CreateMultipartUpload(ctx, bucket, "by-hand.bin", &RequestOptions{ContentType: "application/x-parts"})
	if err != nil || id == "" {
		t.Fatalf("CreateMultipartUpload %q %v", id, err)
	}
	data := pattern(2*mib+100, 4)
	p2, err := c.UploadPart(ctx, bucket, "by-hand.bin", id, 2, data[mib:], nil)
	if err != nil {
		t.Fatal(err)
	}
	p1, err := c.UploadPart(ctx, bucket, "by-hand.bin", id, 1, data[:mib], nil)
	if err != nil {
		t.Fatal(err)
	}
	if p1.Number != 1 || p1.ETag == "" || p1.Size != mib || !p1.HasCRC64 {
		t.Fatalf("part %+v", p1)
	}
	listed, err := c.ListParts(ctx, bucket, "by-hand.bin", id)
	if err != nil || len(listed) != 2 || listed[0].Number != 1 || listed[1].ETag != p2.ETag {
		t.Fatalf("ListParts %+v %v", listed, err)
	}
	if _, err := c.CompleteMultipartUpload(ctx, bucket, "by-hand.bin", id, []Part{{Number: 1, ETag: p1.ETag}}, nil); StatusOf(err) != StatusInvalidArgument {
		t.Fatalf("a hand-made part: %v", err)
	}
	// Parts in any order, from UploadPart and from ListParts alike.
	info, err := c.CompleteMultipartUpload(ctx, bucket, "by-hand.bin", id, []Part{p2, listed[0]}, nil)
	if err != nil || !info.HasCRC64 {
		t.Fatalf("CompleteMultipartUpload %+v %v", info, err)
	}
	assertBytes(t, "completed upload", mustGet(t, c, bucket, "by-hand.bin"), data)
	if h, _ := c.HeadObject(ctx, bucket, "by-hand.bin", nil); h.ContentType != "application/x-parts" {
		t.Fatalf("content type %q", h.ContentType)
	}
	var se *ServiceError
	if _, err := c.ListParts(ctx, bucket, "by-hand.bin", id); !errors.As(err, &se) || se.Code != "NoSuchUpload" {
		t.Fatalf("parts of a completed upload: %v", err)
	}
}
