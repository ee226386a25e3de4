//! WebSockets over HTTP/2 (RFC 8441) end to end, over loopback TCP: an `h2` server that
//! announces `SETTINGS_ENABLE_CONNECT_PROTOCOL`, an `h2` client that opens the
//! WebSocket with the extended CONNECT (`:method CONNECT`, `:protocol websocket`), and
//! the crate's tokio driver on both ends of the HTTP/2 stream
//! (`examples/common/h2_stream.rs`).
//!
//! Both ends record the bytes they read off the stream, so the tests check the wire and
//! not only what the drivers report: client frames masked and server frames not
//! (RFC 8441 §5 keeps RFC 6455's masking), a fragmented message, RSV1 on compressed
//! frames, END_STREAM (not a reset) after the close handshake.

#![cfg(all(feature = "http", feature = "tokio", feature = "deflate"))]

extern crate alloc;

#[path = "../examples/common/h2_stream.rs"]
mod h2_stream;

use alloc::sync::Arc;
use core::net::SocketAddr;
use core::pin::Pin;
use core::task::{Context, Poll};
use core::time::Duration;
use std::sync::Mutex;

use bytes::Bytes;
use h2::client::SendRequest;
use h2::ext::Protocol;
use h2::server::SendResponse;
use h2::{PingPong, RecvStream};
use http::{Method, Request, Response, StatusCode};
use rfc6455::handshake::http::{
    accept_connect_response, reject_connect_response, validate_connect_request,
    validate_connect_response,
};
use rfc6455::handshake::{Accept, ClientKey, ClientRequest, Reject, ResponseError};
use rfc6455::message::MessageBuffer;
use rfc6455::tokio::{Error, Message, WebSocket};
use rfc6455::{random_mask_seed, CloseCode, Config, Connection, MessageReader, Received};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;
use tokio::time::timeout;

use h2_stream::H2Stream;

/// Bounds every exchange: a hang is a failure, not a stuck CI run.
const LIMIT: Duration = Duration::from_secs(10);
/// The HTTP/2 connection's receive window, on both ends: 16 times the streams' 65,535
/// bytes. Data a WebSocket has not read yet holds its share of the connection window
/// (h2 gives it back only as the stream's reader consumes); with windows of equal size,
/// one WebSocket that is not being read would stall every other on the connection.
const CONNECTION_WINDOW: u32 = 1 << 20;

// ===== wire recording =====

/// A byte stream that keeps a copy of everything read through it.
struct Recording<T> {
    inner: T,
    read: Arc<Mutex<Vec<u8>>>,
}

impl<T> Recording<T> {
    fn new(inner: T) -> (Self, Arc<Mutex<Vec<u8>>>) {
        let read = Arc::new(Mutex::new(Vec::new()));
        (Self { inner, read: read.clone() }, read)
    }
}

impl<T: AsyncRead + Unpin> AsyncRead for Recording<T> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        let before = buf.filled().len();
        let result = Pin::new(&mut self.inner).poll_read(cx, buf);
        self.read.lock().unwrap().extend_from_slice(&buf.filled()[before..]);
        result
    }
}

impl<T: AsyncWrite + Unpin> AsyncWrite for Recording<T> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write(cx, buf)
    }
    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }
    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

/// One WebSocket frame header as it was on the wire (RFC 6455 §5.2).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct WireFrame {
    fin: bool,
    rsv1: bool,
    opcode: u8,
    masked: bool,
    payload_len: usize,
}

