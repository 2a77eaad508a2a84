//! The memory one XML answer costs to parse, measured with a counting global allocator: for worst-case pages
//! near the 16 MiB cap of an XML answer, the peak of what parsing allocates (the result included, the body
//! itself not) stays at most `FACTOR` times the body. A whole-document DOM (roxmltree) of the same bodies is
//! measured too, so the test shows it sees the difference (about 19x for element-dense pages).

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};

/// What parsing one body may allocate at its peak, in multiples of the body.
const FACTOR: f64 = 3.0;
/// The cap on an XML answer (`MAX_XML_BODY` in src/transport).
const CAP: usize = 16 << 20;
/// Near the cap: what the test bodies aim for.
const NEAR_CAP: usize = CAP - (64 << 10);

struct Counting;

static CURRENT: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

// SAFETY: forwards to the system allocator and only counts.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            let now = CURRENT.fetch_add(layout.size(), Ordering::SeqCst) + layout.size();
            PEAK.fetch_max(now, Ordering::SeqCst);
        }
        p
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) };
        CURRENT.fetch_sub(layout.size(), Ordering::SeqCst);
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let p = unsafe { System.realloc(ptr, layout, new_size) };
        if !p.is_null() {
            if new_size >= layout.size() {
                let now = CURRENT.fetch_add(new_size - layout.size(), Ordering::SeqCst) + new_size - layout.size();
                PEAK.fetch_max(now, Ordering::SeqCst);
            } else {
                CURRENT.fetch_sub(layout.size() - new_size, Ordering::SeqCst);
            }
        }
        p
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// The peak of what `f` allocates beyond what was live when it started (its result is dropped inside).
fn peak_of<T>(f: impl FnOnce() -> T) -> usize {
    let base = CURRENT.load(Ordering::SeqCst);
    PEAK.store(base, Ordering::SeqCst);
    let result = f();
    let peak = PEAK.load(Ordering::SeqCst) - base;
    drop(result);
    peak
}

/// A key of 850 bytes (COS's longest) of CJK text, URL-encoded (2550 bytes): the longest listed name.
fn longest_key(i: usize) -> String {
    let mut k = format!("{i:08}/");
    while k.len() + 3 <= 850 {
        k.push('中');
    }
    cos::encode::component(&k)
}

/// Fills `body` up to the near-cap size with element-dense padding that no parser reads: `<Pad>` elements
/// of 16 KiB of empty children, the shape that costs a whole-document DOM the most per byte.
fn pad(body: &mut String, close: &str) {
    let pad = format!("<Pad>{}</Pad>", "<a/>".repeat((16 << 10) / 4 - 4));
    while body.len() + pad.len() + close.len() <= NEAR_CAP {
        body.push_str(&pad);
    }
    body.push_str(close);
}

struct Case {
    name: &'static str,
    body: String,
    parse: fn(&str) -> bool,
}

