//! One connection: read a request head, decide whether a fault fires, let the control API or the
//! router answer (the handler streams the body), drain what is left of the body, write the
//! response, and keep going while the connection stays usable.

use crate::faults::control;
use crate::faults::injection::{self, Effect};
use crate::faults::ratelimit::RateLimiter;
use crate::http::body::BodyReader;
use crate::http::request::{self, Request};
use crate::http::wire::{self, After, Delivery};
use crate::operations::router::{self, Server};
use crate::util;
use std::io::{self, BufReader, BufWriter, Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

/// Socket buffers: large enough that bulk transfers move in few syscalls.
const IO_BUFFER: usize = 256 * 1024;

type Reader = BufReader<TcpStream>;
type Writer = BufWriter<TcpStream>;

/// Serve requests on one connection until the peer closes it, asks to, or a fault ends it.
pub fn serve(server: &Server, stream: TcpStream) {
    let _ = stream.set_nodelay(true);
    let Ok(read_half) = stream.try_clone() else {
        return;
    };
    let mut reader = BufReader::with_capacity(IO_BUFFER, read_half);
    let mut writer = BufWriter::with_capacity(IO_BUFFER, stream);
    // The cap is per connection and per direction, like a network path's.
    let mut in_limit = server.cfg.rate_limit.map(RateLimiter::new);
    let mut out_limit = server.cfg.rate_limit.map(RateLimiter::new);
    // Counted on its first COS request: the control API's own connections would blur a client's count.
    let mut counted = false;
    loop {
        let req = match request::read_head(&mut reader) {
            Ok(req) => req,
            Err(request::ReadError::Closed) => return,
            Err(request::ReadError::Io(e)) => {
                if server.cfg.verbose {
                    eprintln!("cos-emulator: connection dropped: {e}");
                }
                return;
            }
            Err(request::ReadError::Bad(e)) => {
                // The rest of the stream cannot be trusted: answer, then close.
                let request_id = util::new_request_id();
                let mut resp = router::error_response(&e, "", false, &request_id);
                router::add_common_headers(&mut resp, Some(&request_id), server.now());
                let delivery = Delivery { head: false, keep_alive: false, limiter: None, cut: None };
                let _ = wire::write_response(&mut writer, resp, delivery);
                if server.cfg.verbose {
                    eprintln!("cos-emulator: bad request: {} {}", e.status, e.message);
                }
                return;
            }
        };
        if !counted && !control::is_control(&req) {
            counted = true;
            server.stats.connection_used();
        }
        match serve_one(server, &req, &mut reader, &mut writer, in_limit.as_mut(), out_limit.as_mut()) {
            After::Continue => {}
            After::Close => return,
            After::Reset => {
                wire::arm_reset(writer.get_ref());
                return;
            }
        }
    }
}

/// The fault (if any) that fires on this COS request, turned into its effect.
fn fire_fault(server: &Server, req: &Request, request_id: &str) -> Option<(String, Effect)> {
    let (key, sub) = router::fault_target(req);
    let fault = server.faults.take(&req.method, &key, &sub)?;
    server.stats.fault_fired();
    let (bucket, host_region) = router::parse_host(req.header("host").unwrap_or(""));
    let ctx = injection::Context {
        req,
        resource: router::resource(req),
        request_id,
        bucket,
        region: host_region.unwrap_or_else(|| server.cfg.region.clone()),
    };
    Some((fault.describe(), injection::effect(&fault, &ctx)))
}

fn send_continue(writer: &mut Writer) -> io::Result<()> {
    writer.write_all(b"HTTP/1.1 100 Continue\r\n\r\n")?;
    writer.flush()
}

fn serve_one(
    server: &Server,
    req: &Request,
    reader: &mut Reader,
    writer: &mut Writer,
    in_limit: Option<&mut RateLimiter>,
    out_limit: Option<&mut RateLimiter>,
) -> After {
    let started = Instant::now();
    let now = server.now();
    let request_id = util::new_request_id();
    let control = control::is_control(req);
    let fired = if control {
        None
    } else {
        server.stats.record(req);
        fire_fault(server, req, &request_id)
    };
    let (fault_name, mut effect) = fired.map_or((None, Effect::default()), |(n, e)| (Some(n), e));

    if let Some(n) = effect.reset_after {
        // Let the client start its body only if part of it is to be read before the reset.
        if n > 0 && req.expects_continue && send_continue(writer).is_err() {
            return After::Close;
        }
        let mut body = BodyReader::new(reader, req.framing, in_limit);
        let _ = io::copy(&mut body.by_ref().take(n), &mut io::sink());
        log(server, req, fault_name.as_deref(), 0, 0, started.elapsed());
        return After::Reset;
    }
    if req.expects_continue && send_continue(writer).is_err() {
        return After::Close;
    }
    let mut body = BodyReader::new(reader, req.framing, in_limit);
    let mut resp = if control {
        control::handle(server, req)
    } else if let Some(replacement) = effect.replace.take() {
        replacement
    } else {
        router::handle(server, req, &mut body, now, &request_id)
    };
    // Whatever the handler did not read is drained, so the next request starts at its head.
    let reusable = body.drain().is_ok() && !body.is_broken();
    if !control {
        injection::alter(&effect, &mut resp);
        router::add_common_headers(&mut resp, (!effect.drop_request_id).then_some(request_id.as_str()), now);
    }
    if let Some(pause) = effect.stall {
        std::thread::sleep(pause);
    }
    let (status, length) = (resp.status, resp.body.len());
    let keep_alive = req.keep_alive && reusable;
    let delivery = Delivery { head: req.is_head(), keep_alive, limiter: out_limit, cut: effect.cut };
    // Logged before the answer is sent, so the log's order is the order the client saw: a client that
    // retries on another connection right after reading this answer cannot be logged ahead of it.
    log(server, req, fault_name.as_deref(), status, length, started.elapsed());
    let written = wire::write_response(writer, resp, delivery);
    match written {
        Ok(After::Continue) if keep_alive => After::Continue,
        Ok(After::Reset) => After::Reset,
        _ => After::Close,
    }
}

fn log(server: &Server, req: &Request, fault: Option<&str>, status: u16, length: u64, elapsed: Duration) {
    if !server.cfg.verbose {
        return;
    }
    let query: Vec<String> = req
        .query
        .iter()
        .filter(|(k, _)| k != "q-signature" && k != "x-cos-security-token")
        .map(|(k, v)| if v.is_empty() { k.clone() } else { format!("{k}={v}") })
        .collect();
    eprintln!(
        "{} {}{}{}{} -> {} ({} bytes, {:.3} ms){}",
        req.method,
        req.header("host").unwrap_or("-"),
        req.raw_path,
        if query.is_empty() { "" } else { "?" },
        query.join("&"),
        status,
        length,
        elapsed.as_secs_f64() * 1000.0,
        fault.map(|f| format!(" [fault {f}]")).unwrap_or_default()
    );
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cli::Config;
    use crate::storage::store::Store;
    use std::io::BufRead;
    use std::net::TcpListener;
    use std::sync::Arc;

    /// A server on a loopback port, serving until the test ends.
    fn start() -> String {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap().to_string();
        let server = Arc::new(Server::new(Config::default(), Store::memory()));
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let server = server.clone();
                std::thread::spawn(move || serve(&server, stream));
            }
        });
        addr
    }

    /// Send one request on `conn` and read the response: (status, headers, body).
    fn exchange(conn: &mut BufReader<TcpStream>, head: &str, body: &[u8]) -> io::Result<(u16, String, Vec<u8>)> {
        conn.get_mut().write_all(head.as_bytes())?;
        conn.get_mut().write_all(body)?;
        let mut headers = String::new();
        loop {
            let mut line = String::new();
            if conn.read_line(&mut line)? == 0 {
                return Err(io::ErrorKind::UnexpectedEof.into());
            }
            if line == "\r\n" {
                break;
            }
            headers.push_str(&line);
        }
        let status = headers[9..12].parse().unwrap();
        let len = headers
            .lines()
            .find_map(|l| l.strip_prefix("Content-Length: "))
            .map_or(0, |v| v.trim().parse::<usize>().unwrap());
        let mut body = vec![0; len];
        conn.read_exact(&mut body)?;
        Ok((status, headers, body))
    }

    fn connect(addr: &str) -> BufReader<TcpStream> {
        BufReader::new(TcpStream::connect(addr).unwrap())
    }

    const HOST: &str = "Host: b-1250000000.cos.ap-guangzhou.myqcloud.com\r\n";

    #[test]
    fn faults_fire_before_auth_count_down_and_are_counted() {
        let addr = start();
        let mut c = connect(&addr);
        let add = "POST /__emulator/faults?kind=status&status=503&code=SlowDown&count=2&method=GET HTTP/1.1\r\nHost: x\r\n\r\n";
        let (status, headers, id) = exchange(&mut c, add, b"").unwrap();
        assert_eq!((status, id.as_slice()), (200, b"1\n".as_slice()));
        assert!(headers.contains("x-emulator-fault-id: 1"));
        let get = format!("GET /k HTTP/1.1\r\n{HOST}x-cos-sdk-retry: true\r\n\r\n");
        for _ in 0..2 {
            let (status, headers, body) = exchange(&mut c, &get, b"").unwrap();
            assert_eq!(status, 503);
            assert!(headers.contains("x-cos-request-id: ") && headers.contains("x-cos-trace-id: "));
            assert!(String::from_utf8_lossy(&body).contains("<Code>SlowDown</Code>"));
        }
        // Used up: the unsigned request now meets authentication.
        let (status, _, body) = exchange(&mut c, &get, b"").unwrap();
        assert_eq!(status, 403, "{}", String::from_utf8_lossy(&body));
        let (_, _, stats) = exchange(&mut c, "GET /__emulator/stats HTTP/1.1\r\nHost: x\r\n\r\n", b"").unwrap();
        assert_eq!(String::from_utf8_lossy(&stats), "requests 3\nretries 3\nfaults 2\nconnections 1\nGET 3\n");
        let (_, _, list) = exchange(&mut c, "GET /__emulator/faults HTTP/1.1\r\nHost: x\r\n\r\n", b"").unwrap();
        assert!(list.is_empty());
    }

    #[test]
    fn unread_bodies_are_drained_and_resets_cut_uploads() {
        let addr = start();
        let mut c = connect(&addr);
        // An unsigned PUT is refused without reading its body; the body is drained, so the same
        // connection carries the next request.
        let body = vec![b'x'; 3_000_000];
        let put = format!("PUT /k HTTP/1.1\r\n{HOST}Content-Length: {}\r\n\r\n", body.len());
        for _ in 0..2 {
            assert_eq!(exchange(&mut c, &put, &body).unwrap().0, 403);
        }
        // A reset after 1000 body bytes: no response, the connection is reset.
        let add = "POST /__emulator/faults?kind=reset&after_bytes=1000&method=PUT HTTP/1.1\r\nHost: x\r\n\r\n";
        exchange(&mut c, add, b"").unwrap();
        let small = vec![b'y'; 100_000];
        let put = format!("PUT /k HTTP/1.1\r\n{HOST}Content-Length: {}\r\n\r\n", small.len());
        let err = exchange(&mut c, &put, &small).unwrap_err();
        let reset = [io::ErrorKind::ConnectionReset, io::ErrorKind::UnexpectedEof, io::ErrorKind::BrokenPipe];
        assert!(reset.contains(&err.kind()), "{err:?}");
        // A head over 64 KiB is refused with 400.
        let mut c = connect(&addr);
        let big = format!("GET /k HTTP/1.1\r\n{HOST}x-junk: {}\r\n\r\n", "j".repeat(70_000));
        let (status, _, body) = exchange(&mut c, &big, b"").unwrap();
        assert_eq!(status, 400);
        assert!(String::from_utf8_lossy(&body).contains("RequestHeaderSectionTooLarge"));
    }
}