/// The frame headers in `bytes`, a whole recorded stream, read independently of the
/// crate's decoder.
fn wire_frames(bytes: &[u8]) -> Vec<WireFrame> {
    let mut frames = Vec::new();
    let mut at = 0;
    while at < bytes.len() {
        let (b0, b1) = (bytes[at], bytes[at + 1]);
        let (mut len, mut header) = (usize::from(b1 & 0x7f), 2);
        if len == 126 {
            len = usize::from(u16::from_be_bytes([bytes[at + 2], bytes[at + 3]]));
            header += 2;
        } else if len == 127 {
            len = usize::try_from(u64::from_be_bytes(bytes[at + 2..at + 10].try_into().unwrap()))
                .unwrap();
            header += 8;
        }
        let masked = b1 & 0x80 != 0;
        if masked {
            header += 4;
        }
        frames.push(WireFrame {
            fin: b0 & 0x80 != 0,
            rsv1: b0 & 0x40 != 0,
            opcode: b0 & 0x0f,
            masked,
            payload_len: len,
        });
        at += header + len;
    }
    assert_eq!(at, bytes.len(), "the recording ends inside a frame");
    frames
}

// ===== the server =====

/// What the server saw on one HTTP/2 stream.
#[derive(Debug)]
struct StreamReport {
    /// The TCP connection it came on (0, 1, ... in accept order).
    connection: usize,
    stream_id: u32,
    method: Method,
    /// The `:protocol` pseudo-header.
    protocol: Option<String>,
    /// The status the server answered.
    status: StatusCode,
    /// The WebSocket session, when the request was accepted.
    session: Option<Session>,
}

/// One end's view of a finished WebSocket session.
#[derive(Debug)]
struct Session {
    /// Everything received, in order, the peer's Close included.
    received: Vec<Message>,
    /// `close_code()` at the end.
    close_code: Option<CloseCode>,
    /// permessage-deflate was agreed in the handshake.
    deflate: bool,
    /// The bytes read off the HTTP/2 stream.
    wire: Vec<u8>,
    /// After the close handshake, the stream read to its end (the peer's END_STREAM)
    /// rather than failing (a reset).
    ended_cleanly: bool,
}

/// An h2 server on a free loopback port; every stream's report comes out of the
/// receiver once the stream is done.
async fn start_server(
    connect_protocol: bool,
) -> (SocketAddr, mpsc::UnboundedReceiver<StreamReport>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (reports, rx) = mpsc::unbounded_channel();
    tokio::spawn(async move {
        for connection in 0.. {
            let (tcp, _) = listener.accept().await.unwrap();
            // HTTP/2's small frames (WINDOW_UPDATE, SETTINGS ACK) must not wait for
            // Nagle's algorithm.
            tcp.set_nodelay(true).unwrap();
            let reports = reports.clone();
            tokio::spawn(async move {
                let mut builder = h2::server::Builder::new();
                builder.initial_connection_window_size(CONNECTION_WINDOW);
                if connect_protocol {
                    builder.enable_connect_protocol();
                }
                let mut h2 = builder.handshake::<_, Bytes>(tcp).await.unwrap();
                while let Some(request) = h2.accept().await {
                    let Ok((request, respond)) = request else { break };
                    let reports = reports.clone();
                    tokio::spawn(async move {
                        let report = serve_stream(connection, request, respond).await;
                        let _ = reports.send(report);
                    });
                }
            });
        }
    });
    (addr, rx)
}

/// Answers one request: the extended CONNECT of a WebSocket gets its 200 and the echo
/// session; anything else its rejection.
async fn serve_stream(
    connection: usize,
    request: Request<RecvStream>,
    mut respond: SendResponse<Bytes>,
) -> StreamReport {
    let protocol = request.extensions().get::<Protocol>().map(|p| p.as_str().to_owned());
    let mut report = StreamReport {
        connection,
        stream_id: respond.stream_id().into(),
        method: request.method().clone(),
        protocol,
        status: StatusCode::OK,
        session: None,
    };
    let config = Config::default();
    let (response, conn, deflate) = match server_handshake(&request, &config) {
        Ok(accepted) => accepted,
        Err(rejection) => {
            report.status = rejection.status();
            let (parts, body) = (*rejection).into_parts();
            let mut send =
                respond.send_response(Response::from_parts(parts, ()), body.is_empty()).unwrap();
            if !body.is_empty() {
                send.send_data(Bytes::from(body), true).unwrap();
            }
            return report;
        }
    };
    report.status = response.status();
    let send = respond.send_response(response, false).unwrap();
    let (stream, wire) = Recording::new(H2Stream::new(send, request.into_body()));
    let ws = WebSocket::from_connection(stream, conn);
    report.session = Some(echo(ws, deflate, wire).await);
    report
}

