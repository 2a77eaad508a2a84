//! The select answer's event-stream decoder on hand-built frames: every header type, any split of the
//! bytes, a bad prelude or message CRC, truncation at every position, lengths over the bound.

use cos::eventstream::{encode, frame, Decoder, HeaderValue, Message, MAX_MESSAGE};
use cos::ErrorKind;

fn records(payload: &[u8]) -> Vec<u8> {
    encode(
        &[(":message-type", "event"), (":event-type", "Records"), (":content-type", "application/octet-stream")],
        payload,
    )
}

fn stream() -> Vec<u8> {
    let mut s = records(b"a,1\nb,2\n");
    s.extend(encode(&[(":message-type", "event"), (":event-type", "Cont")], b""));
    s.extend(encode(&[(":message-type", "event"), (":event-type", "End")], b""));
    s
}

/// Feeds `bytes` in pieces of `step` and collects every message.
fn decode(bytes: &[u8], step: usize) -> cos::Result<(Vec<Message>, usize)> {
    let mut d = Decoder::new();
    let mut out = Vec::new();
    for chunk in bytes.chunks(step.max(1)) {
        d.feed(chunk);
        while let Some(m) = d.next_message()? {
            out.push(m);
        }
    }
    Ok((out, d.buffered()))
}

#[test]
fn every_split_gives_the_same_messages() {
    let s = stream();
    let (whole, left) = decode(&s, s.len()).unwrap();
    assert_eq!(left, 0);
    assert_eq!(whole.len(), 3);
    assert_eq!(whole[0].header(":event-type"), Some("Records"));
    assert_eq!(whole[0].header(":content-type"), Some("application/octet-stream"));
    assert_eq!(whole[0].payload, b"a,1\nb,2\n");
    assert_eq!(whole[2].header(":event-type"), Some("End"));
    assert!(whole[2].payload.is_empty());
    for step in 1..s.len() {
        assert_eq!(decode(&s, step).unwrap(), (whole.clone(), 0), "chunks of {step}");
    }
    // Two pieces split at every byte.
    for cut in 0..=s.len() {
        let mut d = Decoder::new();
        let mut got = Vec::new();
        for part in [&s[..cut], &s[cut..]] {
            d.feed(part);
            while let Some(m) = d.next_message().unwrap() {
                got.push(m);
            }
        }
        assert_eq!(got, whole, "cut at {cut}");
    }
}

#[test]
fn truncation_at_every_position_leaves_bytes_unconsumed() {
    let s = records(b"payload");
    for cut in 0..s.len() {
        let (msgs, left) = decode(&s[..cut], 3).unwrap();
        assert!(msgs.is_empty(), "cut {cut}");
        assert_eq!(left, cut, "cut {cut}: the partial message stays buffered, for the caller to call truncated");
    }
}

#[test]
fn a_flipped_bit_anywhere_is_a_checksum_mismatch_or_refused() {
    let s = records(b"0123456789");
    for i in 0..s.len() {
        for bit in [0x01u8, 0x80] {
            let mut bad = s.clone();
            bad[i] ^= bit;
            let e = decode(&bad, bad.len()).map(|(m, left)| (m.len(), left));
            match e {
                Err(e) => assert_eq!(e.kind(), ErrorKind::ChecksumMismatch, "byte {i}: {e}"),
                // Only a damaged total length can leave the decoder waiting (it checks the prelude CRC
                // first, so even that fails); nothing damaged may decode.
                Ok(got) => panic!("byte {i} bit {bit:#x} decoded as {got:?}"),
            }
        }
    }
    let mut prelude = s.clone();
    prelude[10] ^= 1;
    assert!(decode(&prelude, 64).unwrap_err().message().contains("prelude CRC"));
    let mut body = s.clone();
    body[20] ^= 1;
    assert!(decode(&body, 64).unwrap_err().message().contains("message CRC"));
}

fn prelude(total: u32, headers: u32) -> Vec<u8> {
    let mut p = total.to_be_bytes().to_vec();
    p.extend(headers.to_be_bytes());
    let crc = crc32(&p);
    p.extend(crc.to_be_bytes());
    p
}

/// A bitwise CRC-32 (IEEE), independent of the library's, so the test checks the decoder's CRC choice.
fn crc32(b: &[u8]) -> u32 {
    let mut c = 0xFFFF_FFFFu32;
    for &x in b {
        c ^= u32::from(x);
        for _ in 0..8 {
            c = if c & 1 != 0 { (c >> 1) ^ 0xEDB8_8320 } else { c >> 1 };
        }
    }
    !c
}

#[test]
fn lengths_over_the_bound_or_impossible_are_refused_before_buffering() {
    let e = decode(&prelude(MAX_MESSAGE as u32 + 1, 0), 12).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Parse);
    assert!(e.message().contains("over the"), "{e}");
    for (total, headers) in [(0, 0), (15, 0), (20, 5), (16, 1)] {
        let e = decode(&prelude(total, headers), 12).unwrap_err();
        assert!(e.message().contains("impossible lengths"), "{total}/{headers}: {e}");
    }
    // The CRC the decoder checks is the standard CRC-32, computed independently here.
    let f = frame(b"", b"x");
    assert_eq!(&f[..12], &prelude(17, 0)[..]);
    assert_eq!(u32::from_be_bytes(f[13..17].try_into().unwrap()), crc32(&f[..13]));
}

#[test]
fn every_header_type_is_decoded_and_unknown_types_refused() {
    let mut h = Vec::new();
    let mut add = |name: &str, kind: u8, value: &[u8]| {
        h.push(name.len() as u8);
        h.extend(name.as_bytes());
        h.push(kind);
        h.extend(value);
    };
    add("t", 0, b"");
    add("f", 1, b"");
    add("b", 2, &[0xFF]);
    add("s", 3, &[0x80, 0x01]);
    add("i", 4, &7i32.to_be_bytes());
    add("l", 5, &(-2i64).to_be_bytes());
    add("y", 6, &[0, 2, 9, 8]);
    add("str", 7, &[0, 2, b'h', b'i']);
    add("ts", 8, &1_700_000_000_000i64.to_be_bytes());
    add("u", 9, &[3; 16]);
    let (m, _) = decode(&frame(&h, b"p"), 5).unwrap();
    let want = vec![
        ("t", HeaderValue::Bool(true)),
        ("f", HeaderValue::Bool(false)),
        ("b", HeaderValue::Byte(-1)),
        ("s", HeaderValue::Short(-32767)),
        ("i", HeaderValue::Int(7)),
        ("l", HeaderValue::Long(-2)),
        ("y", HeaderValue::Bytes(vec![9, 8])),
        ("str", HeaderValue::String("hi".into())),
        ("ts", HeaderValue::Timestamp(1_700_000_000_000)),
        ("u", HeaderValue::Uuid([3; 16])),
    ];
    let got: Vec<(&str, HeaderValue)> = m[0].headers.iter().map(|(n, v)| (n.as_str(), v.clone())).collect();
    assert_eq!(got, want);
    assert_eq!(m[0].header("str"), Some("hi"));
    assert_eq!(m[0].header("i"), None, "a non-string header is not a string");

    for (headers, why) in [
        (vec![1, b'x', 10], "value type 10"),
        (vec![1, b'x', 7, 0, 5, b'a'], "runs past"),
        (vec![0, 7, 0, 0], "empty name"),
        (vec![1, b'x', 7, 0, 1, 0xFF], "not UTF-8"),
        (vec![3, b'x'], "runs past"),
    ] {
        let e = decode(&frame(&headers, b""), 64).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Parse);
        assert!(e.message().contains(why), "{why}: {e}");
    }
}
