package cos

import (
	"context"
	"strings"
	"testing"
)

func TestListingIterators(t *testing.T) {
	ctx := context.Background()
	c := newClient(t)
	bucket := newBucket(t, c, "list")
	keys := []string{"a/1", "a/2", "b/1", "c", "d e+f", "z/deep/x"}
	for i, k := range keys {
		if _, err := c.PutObject(ctx, bucket, k, pattern(i+1, i), nil); err != nil {
			t.Fatal(err)
		}
	}
	// Every key, two a page (three requests and an empty end).
	it := c.List(ctx, bucket, &ListOptions{PageSize: 2})
	defer it.Close()
	var got []string
	for it.Next() {
		o := it.Object()
		got = append(got, o.Key)
		if o.ETag == "" || o.LastModified == "" || o.Size < 1 {
			t.Fatalf("summary %+v", o)
		}
	}
	if it.Err() != nil {
		t.Fatal(it.Err())
	}
	if strings.Join(got, "|") != strings.Join(keys, "|") {
		t.Fatalf("keys %q", got)
	}
	if it.Next() {
		t.Fatal("Next after the end")
	}

	// Prefix and delimiter: objects at the top, "directories" as common prefixes.
	it = c.List(ctx, bucket, &ListOptions{Delimiter: "/"})
	got = nil
	for it.Next() {
		got = append(got, it.Object().Key)
	}
	if it.Err() != nil || strings.Join(got, "|") != "c|d e+f" || strings.Join(it.CommonPrefixes(), "|") != "a/|b/|z/" {
		t.Fatalf("delimited: %q %q %v", got, it.CommonPrefixes(), it.Err())
	}
	it = c.List(ctx, bucket, &ListOptions{Prefix: "a/"})
	got = nil
	for it.Next() {
		got = append(got, it.Object().Key)
	}
	if strings.Join(got, "|") != "a/1|a/2" {
		t.Fatalf("prefixed: %q", got)
	}

	// A missing bucket is an error from Err; a cancelled context too.
	it = c.List(ctx, "go-no-such-list-1250000000", nil)
	if it.Next() {
		t.Fatal("Next on a missing bucket")
	}
	if StatusOf(it.Err()) != StatusServiceError {
		t.Fatalf("missing bucket: %v", it.Err())
	}
	cctx, cancel := context.WithCancel(ctx)
	it = c.List(cctx, bucket, &ListOptions{PageSize: 1})
	if !it.Next() {
		t.Fatal(it.Err())
	}
	cancel()
	for it.Next() {
	}
	assertCancelled(t, "listing", it.Err())
}

func TestVersioningAndVersionListing(t *testing.T) {
	ctx := context.Background()
	c := newClient(t)
	bucket := newBucket(t, c, "versions")
	if st, err := c.GetBucketVersioning(ctx, bucket); err != nil || st != VersioningUnversioned {
		t.Fatalf("new bucket: %v %v", st, err)
	}
	if err := c.PutBucketVersioning(ctx, bucket, true); err != nil {
		t.Fatal(err)
	}
	if st, err := c.GetBucketVersioning(ctx, bucket); err != nil || st != VersioningEnabled || st.String() != "Enabled" {
		t.Fatalf("enabled: %v %v", st, err)
	}
	v1, err := c.PutObject(ctx, bucket, "doc.txt", []byte("first"), nil)
	if err != nil {
		t.Fatal(err)
	}
	v2, err := c.PutObject(ctx, bucket, "doc.txt", []byte("second"), nil)
	if err != nil {
		t.Fatal(err)
	}
	if v1.VersionID == "" || v1.VersionID == v2.VersionID {
		t.Fatalf("version ids %q %q", v1.VersionID, v2.VersionID)
	}
	old, _, err := c.GetObject(ctx, bucket, "doc.txt", &RequestOptions{VersionID: v1.VersionID})
	if err != nil || string(old) != "first" {
		t.Fatalf("old version %q %v", old, err)
	}
	del, err := c.DeleteObject(ctx, bucket, "doc.txt", nil)
	if err != nil || !del.DeleteMarker {
		t.Fatalf("delete on a versioned bucket: %+v %v", del, err)
	}
	it := c.ListVersions(ctx, bucket, nil)
	defer it.Close()
	var entries []ObjectVersion
	for it.Next() {
		entries = append(entries, it.Version())
	}
	if it.Err() != nil {
		t.Fatal(it.Err())
	}
	if len(entries) != 3 || !entries[0].IsDeleteMarker || !entries[0].IsLatest || entries[1].VersionID != v2.VersionID ||
		entries[2].VersionID != v1.VersionID || entries[2].Size != 5 || entries[1].IsLatest {
		t.Fatalf("versions %+v", entries)
	}
	if err := c.PutBucketVersioning(ctx, bucket, false); err != nil {
		t.Fatal(err)
	}
	if st, _ := c.GetBucketVersioning(ctx, bucket); st != VersioningSuspended {
		t.Fatalf("suspended: %v", st)
	}
	// DeleteBucketRecursive removes every version and marker, then the bucket.
	n, err := c.DeleteBucketRecursive(ctx, bucket)
	if err != nil || n != 3 {
		t.Fatalf("DeleteBucketRecursive: %d %v", n, err)
	}
	if ok, err := c.BucketExists(ctx, bucket); err != nil || ok {
		t.Fatalf("bucket after DeleteBucketRecursive: %v %v", ok, err)
	}
}