/// The server's side of a session: every message echoed; a text `close <code> <reason>`
/// makes it start the close handshake itself.
async fn echo(
    mut ws: WebSocket<Recording<H2Stream>>,
    deflate: bool,
    wire: Arc<Mutex<Vec<u8>>>,
) -> Session {
    let mut reader = MessageReader::default();
    let mut received = Vec::new();
    loop {
        let message = match ws.recv(&mut reader).await {
            Ok(message) => message,
            Err(Error::Closed) => break,
            Err(e) => panic!("server: {e}"),
        };
        received.push(Message::from(message));
        match message {
            Received::Text(text) if text.starts_with("close ") => {
                let mut words = text.splitn(3, ' ').skip(1);
                let code = words.next().unwrap().parse::<u16>().unwrap();
                let reason = words.next().unwrap_or("").to_owned();
                ws.close(CloseCode::new(code), &reason).await.unwrap();
            }
            Received::Text(text) => ws.send_text(text).await.unwrap(),
            Received::Binary(data) => ws.send_binary(data).await.unwrap(),
            _ => {} // pings and the Close are answered by the driver
        }
    }
    finish(ws, received, deflate, wire).await
}

/// Reads the stream to its end after the close handshake, and sums the session up.
async fn finish(
    ws: WebSocket<Recording<H2Stream>>,
    received: Vec<Message>,
    deflate: bool,
    wire: Arc<Mutex<Vec<u8>>>,
) -> Session {
    let close_code = ws.close_code();
    let mut stream = ws.into_inner();
    let mut rest = Vec::new();
    let ended_cleanly = matches!(timeout(LIMIT, stream.read_to_end(&mut rest)).await, Ok(Ok(0)));
    let wire = wire.lock().unwrap().clone();
    Session { received, close_code, deflate, wire, ended_cleanly }
}

// ===== the handshake, both ends =====

/// The 200, the server `Connection`, and whether permessage-deflate was agreed.
type Accepted = (Response<()>, Connection, bool);

/// Validates the extended CONNECT with the crate (`:protocol websocket`, the version,
/// the offers) and builds the 200 and the server `Connection` (with whether
/// permessage-deflate was agreed), or the crate's rejection.
fn server_handshake<B>(
    request: &Request<B>,
    config: &Config,
) -> Result<Accepted, Box<Response<Vec<u8>>>> {
    let protocol = request.extensions().get::<Protocol>().map(|p| p.as_str());
    let mut fields = Vec::new();
    let connect = validate_connect_request(request, protocol, &mut fields)
        .map_err(|error| Box::new(reject_connect_response(&Reject::from_error(error)).unwrap()))?;
    let accept = Accept::new().with_deflate(*config.deflate());
    let (response, upgrade) = accept_connect_response(&connect, &accept).unwrap();
    let deflate = upgrade.deflate().is_some();
    Ok((response, upgrade.into_connection(*config), deflate))
}

/// An HTTP/2 client connection to `addr`, its connection task spawned, once the server's
/// SETTINGS are known (a PING round trip: the server's SETTINGS come before its PONG).
async fn h2_client(addr: SocketAddr) -> SendRequest<Bytes> {
    let tcp = TcpStream::connect(addr).await.unwrap();
    tcp.set_nodelay(true).unwrap();
    let (send_request, mut connection) = h2::client::Builder::new()
        .initial_connection_window_size(CONNECTION_WINDOW)
        .handshake(tcp)
        .await
        .unwrap();
    let mut ping_pong: PingPong = connection.ping_pong().unwrap();
    tokio::spawn(async move {
        let _ = connection.await;
    });
    ping_pong.ping(h2::Ping::opaque()).await.unwrap();
    send_request.ready().await.unwrap()
}

