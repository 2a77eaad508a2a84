//! COS Select's answer framing (the AWS event-stream shape COS uses): each message is
//! `total length u32 | headers length u32 | CRC-32 of those 8 bytes | headers | payload | CRC-32 of
//! everything before it`, big-endian. A header is `name length u8 | name | type u8 (7 = string) |
//! value length u16 | value`. The decoder here exists for the unit tests; clients have their own.

/// `:message-type event` messages carry one of these `:event-type`s.
pub const RECORDS: &str = "Records";
pub const STATS: &str = "Stats";
pub const PROGRESS: &str = "Progress";
pub const CONT: &str = "Cont";
pub const END: &str = "End";

/// The string header type, the only one COS sends.
const STRING_TYPE: u8 = 7;
/// Prelude (12 bytes) plus the message CRC (4).
pub const OVERHEAD: usize = 16;

/// One framed message with these headers (name, value) and payload.
pub fn message(headers: &[(&str, &str)], payload: &[u8]) -> Vec<u8> {
    let mut h = Vec::new();
    for (name, value) in headers {
        // Names and values here are the emulator's own short strings (an error message is capped
        // by `error`), so the length prefixes cannot overflow.
        h.push(name.len() as u8);
        h.extend_from_slice(name.as_bytes());
        h.push(STRING_TYPE);
        h.extend_from_slice(&(value.len() as u16).to_be_bytes());
        h.extend_from_slice(value.as_bytes());
    }
    let total = (OVERHEAD + h.len() + payload.len()) as u32;
    let mut out = Vec::with_capacity(total as usize);
    out.extend_from_slice(&total.to_be_bytes());
    out.extend_from_slice(&(h.len() as u32).to_be_bytes());
    let prelude_crc = crc32fast::hash(&out);
    out.extend_from_slice(&prelude_crc.to_be_bytes());
    out.extend_from_slice(&h);
    out.extend_from_slice(payload);
    let message_crc = crc32fast::hash(&out);
    out.extend_from_slice(&message_crc.to_be_bytes());
    out
}

/// An event: Records carry bytes, Stats and Progress an XML document, Cont and End nothing.
pub fn event(kind: &str, payload: &[u8]) -> Vec<u8> {
    let content_type = match kind {
        RECORDS => Some("application/octet-stream"),
        STATS | PROGRESS => Some("text/xml"),
        _ => None,
    };
    let mut headers = vec![(":message-type", "event"), (":event-type", kind)];
    if let Some(ct) = content_type {
        headers.push((":content-type", ct));
    }
    message(&headers, payload)
}

/// The `<Stats>` / `<Progress>` document: bytes scanned (stored), processed (decompressed) and
/// returned (Records payload).
pub fn counters(root: &str, scanned: u64, processed: u64, returned: u64) -> Vec<u8> {
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><{root}><BytesScanned>{scanned}</BytesScanned>\
         <BytesProcessed>{processed}</BytesProcessed><BytesReturned>{returned}</BytesReturned></{root}>"
    )
    .into_bytes()
}

/// The longest `:error-message` sent: a header value's length is a u16.
const MAX_ERROR_MESSAGE: usize = 1024;

/// An error found after the 200 was sent: `:message-type error` with the code and message.
pub fn error(code: &str, message_text: &str) -> Vec<u8> {
    let mut text = message_text;
    if text.len() > MAX_ERROR_MESSAGE {
        let mut cut = MAX_ERROR_MESSAGE;
        while !text.is_char_boundary(cut) {
            cut -= 1;
        }
        text = &text[..cut];
    }
    message(&[(":message-type", "error"), (":error-code", code), (":error-message", text)], b"")
}

#[cfg(test)]
pub mod tests {
    use super::*;

    /// A decoded message: headers and payload.
    pub type Decoded = (Vec<(String, String)>, Vec<u8>);

