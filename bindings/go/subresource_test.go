package cos

import (
	"context"
	"errors"
	"strings"
	"testing"
)

func TestBuckets(t *testing.T) {
	ctx := context.Background()
	c := newClient(t)
	bucket := newBucket(t, c, "buckets")
	if ok, err := c.BucketExists(ctx, bucket); err != nil || !ok {
		t.Fatalf("BucketExists: %v %v", ok, err)
	}
	if ok, err := c.BucketExists(ctx, "go-absent-1250000000"); err != nil || ok {
		t.Fatalf("BucketExists of a missing bucket: %v %v", ok, err)
	}
	if _, err := c.HeadBucket(ctx, bucket); err != nil {
		t.Fatal(err)
	}
	if r, err := c.BucketLocation(ctx, bucket); err != nil || r != region {
		t.Fatalf("BucketLocation %q %v", r, err)
	}
	err := c.CreateBucket(ctx, bucket, nil)
	var se *ServiceError
	if !errors.As(err, &se) || se.Code != "BucketAlreadyOwnedByYou" {
		t.Fatalf("second CreateBucket: %v", err)
	}
	list, err := c.ListBuckets(ctx)
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, b := range list {
		if b.Name == bucket {
			found = b.Region == region && b.CreationDate != ""
		}
	}
	if !found {
		t.Fatalf("%s not in %+v", bucket, list)
	}
	if other, err := c.ListBucketsFiltered(ctx, &BucketFilter{Region: "ap-beijing"}); err != nil || len(other) != 0 {
		t.Fatalf("buckets in ap-beijing: %+v %v", other, err)
	}
	if err := c.PutBucketTagging(ctx, bucket, []Tag{{"team", "go"}}); err != nil {
		t.Fatal(err)
	}
	tagged, err := c.ListBucketsFiltered(ctx, &BucketFilter{Region: region, TagKey: "team", TagValue: "go"})
	if err != nil || len(tagged) != 1 || tagged[0].Name != bucket {
		t.Fatalf("tagged buckets: %+v %v", tagged, err)
	}
	if _, err := c.ListBucketsFiltered(ctx, &BucketFilter{CreatedRange: "soon"}); StatusOf(err) != StatusInvalidArgument {
		t.Fatalf("bad range: %v", err)
	}

	policy := `{"version":"2.0","Statement":[{"Effect":"allow","Principal":{"qcs":["qcs::cam::anyone:anyone"]},"Action":["name/cos:GetObject"],"Resource":["qcs::cos:ap-guangzhou:uid/1250000000:` + bucket + `/*"]}]}`
	if err := c.PutBucketPolicy(ctx, bucket, policy); err != nil {
		t.Fatalf("PutBucketPolicy: %v", err)
	}
	if got, err := c.GetBucketPolicy(ctx, bucket); err != nil || !strings.Contains(got, "cos:GetObject") {
		t.Fatalf("GetBucketPolicy %q %v", got, err)
	}
	if err := c.DeleteBucketPolicy(ctx, bucket); err != nil {
		t.Fatal(err)
	}
	if _, err := c.GetBucketPolicy(ctx, bucket); !errors.As(err, &se) || se.Code != "NoSuchBucketPolicy" {
		t.Fatalf("policy after delete: %v", err)
	}

	if _, err := c.PutObject(ctx, bucket, "k", []byte("x"), nil); err != nil {
		t.Fatal(err)
	}
	if err := c.DeleteBucket(ctx, bucket); !errors.As(err, &se) || se.Code != "BucketNotEmpty" {
		t.Fatalf("DeleteBucket of a non-empty bucket: %v", err)
	}
	if _, err := c.DeleteObject(ctx, bucket, "k", nil); err != nil {
		t.Fatal(err)
	}
	if err := c.DeleteBucket(ctx, bucket); err != nil {
		t.Fatal(err)
	}
	if ok, _ := c.BucketExists(ctx, bucket); ok {
		t.Fatal("the bucket survived DeleteBucket")
	}
}