/// A client WebSocket over a new stream of `h2`, with its recording.
struct ClientSocket {
    ws: WebSocket<Recording<H2Stream>>,
    reader: MessageReader<Vec<u8>, MessageBuffer>,
    deflate: bool,
    wire: Arc<Mutex<Vec<u8>>>,
}

/// How opening a WebSocket can fail.
#[derive(Debug)]
enum OpenError {
    /// The server did not announce SETTINGS_ENABLE_CONNECT_PROTOCOL: not sent.
    NotEnabled,
    /// The server answered with this status.
    Status(StatusCode),
    /// HTTP/2 refused the request (a stream reset, with its reason).
    H2(h2::Error),
}

/// Sends the extended CONNECT for `path` (with `:protocol` `protocol`) and starts the
/// WebSocket on the 200.
async fn open(
    h2: &mut SendRequest<Bytes>,
    addr: SocketAddr,
    path: &str,
    protocol: &'static str,
    config: Config,
    check_settings: bool,
) -> Result<ClientSocket, OpenError> {
    if check_settings && !h2.is_extended_connect_protocol_enabled() {
        return Err(OpenError::NotEnabled);
    }
    let uri = format!("ws://{addr}{path}");
    let key = ClientKey::from_random(random_mask_seed());
    let offer = ClientRequest::from_uri(&uri, key).unwrap().with_deflate(*config.deflate());
    let mut request = offer.to_http_connect().unwrap();
    request.extensions_mut().insert(Protocol::from_static(protocol));
    let (response, send) = h2.send_request(request, false).map_err(OpenError::H2)?;
    let response = response.await.map_err(OpenError::H2)?;
    let upgrade = match validate_connect_response(&offer, &response) {
        Ok(upgrade) => upgrade,
        Err(ResponseError::Rejected(_)) => return Err(OpenError::Status(response.status())),
        Err(error) => panic!("the server's answer: {error}"),
    };
    let deflate = upgrade.deflate().is_some();
    let conn = upgrade.into_connection(config, random_mask_seed());
    let (stream, wire) = Recording::new(H2Stream::new(send, response.into_body()));
    let ws = WebSocket::from_connection(stream, conn);
    Ok(ClientSocket { ws, reader: MessageReader::default(), deflate, wire })
}

impl ClientSocket {
    /// The next message, as an owned `Message`.
    async fn recv(&mut self) -> Message {
        Message::from(timeout(LIMIT, self.ws.recv(&mut self.reader)).await.unwrap().unwrap())
    }

    /// Receives until the driver reports the end, then reads the stream to its end.
    async fn finish(mut self) -> Session {
        let mut received = Vec::new();
        loop {
            match timeout(LIMIT, self.ws.recv(&mut self.reader)).await.unwrap() {
                Ok(message) => received.push(Message::from(message)),
                Err(Error::Closed) => break,
                Err(e) => panic!("client: {e}"),
            }
        }
        finish(self.ws, received, self.deflate, self.wire).await
    }
}

/// The next stream report of the server.
async fn report(reports: &mut mpsc::UnboundedReceiver<StreamReport>) -> StreamReport {
    timeout(LIMIT, reports.recv()).await.unwrap().unwrap()
}

fn text(s: &str) -> Message {
    Message::Text(s.to_owned())
}

// ===== the tests =====