fn cases() -> Vec<Case> {
    let mut cases = Vec::new();

    // A COS-shaped page of the longest keys, with every field COS sends.
    let mut b = String::from("<?xml version='1.0' encoding='utf-8' ?>\n<ListBucketResult><Name>b-1250000000</Name><EncodingType>url</EncodingType><Prefix/><Marker/><MaxKeys>100000</MaxKeys><IsTruncated>true</IsTruncated>\n");
    let mut i = 0;
    loop {
        let entry = format!("\t<Contents><Key>{}</Key><LastModified>2024-01-01T00:00:00.000Z</LastModified><ETag>&quot;d41d8cd98f00b204e9800998ecf8427e&quot;</ETag><Size>{i}</Size><Owner><ID>1250000000</ID><DisplayName>1250000000</DisplayName></Owner><StorageClass>STANDARD</StorageClass></Contents>\n", longest_key(i));
        if b.len() + entry.len() + 20 > NEAR_CAP {
            break;
        }
        b.push_str(&entry);
        i += 1;
    }
    b.push_str("</ListBucketResult>");
    cases.push(Case { name: "longest keys", body: b, parse: |t| cos::fuzzing::parse_object_list(t).is_ok() });

    // As many of the smallest entries as a page may list (100 000), the rest element-dense padding.
    let mut b = String::from("<ListBucketResult><EncodingType>url</EncodingType>");
    for i in 0..90_000 {
        b.push_str(&format!("<Contents><Key>k{i}</Key></Contents>"));
    }
    for i in 0..10_000 {
        b.push_str(&format!("<CommonPrefixes><Prefix>p{i}/</Prefix></CommonPrefixes>"));
    }
    pad(&mut b, "</ListBucketResult>");
    cases.push(Case { name: "smallest entries", body: b, parse: |t| cos::fuzzing::parse_object_list(t).is_ok() });

    // Element-dense entries: every `<Contents>` near the element size limit, full of empty elements.
    let mut b = String::from("<ListBucketResult>");
    let entry = format!("<Contents><Key>k</Key><Owner>{}</Owner></Contents>", "<x/>".repeat(9_000));
    while b.len() + entry.len() + 20 <= NEAR_CAP {
        b.push_str(&entry);
    }
    b.push_str("</ListBucketResult>");
    cases.push(Case { name: "dense entries", body: b, parse: |t| cos::fuzzing::parse_object_list(t).is_ok() });

    // Names made of character references, which roxmltree decodes into text of its own.
    let mut b = String::from("<ListBucketResult>");
    let key = "&#x4e2d;".repeat(300);
    while b.len() + key.len() + 40 <= NEAR_CAP {
        b.push_str(&format!("<Contents><Key>{key}</Key></Contents>"));
    }
    b.push_str("</ListBucketResult>");
    cases.push(Case { name: "referenced names", body: b, parse: |t| cos::fuzzing::parse_object_list(t).is_ok() });

    let mut b = String::from("<DeleteResult>");
    for i in 0..100_000 {
        if i % 2 == 0 {
            b.push_str(&format!("<Deleted><Key>k{i}</Key></Deleted>"));
        } else {
            b.push_str(&format!("<Error><Key>k{i}</Key><Code>AccessDenied</Code><Message>no</Message></Error>"));
        }
    }
    pad(&mut b, "</DeleteResult>");
    cases.push(Case { name: "delete result", body: b, parse: |t| cos::fuzzing::parse_delete_result(t).is_ok() });

    let mut b = String::from("<ListPartsResult><IsTruncated>false</IsTruncated>");
    for i in 0..10_000 {
        b.push_str(&format!("<Part><PartNumber>{}</PartNumber><ETag>\"e\"</ETag><Size>1048576</Size><LastModified>2024-01-01T00:00:00.000Z</LastModified></Part>", i + 1));
    }
    pad(&mut b, "</ListPartsResult>");
    cases.push(Case { name: "part list", body: b, parse: |t| cos::fuzzing::parse_part_list(t).is_ok() });

    let mut b = String::from("<ListMultipartUploadsResult><Encoding-Type>url</Encoding-Type>");
    for i in 0..50_000 {
        b.push_str(&format!("<Upload><Key>k{i}</Key><UploadId>u{i}</UploadId></Upload>"));
    }
    pad(&mut b, "</ListMultipartUploadsResult>");
    cases.push(Case { name: "upload list", body: b, parse: |t| cos::fuzzing::parse_upload_list(t).is_ok() });

    let mut b = String::from("<ListAllMyBucketsResult><Buckets>");
    for i in 0..100_000 {
        b.push_str(&format!("<Bucket><Name>b{i}-1250000000</Name><Location>ap-guangzhou</Location></Bucket>"));
    }
    b.push_str("</Buckets>");
    pad(&mut b, "</ListAllMyBucketsResult>");
    cases.push(Case { name: "bucket list", body: b, parse: |t| cos::fuzzing::parse_bucket_list(t).is_ok() });

    // A 200 copy answer that is an `<Error>` with a message near the cap (checked with is_error_body).
    let mut b = String::from("<Error><Code>InternalError</Code><Message>");
    while b.len() + 40 <= NEAR_CAP {
        b.push_str("a long message, ");
    }
    b.push_str("</Message></Error>");
    cases.push(Case { name: "long error", body: b, parse: |t| cos::fuzzing::parse_error(t).is_some() });

    // Padding alone, inside an answer with no entries.
    let mut b = String::from("<CopyObjectResult><ETag>\"e\"</ETag>");
    pad(&mut b, "</CopyObjectResult>");
    cases.push(Case { name: "dense copy result", body: b, parse: |t| cos::fuzzing::parse_copy_result(t).is_ok() });
    cases
}

#[test]
fn parsing_a_near_cap_answer_costs_at_most_a_few_times_the_body() {
    let mut report = Vec::new();
    let mut failures = Vec::new();
    for case in cases() {
        let len = case.body.len();
        assert!(len <= CAP && len > CAP / 2, "{}: {len} bytes", case.name);
        let mut parsed = false;
        let started = std::time::Instant::now();
        let ours = peak_of(|| parsed = (case.parse)(&case.body));
        let took = started.elapsed();
        assert!(parsed, "{}: the parser refused the page", case.name);
        let started = std::time::Instant::now();
        let dom = peak_of(|| roxmltree::Document::parse(&case.body).map(|d| d.descendants().count()));
        let dom_took = started.elapsed();
        let (ours_x, dom_x) = (ours as f64 / len as f64, dom as f64 / len as f64);
        report.push(format!(
            "{:<18} {:>5.1} MiB body: split parse {ours_x:>5.2}x, whole DOM {dom_x:>5.1}x; {took:.1?} vs {dom_took:.1?}",
            case.name,
            len as f64 / (1 << 20) as f64
        ));
        if ours_x > FACTOR {
            failures.push(format!("{}: {ours} bytes = {ours_x:.2}x the body", case.name));
        }
    }
    println!("{}", report.join("\n"));
    assert!(
        failures.is_empty(),
        "parsing allocates more than {FACTOR}x the body:\n{}\n{}",
        failures.join("\n"),
        report.join("\n")
    );
}

/// The measure itself: a whole-document DOM of an element-dense page is far above the factor, so a parser
/// that built one would fail the test above.
#[test]
fn the_counting_allocator_sees_a_whole_document_dom() {
    let mut b = String::from("<ListBucketResult>");
    while b.len() < 4 << 20 {
        b.push_str("<Contents><Key>k</Key><Size>1</Size></Contents>");
    }
    b.push_str("</ListBucketResult>");
    let dom = peak_of(|| roxmltree::Document::parse(&b).map(|d| d.descendants().count()));
    assert!(dom as f64 > 2.0 * FACTOR * b.len() as f64, "a DOM took only {dom} bytes for {} bytes", b.len());
}