    /// Decode a whole stream, checking both CRCs of every message.
    pub fn decode(mut s: &[u8]) -> Result<Vec<Decoded>, String> {
        let mut out = Vec::new();
        let be32 = |b: &[u8]| u32::from_be_bytes([b[0], b[1], b[2], b[3]]);
        while !s.is_empty() {
            if s.len() < 12 {
                return Err("truncated prelude".into());
            }
            let (total, hlen) = (be32(s) as usize, be32(&s[4..]) as usize);
            if crc32fast::hash(&s[..8]) != be32(&s[8..]) {
                return Err("prelude CRC mismatch".into());
            }
            if total < OVERHEAD + hlen || s.len() < total {
                return Err("truncated message".into());
            }
            if crc32fast::hash(&s[..total - 4]) != be32(&s[total - 4..]) {
                return Err("message CRC mismatch".into());
            }
            let (mut h, payload) = (&s[12..12 + hlen], &s[12 + hlen..total - 4]);
            let mut headers = Vec::new();
            while !h.is_empty() {
                let n = h[0] as usize;
                let name = String::from_utf8(h[1..1 + n].to_vec()).map_err(|e| e.to_string())?;
                assert_eq!(h[1 + n], STRING_TYPE);
                let vlen = u16::from_be_bytes([h[2 + n], h[3 + n]]) as usize;
                let value = String::from_utf8(h[4 + n..4 + n + vlen].to_vec()).map_err(|e| e.to_string())?;
                headers.push((name, value));
                h = &h[4 + n + vlen..];
            }
            out.push((headers, payload.to_vec()));
            s = &s[total..];
        }
        Ok(out)
    }

    pub fn header<'a>(m: &'a Decoded, name: &str) -> Option<&'a str> {
        m.0.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
    }

    #[test]
    fn frames_round_trip_with_both_crcs() {
        let mut stream = event(RECORDS, b"a,b\n");
        stream.extend(event(STATS, &counters("Stats", 10, 20, 4)));
        stream.extend(event(END, b""));
        let msgs = decode(&stream).unwrap();
        assert_eq!(msgs.len(), 3);
        assert_eq!(header(&msgs[0], ":event-type"), Some("Records"));
        assert_eq!(header(&msgs[0], ":content-type"), Some("application/octet-stream"));
        assert_eq!(msgs[0].1, b"a,b\n");
        assert_eq!(header(&msgs[1], ":content-type"), Some("text/xml"));
        assert!(String::from_utf8_lossy(&msgs[1].1).contains("<BytesProcessed>20</BytesProcessed>"));
        assert_eq!(header(&msgs[2], ":event-type"), Some("End"));
        assert_eq!(header(&msgs[2], ":content-type"), None);
        // The known wire bytes of an End event (the same in every event-stream implementation).
        assert_eq!(&stream[stream.len() - msgs_len(&msgs[2])..][..12], &END_PRELUDE);
    }

    fn msgs_len(m: &Decoded) -> usize {
        let h: usize = m.0.iter().map(|(n, v)| 4 + n.len() + v.len()).sum();
        OVERHEAD + h + m.1.len()
    }

    /// total 56, headers 40, CRC-32 of those 8 bytes.
    const END_PRELUDE: [u8; 12] = [0, 0, 0, 56, 0, 0, 0, 40, 0xc1, 0xc6, 0x84, 0xd4];

    #[test]
    fn every_flipped_byte_and_every_cut_is_detected() {
        let msg = event(RECORDS, b"payload");
        for i in 0..msg.len() {
            let mut bad = msg.clone();
            bad[i] ^= 0x01;
            assert!(decode(&bad).is_err(), "flip at {i} went unnoticed");
        }
        for cut in 1..msg.len() {
            assert!(decode(&msg[..cut]).is_err(), "cut at {cut} went unnoticed");
        }
    }

    #[test]
    fn errors_carry_code_and_a_bounded_message() {
        let long = "é".repeat(2000);
        let msgs = decode(&error("CastFailed", &long)).unwrap();
        assert_eq!(header(&msgs[0], ":message-type"), Some("error"));
        assert_eq!(header(&msgs[0], ":error-code"), Some("CastFailed"));
        assert!(header(&msgs[0], ":error-message").unwrap().len() <= MAX_ERROR_MESSAGE);
    }
}