/// One WebSocket over HTTP/2 through a whole session: text, binary, ping and pong, a
/// fragmented message, permessage-deflate, and the close handshake with a code and
/// reason, each checked on the wire too.
#[tokio::test]
async fn full_session_over_an_extended_connect() {
    let (addr, mut reports) = start_server(true).await;
    let mut h2 = h2_client(addr).await;
    assert!(h2.is_extended_connect_protocol_enabled());
    // Fragments of 64 bytes at most: a longer message goes out as several frames.
    let config = Config::default().with_max_send_frame_len(64);
    let mut ws = open(&mut h2, addr, "/chat?room=1", "websocket", config, true).await.unwrap();

    ws.ws.send_text("Hello over HTTP/2").await.unwrap();
    assert_eq!(ws.recv().await, text("Hello over HTTP/2"));
    ws.ws.send_binary(&[0, 1, 2, 0xff]).await.unwrap();
    assert_eq!(ws.recv().await, Message::Binary(vec![0, 1, 2, 0xff]));
    ws.ws.send_ping(b"are you there").await.unwrap();
    assert_eq!(ws.recv().await, Message::Pong(b"are you there".to_vec()));
    let long = "fragmented ".repeat(30); // 330 bytes: six frames of 64 and one of 10
    ws.ws.send_text(&long).await.unwrap();
    assert_eq!(ws.recv().await, text(&long));
    let compressible = "a".repeat(4000);
    ws.ws.send_text(&compressible).await.unwrap();
    assert_eq!(ws.recv().await, text(&compressible));
    ws.ws.close(CloseCode::new(4001), "client done").await.unwrap();
    let client = ws.finish().await;

    let server = report(&mut reports).await;
    assert_eq!((server.method, server.protocol.as_deref()), (Method::CONNECT, Some("websocket")));
    assert_eq!(server.status, StatusCode::OK);
    let server = server.session.unwrap();

    // What each side received.
    assert_eq!(
        server.received,
        [
            text("Hello over HTTP/2"),
            Message::Binary(vec![0, 1, 2, 0xff]),
            Message::Ping(b"are you there".to_vec()),
            text(&long),
            text(&compressible),
            Message::Close(Some((CloseCode::new(4001), "client done".to_owned()))),
        ]
    );
    assert_eq!(server.close_code, Some(CloseCode::new(4001)));
    // The reply names the same code (RFC 6455 §5.5.1).
    assert_eq!(client.received, [Message::Close(Some((CloseCode::new(4001), String::new())))]);
    assert_eq!(client.close_code, Some(CloseCode::new(4001)));
    // Each side's stream ended with END_STREAM, not a reset.
    assert!(server.ended_cleanly && client.ended_cleanly);

    // On the wire: every client frame masked, no server frame masked.
    let (client_frames, server_frames) = (wire_frames(&server.wire), wire_frames(&client.wire));
    assert!(client_frames.iter().all(|f| f.masked), "{client_frames:?}");
    assert!(server_frames.iter().all(|f| !f.masked), "{server_frames:?}");
    // The long message as fragments: a text frame without FIN, continuations, FIN last.
    let start = client_frames.iter().position(|f| f.opcode == 0x1 && !f.fin).unwrap();
    let end = start + client_frames[start..].iter().position(|f| f.fin).unwrap();
    let fragments = &client_frames[start..=end];
    assert!(fragments.len() >= 3, "{fragments:?}");
    assert!(fragments[1..].iter().all(|f| f.opcode == 0x0), "{fragments:?}");

    // permessage-deflate: agreed, and the 4000-byte message went out compressed (RSV1
    // on its first frame, far fewer bytes than the text) both ways.
    assert!(server.deflate && client.deflate);
    for frames in [&client_frames, &server_frames] {
        let compressed: Vec<_> = frames.iter().filter(|f| f.rsv1).collect();
        assert!(!compressed.is_empty(), "{frames:?}");
        assert!(compressed.iter().all(|f| f.opcode == 0x1 || f.opcode == 0x2));
    }
    let wire_text: usize =
        server_frames.iter().filter(|f| f.opcode != 0x8).map(|f| f.payload_len).sum();
    assert!(wire_text < 1000, "{wire_text} bytes of echoes on the wire for 4,000+ of text");
}