func TestTaggingACLSymlinkAndSubresources(t *testing.T) {
	ctx := context.Background()
	c := newClient(t)
	bucket := newBucket(t, c, "subres")
	if _, err := c.PutObject(ctx, bucket, "obj", []byte("tagged"), nil); err != nil {
		t.Fatal(err)
	}

	// Object tags.
	if tags, err := c.GetObjectTagging(ctx, bucket, "obj", nil); err != nil || len(tags) != 0 {
		t.Fatalf("no tags yet: %v %v", tags, err)
	}
	want := []Tag{{"project", "go binding"}, {"empty", ""}}
	if err := c.PutObjectTagging(ctx, bucket, "obj", want, nil); err != nil {
		t.Fatal(err)
	}
	tags, err := c.GetObjectTagging(ctx, bucket, "obj", nil)
	if err != nil || len(tags) != 2 || tagValue(tags, "project") != "go binding" || tagValue(tags, "empty") != "" {
		t.Fatalf("tags %v %v", tags, err)
	}
	// The generic call reaches the same document.
	body, info, err := c.ObjectSubresource(ctx, "GET", bucket, "obj", "tagging", nil, nil)
	if err != nil || !strings.Contains(string(body), "<Key>project</Key>") || info == nil {
		t.Fatalf("ObjectSubresource tagging: %q %v", body, err)
	}
	if err := c.DeleteObjectTagging(ctx, bucket, "obj", nil); err != nil {
		t.Fatal(err)
	}
	if tags, _ := c.GetObjectTagging(ctx, bucket, "obj", nil); len(tags) != 0 {
		t.Fatalf("tags after delete: %v", tags)
	}
	// Bad tags are refused before anything is sent.
	var ce *ClientError
	if err := c.PutObjectTagging(ctx, bucket, "obj", []Tag{{"", "v"}}, nil); !errors.As(err, &ce) || ce.Status != StatusInvalidArgument {
		t.Fatalf("empty tag key: %v", err)
	}

	// Bucket tags, and the generic bucket call (PUT then GET of the same sub-resource).
	if err := c.PutBucketTagging(ctx, bucket, []Tag{{"owner", "go"}}); err != nil {
		t.Fatal(err)
	}
	if tags, err := c.GetBucketTagging(ctx, bucket); err != nil || tagValue(tags, "owner") != "go" {
		t.Fatalf("bucket tags %v %v", tags, err)
	}
	doc := `<Tagging><TagSet><Tag><Key>raw</Key><Value>xml</Value></Tag></TagSet></Tagging>`
	if _, _, err := c.BucketSubresource(ctx, "PUT", bucket, "tagging", []byte(doc), nil); err != nil {
		t.Fatalf("BucketSubresource PUT: %v", err)
	}
	body, _, err = c.BucketSubresource(ctx, "GET", bucket, "tagging", nil, nil)
	if err != nil || !strings.Contains(string(body), "<Key>raw</Key>") {
		t.Fatalf("BucketSubresource GET: %q %v", body, err)
	}
	if err := c.DeleteBucketTagging(ctx, bucket); err != nil {
		t.Fatal(err)
	}
	if tags, err := c.GetBucketTagging(ctx, bucket); err != nil || len(tags) != 0 {
		t.Fatalf("bucket tags after delete %v %v", tags, err)
	}
	// A sub-resource error is a ServiceError like any other.
	_, _, err = c.BucketSubresource(ctx, "GET", bucket, "lifecycle", nil, nil)
	var se *ServiceError
	if !errors.As(err, &se) || se.Code != "NoSuchLifecycleConfiguration" {
		t.Fatalf("lifecycle of a bucket without one: %v", err)
	}

	// ACLs.
	if err := c.PutObjectACL(ctx, bucket, "obj", "public-read", nil); err != nil {
		t.Fatal(err)
	}
	acl, err := c.GetObjectACL(ctx, bucket, "obj", nil)
	if err != nil || acl.Canned != "public-read" || acl.OwnerID == "" || len(acl.Grants) == 0 {
		t.Fatalf("object ACL %+v %v", acl, err)
	}
	if err := c.PutBucketACL(ctx, bucket, "private", nil); err != nil {
		t.Fatal(err)
	}
	if acl, err := c.GetBucketACL(ctx, bucket); err != nil || acl.Canned != "private" {
		t.Fatalf("bucket ACL %+v %v", acl, err)
	}

	// Symlinks.
	if err := c.PutSymlink(ctx, bucket, "link", "obj", nil); err != nil {
		t.Fatal(err)
	}
	if target, err := c.GetSymlink(ctx, bucket, "link", nil); err != nil || target != "obj" {
		t.Fatalf("GetSymlink %q %v", target, err)
	}

	// Restore of an object that is not archived: COS's 405.
	err = c.RestoreObject(ctx, bucket, "obj", 1, RestoreStandard, nil)
	if !errors.As(err, &se) || se.StatusCode != 405 {
		t.Fatalf("restore of a standard object: %v", err)
	}
	if _, err := c.PutObject(ctx, bucket, "cold", []byte("archived"), &RequestOptions{StorageClass: "ARCHIVE"}); err != nil {
		t.Fatal(err)
	}
	if err := c.RestoreObject(ctx, bucket, "cold", 2, RestoreBulk, nil); err != nil {
		t.Fatalf("restore: %v", err)
	}
	if h, err := c.HeadObject(ctx, bucket, "cold", nil); err != nil || h.RestoreOngoing != 0 || h.RestoreExpiry == "" {
		t.Fatalf("restored head %+v %v", h, err)
	}
}

func tagValue(tags []Tag, key string) string {
	for _, t := range tags {
		if t.Key == key {
			return t.Value
		}
	}
	return "<absent>"
}

func TestCreateBucketWithConfig(t *testing.T) {
	ctx := context.Background()
	c := newClient(t)
	bucket := "go-maz-ofs-1250000000"
	if err := c.CreateBucketWithConfig(ctx, bucket, true, true, nil); err != nil {
		t.Fatal(err)
	}
	defer c.DeleteBucket(ctx, bucket)
	h, err := c.HeadBucket(ctx, bucket)
	if err != nil || h.Header.Get("x-cos-bucket-az-type") != "MAZ" || h.Header.Get("x-cos-bucket-arch") != "OFS" {
		t.Fatalf("head %v %v", h.Header, err)
	}
}
