package cos

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

func TestUploadAndDownloadTrees(t *testing.T) {
	ctx := context.Background()
	addr := emulatorAddr(t, envEmulator)
	c := newClient(t)
	bucket := newBucket(t, c, "tree")
	src := t.TempDir()
	files := map[string][]byte{
		"a.txt":      []byte("alpha"),
		"sub/b.bin":  pattern(2*mib+7, 2),
		"sub/c.jpg":  pattern(1000, 3),
		"skip.tmp":   []byte("never uploaded"),
		"deep/x/y.z": []byte("deep"),
	}
	for name, data := range files {
		path := filepath.Join(src, name)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	var up progressLog
	report, err := c.UploadTree(ctx, bucket, "tree", src, &TreeOptions{Exclude: []string{"*.tmp"}, FilesInFlight: 2,
		Transfer: &TransferOptions{PartSize: mib}, Progress: up.record})
	if err != nil {
		t.Fatalf("UploadTree: %v", err)
	}
	if report.Failed != 0 || len(report.Entries) != 4 || report.BytesTransferred != int64(5+2*mib+7+1000+4) {
		t.Fatalf("report %+v", report)
	}
	keys := []string{}
	for _, e := range report.Entries {
		keys = append(keys, e.Key)
		if e.Outcome != TreeTransferred || e.Err != nil || e.Path == "" {
			t.Fatalf("entry %+v", e)
		}
	}
	if strings.Join(keys, ",") != "tree/a.txt,tree/deep/x/y.z,tree/sub/b.bin,tree/sub/c.jpg" {
		t.Fatalf("keys %v", keys)
	}
	if last := up.calls[len(up.calls)-1]; last[0] != report.BytesTransferred {
		t.Fatalf("tree progress ended at %v", last)
	}
	assertBytes(t, "tree object", mustGet(t, c, bucket, "tree/sub/b.bin"), files["sub/b.bin"])

	// A sync changes nothing.
	again, err := c.UploadTree(ctx, bucket, "tree/", src, &TreeOptions{Exclude: []string{"*.tmp"}, SkipUnchanged: true})
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range again.Entries {
		if e.Outcome != TreeSkipped {
			t.Fatalf("sync: %+v", e)
		}
	}

	// Down again, into a fresh directory.
	dst := t.TempDir()
	down, err := c.DownloadTree(ctx, bucket, "tree/", dst, nil)
	if err != nil || down.Failed != 0 || len(down.Entries) != 4 {
		t.Fatalf("DownloadTree %+v %v", down, err)
	}
	for name, data := range files {
		got, err := os.ReadFile(filepath.Join(dst, name))
		if name == "skip.tmp" {
			if err == nil {
				t.Fatal("the excluded file came back")
			}
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		assertBytes(t, name, got, data)
	}

	// One file refused by COS: the others go on, and the report carries the ServiceError.
	defer clearFaults(t, addr)
	fault(t, addr, "kind=status&status=403&code=AccessDenied&method=PUT&key=refused/sub/c.jpg")
	report, err = c.UploadTree(ctx, bucket, "refused", src, &TreeOptions{Exclude: []string{"*.tmp"}})
	if err != nil {
		t.Fatal(err)
	}
	var failed []string
	for _, e := range report.Entries {
		if e.Outcome == TreeFailed {
			failed = append(failed, e.Key)
			var se *ServiceError
			if !errors.As(e.Err, &se) || se.StatusCode != 403 || se.Code != "AccessDenied" || se.RequestID == "" {
				t.Fatalf("failed entry %+v", e)
			}
		}
	}
	sort.Strings(failed)
	if report.Failed != 1 || strings.Join(failed, ",") != "refused/sub/c.jpg" {
		t.Fatalf("failures %v in %+v", failed, report)
	}
	if TreeFailed.String() != "failed" {
		t.Fatal(TreeFailed.String())
	}

	// A cancelled context stops the whole tree.
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	_, err = c.UploadTree(cctx, bucket, "cancelled", src, nil)
	assertCancelled(t, "UploadTree", err)
}