/// Two WebSockets on one HTTP/2 connection at once: two streams of the same TCP
/// connection, messages interleaved, one closed by the client and one by the server,
/// both cleanly.
#[tokio::test]
async fn two_websockets_share_one_connection() {
    let (addr, mut reports) = start_server(true).await;
    let mut h2 = h2_client(addr).await;
    let mut a = open(&mut h2, addr, "/a", "websocket", Config::default(), true).await.unwrap();
    let mut b = open(&mut h2, addr, "/b", "websocket", Config::default(), true).await.unwrap();

    // Both open before either sends; then interleaved, with two messages in flight on
    // each stream before the first echo is read.
    for round in 0..3 {
        a.ws.send_text(&format!("a{round}")).await.unwrap();
        b.ws.send_text(&format!("b{round}")).await.unwrap();
        b.ws.send_binary(&[round; 3]).await.unwrap();
        a.ws.send_binary(&[round; 2]).await.unwrap();
        assert_eq!(b.recv().await, text(&format!("b{round}")));
        assert_eq!(a.recv().await, text(&format!("a{round}")));
        assert_eq!(a.recv().await, Message::Binary(vec![round; 2]));
        assert_eq!(b.recv().await, Message::Binary(vec![round; 3]));
    }
    // `a` is closed by the client, `b` by the server (asked to), while `a` is open.
    b.ws.send_text("close 4002 server done").await.unwrap();
    assert_eq!(
        b.recv().await,
        Message::Close(Some((CloseCode::new(4002), "server done".to_owned())))
    );
    a.ws.send_text("still here").await.unwrap();
    assert_eq!(a.recv().await, text("still here"));
    a.ws.close(CloseCode::NORMAL, "a done").await.unwrap();
    let (a, b) = (a.finish().await, b.finish().await);
    assert!(a.ended_cleanly && b.ended_cleanly);
    assert_eq!(a.close_code, Some(CloseCode::NORMAL));
    assert_eq!(b.close_code, Some(CloseCode::new(4002)));

    let mut servers = [report(&mut reports).await, report(&mut reports).await];
    servers.sort_by_key(|r| r.stream_id);
    // The same TCP connection, two client-initiated streams.
    assert_eq!(
        servers.iter().map(|r| (r.connection, r.stream_id)).collect::<Vec<_>>(),
        [(0, 1), (0, 3)]
    );
    let [sa, sb] = servers.map(|r| r.session.unwrap());
    assert!(sa.ended_cleanly && sb.ended_cleanly);
    assert_eq!(
        sa.received.last(),
        Some(&Message::Close(Some((CloseCode::NORMAL, "a done".to_owned()))))
    );
    assert_eq!(sa.received.len(), 8);
    // The server's own Close was answered with its code.
    assert_eq!(
        sb.received.last(),
        Some(&Message::Close(Some((CloseCode::new(4002), String::new()))))
    );
    assert_eq!(sb.close_code, Some(CloseCode::new(4002)));
    for session in [&sa, &sb] {
        assert!(wire_frames(&session.wire).iter().all(|f| f.masked));
    }
}

