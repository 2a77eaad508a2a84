package cos

/*
#include "shims.h"
*/
import "C"

import (
	"context"
	"strconv"
)

// TreeOptions are the options of UploadTree and DownloadTree. The zero value (or nil): default transfer
// options for each file, 8 files in flight, every file, no sync, no deletes.
type TreeOptions struct {
	// Transfer are the options each file moves with (part size, jobs, request options; their Progress is
	// not used: Progress below covers the whole tree).
	Transfer *TransferOptions
	// FilesInFlight: files moving at once (1..=64; 0 = 8).
	FilesInFlight int
	// Include and Exclude patterns: "*.jpg" matches a name at any depth, "photos/**" a path; "*" stays in
	// a segment, "**" crosses them. Without includes every file is selected.
	Include, Exclude []string
	// SkipUnchanged: a sync, files of the same size and CRC-64 on the other side are skipped.
	SkipUnchanged bool
	// DeleteExtras: a mirror, what the source no longer has is deleted on the destination side.
	DeleteExtras bool
	// Progress covers the whole tree (bytes), as TransferOptions.Progress does for one file.
	Progress func(done, total int64)
}

// TreeOutcome mirrors cos_tree_outcome: what happened to one file.
type TreeOutcome int

const (
	TreeTransferred TreeOutcome = C.COS_TREE_TRANSFERRED
	TreeSkipped     TreeOutcome = C.COS_TREE_SKIPPED
	TreeDeleted     TreeOutcome = C.COS_TREE_DELETED
	TreeFailed      TreeOutcome = C.COS_TREE_FAILED
)

func (o TreeOutcome) String() string {
	switch o {
	case TreeTransferred:
		return "transferred"
	case TreeSkipped:
		return "skipped"
	case TreeDeleted:
		return "deleted"
	case TreeFailed:
		return "failed"
	}
	return "TreeOutcome(" + strconv.Itoa(int(o)) + ")"
}

// TreeEntry is one file a tree transfer considered.
type TreeEntry struct {
	Key     string
	Path    string // "" for an object deleted by a sync up
	Size    int64
	Outcome TreeOutcome
	// Err is why it failed (a *ServiceError or *ClientError), nil otherwise.
	Err error
}

// TreeReport is every file a tree transfer considered, in key order.
type TreeReport struct {
	Entries          []TreeEntry
	Failed           int
	BytesTransferred int64
}

// UploadTree uploads the regular files under the local directory dir to prefix + their relative path.
// One file's failure stops no other: the call succeeds when it ran through the tree, and the report says
// what happened to each file (check Failed). It fails as a whole only when dir cannot be read, the listing
// a sync needs fails, or ctx was cancelled.
func (c *Client) UploadTree(ctx context.Context, bucket, prefix, dir string, opts *TreeOptions) (*TreeReport, error) {
	return c.tree(ctx, bucket, prefix, dir, opts, true)
}

// DownloadTree downloads the objects under prefix into the local directory dir, at dir/<key without the
// prefix>, each file verified and renamed into place when complete; a key that would land outside dir fails
// the call before anything is written. Report and failures as for UploadTree.
func (c *Client) DownloadTree(ctx context.Context, bucket, prefix, dir string, opts *TreeOptions) (*TreeReport, error) {
	return c.tree(ctx, bucket, prefix, dir, opts, false)
}

func (c *Client) tree(ctx context.Context, bucket, prefix, dir string, opts *TreeOptions, up bool) (*TreeReport, error) {
	if opts == nil {
		opts = &TreeOptions{}
	}
	var cs cstrings
	defer cs.free()
	b, pre, d := cs.str(bucket), cs.opt(prefix), cs.str(dir)
	if cs.err != nil {
		return nil, cs.err
	}
	p, err := c.acquire(ctx)
	if err != nil {
		return nil, err
	}
	defer c.release()
	tok := C.cos_cancel_token_new()
	defer C.cos_cancel_token_free(tok)
	to, err := opts.Transfer.toC(tok)
	if err != nil {
		return nil, err
	}
	defer C.cos_transfer_options_free(to)
	o := C.cos_tree_options_new()
	defer C.cos_tree_options_free(o)
	var fe firstError
	var e *C.cos_error
	fe.add(C.cos_tree_options_set_transfer_options(o, to, &e), &e)
	if opts.FilesInFlight > 0 {
		fe.add(C.cos_tree_options_set_files_in_flight(o, C.size_t(opts.FilesInFlight), &e), &e)
	}
	for _, pat := range opts.Include {
		fe.add(C.cos_tree_options_add_include(o, cs.str(pat), &e), &e)
	}
	for _, pat := range opts.Exclude {
		fe.add(C.cos_tree_options_add_exclude(o, cs.str(pat), &e), &e)
	}
	if opts.SkipUnchanged {
		fe.add(C.cos_tree_options_set_skip_unchanged(o, C.bool(true), &e), &e)
	}
	if opts.DeleteExtras {
		fe.add(C.cos_tree_options_set_delete_extras(o, C.bool(true), &e), &e)
	}
	fe.keep(cs.err)
	if fe.err != nil {
		return nil, fe.err
	}
	state := &callbackState{ctx: ctx, progress: opts.Progress}
	var report *C.cos_tree_report
	st := c.cancellable(ctx, tok, state, func(h C.uintptr_t) C.cos_status {
		if up {
			return C.cosgo_upload_prefix(p, b, pre, d, o, h, &report, &e)
		}
		return C.cosgo_download_tree(p, b, pre, d, o, h, &report, &e)
	})

	defer C.cos_tree_report_free(report)
	if err := state.outcome(st, e); err != nil {
		return nil, err
	}
	out := &TreeReport{
		Failed:           int(C.cos_tree_report_failed_count(report)),
		BytesTransferred: int64(C.cos_tree_report_bytes_transferred(report)),
	}
	for i := 0; i < int(C.cos_tree_report_count(report)); i++ {
		j := C.size_t(i)
		entry := TreeEntry{
			Key:     goStr(C.cos_tree_report_key(report, j)),
			Path:    goStr(C.cos_tree_report_path(report, j)),
			Size:    int64(C.cos_tree_report_size(report, j)),
			Outcome: TreeOutcome(C.cos_tree_report_outcome(report, j)),
		}
		if fail := C.cos_tree_report_error(report, j); fail != nil {
			entry.Err = convertError(Status(C.cos_error_status(fail)), (*C.cos_error)(fail))
		}
		out.Entries = append(out.Entries, entry)
	}
	return out, nil
}