/// A server that did not enable the extended CONNECT: its SETTINGS say so, and a
/// CONNECT with `:protocol` sent anyway is refused by its HTTP/2 layer (RFC 8441 §3: a
/// stream error of type PROTOCOL_ERROR) before any handler sees it.
#[tokio::test]
async fn server_without_connect_protocol_refuses() {
    let (addr, mut reports) = start_server(false).await;
    let mut h2 = h2_client(addr).await;
    assert!(!h2.is_extended_connect_protocol_enabled());
    let not_sent = open(&mut h2, addr, "/", "websocket", Config::default(), true).await;
    assert!(matches!(not_sent, Err(OpenError::NotEnabled)), "{:?}", not_sent.map(|_| ()));

    let refused = timeout(LIMIT, open(&mut h2, addr, "/", "websocket", Config::default(), false))
        .await
        .unwrap();
    match refused {
        Err(OpenError::H2(e)) => assert_eq!(e.reason(), Some(h2::Reason::PROTOCOL_ERROR), "{e}"),
        other => panic!("expected a PROTOCOL_ERROR reset, got {:?}", other.map(|_| ())),
    }
    // No handler ran: the next report is that of a plain request on the same connection.
    let request = Request::builder().uri(format!("http://{addr}/")).body(()).unwrap();
    let (response, _) = h2.send_request(request, true).unwrap();
    let response = timeout(LIMIT, response).await.unwrap().unwrap();
    assert_eq!(response.status(), StatusCode::METHOD_NOT_ALLOWED);
    let plain = report(&mut reports).await;
    assert_eq!((plain.method, plain.protocol), (Method::GET, None));
}

/// An extended CONNECT for another protocol reaches the handler, which refuses it with
/// a status, and the connection goes on serving WebSockets.
#[tokio::test]
async fn wrong_protocol_gets_a_rejection_status() {
    let (addr, mut reports) = start_server(true).await;
    let mut h2 = h2_client(addr).await;
    let rejected = open(&mut h2, addr, "/", "webtransport", Config::default(), true).await;
    let Err(OpenError::Status(status)) = rejected else { panic!("{:?}", rejected.map(|_| ())) };
    assert!(status.is_client_error(), "{status}");
    let seen = report(&mut reports).await;
    assert_eq!(
        (seen.method, seen.protocol.as_deref(), seen.status),
        (Method::CONNECT, Some("webtransport"), status)
    );
    assert!(seen.session.is_none());

    let mut ws = open(&mut h2, addr, "/", "websocket", Config::default(), true).await.unwrap();
    ws.ws.send_text("after the rejection").await.unwrap();
    assert_eq!(ws.recv().await, text("after the rejection"));
    ws.ws.close(CloseCode::NORMAL, "").await.unwrap();
    assert!(ws.finish().await.ended_cleanly);
}

/// Messages far larger than HTTP/2's flow-control windows (65,535 bytes to start with,
/// per stream and for the connection), on two streams at once: the adapter writes only
/// what the windows allow and opens them again as it reads, so both get through.
#[tokio::test]
async fn messages_larger_than_the_flow_control_windows() {
    let (addr, mut reports) = start_server(true).await;
    let mut h2 = h2_client(addr).await;
    let mut a = open(&mut h2, addr, "/a", "websocket", Config::default(), true).await.unwrap();
    let mut b = open(&mut h2, addr, "/b", "websocket", Config::default(), true).await.unwrap();
    // Incompressible (an xorshift sequence), so permessage-deflate does not shrink it.
    let mut x = 0x2545_f491_4f6c_dd1d_u64;
    let big: Vec<u8> = (0..1 << 20)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x as u8
        })
        .collect();
    let (sent_a, sent_b) = tokio::join!(
        timeout(LIMIT, a.ws.send_binary(&big)),
        timeout(LIMIT, b.ws.send_binary(&big[1..]))
    );
    sent_a.unwrap().unwrap();
    sent_b.unwrap().unwrap();
    assert!(a.recv().await == Message::Binary(big.clone()));
    assert!(b.recv().await == Message::Binary(big[1..].to_vec()));
    for ws in [&mut a, &mut b] {
        ws.ws.close(CloseCode::NORMAL, "").await.unwrap();
    }
    assert!(a.finish().await.ended_cleanly && b.finish().await.ended_cleanly);
    for _ in 0..2 {
        let server = report(&mut reports).await.session.unwrap();
        assert!(server.wire.len() > 1 << 20, "{}", server.wire.len());
    }
}
