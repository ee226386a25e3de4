//! The handover from the handshake to the frame layer: the upgrades carry the leftover
//! bytes, the subprotocol and permessage-deflate into the `Connection` they build, and
//! every handshake error is owned.
#![cfg(feature = "alloc")]

use rfc6455::handshake::{
    accept_key, Accept, ClientHandshake, ClientKey, ClientRequest, ClientUpgrade, HandshakeError,
    Limits, ResponseError, ServerHandshake, ServerUpgrade, Status, UsageError, MAX_SUBPROTOCOL_LEN,
};
use rfc6455::{Config, Connection, Event, SliceSink};

const NONCE: [u8; 16] = *b"the sample nonce";

/// An upgrade with the buffer its head was parsed from.
type Side<U> = (U, Vec<u8>);

/// Runs a whole exchange over in-memory buffers: the client's request (with `frames`
/// from the client appended behind it), the server's 101 (with `server_frames` behind
/// it). Returns both upgrades and the buffers they were parsed from.
fn exchange(
    client: ClientRequest<'_>,
    decide: impl FnOnce(&rfc6455::handshake::Request<'_>) -> Accept<'static>,
    client_frames: &[u8],
    server_frames: &[u8],
) -> (Side<ServerUpgrade>, Result<Side<ClientUpgrade>, ResponseError>) {
    let mut request_buf = Vec::new();
    client.write(&mut request_buf).unwrap();
    request_buf.extend_from_slice(client_frames);
    let mut server = ServerHandshake::new(Limits::default());
    let request = server.parse_request(&request_buf).unwrap().complete().unwrap();
    let mut response_buf = Vec::new();
    let server_upgrade = request.accept(&decide(&request), &mut response_buf).unwrap();
    response_buf.extend_from_slice(server_frames);
    let client_upgrade = ClientHandshake::new(client, Limits::default())
        .parse_response(&response_buf)
        .map(|status| status.complete().expect("a complete head"));
    ((server_upgrade, request_buf), client_upgrade.map(|upgrade| (upgrade, response_buf)))
}

/// The one text message in `input`, whole or inflated in one piece.
fn text_of(conn: &mut Connection, input: &mut [u8]) -> Option<String> {
    match conn.handle_read(input) {
        Ok((Some(Event::Data(chunk)), _)) => chunk.as_whole_text().map(str::to_owned),
        #[cfg(feature = "deflate")]
        Ok((Some(Event::Inflated { is_first: true, is_last: true, .. }), _)) => {
            String::from_utf8(conn.inflated().to_vec()).ok()
        }
        _ => None,
    }
}

fn client_frame(text: &str) -> Vec<u8> {
    let mut sender = Connection::client(Config::default(), [5; 16]);
    let mut out = Vec::new();
    sender.send_text(text, &mut out).unwrap();
    out
}

fn server_frame(text: &str) -> Vec<u8> {
    let mut sender = Connection::server(Config::default());
    let mut out = Vec::new();
    sender.send_text(text, &mut out).unwrap();
    out
}

#[test]
fn leftover_bytes_reach_the_built_connections() {
    let client = ClientRequest::new("h", "/", ClientKey::from_random(NONCE));
    let (hello, welcome) = (client_frame("hello"), server_frame("welcome"));
    let ((server_upgrade, mut request_buf), client_side) =
        exchange(client, |_| Accept::new(), &hello, &welcome);
    let (client_upgrade, mut response_buf) = client_side.unwrap();

    assert_eq!(server_upgrade.head_len(), request_buf.len() - hello.len());
    assert_eq!(server_upgrade.leftover(&mut request_buf), &hello[..]);
    let mut server = server_upgrade.into_connection(Config::default());
    assert_eq!(server.role(), rfc6455::Role::Server);
    let leftover = server_upgrade.leftover(&mut request_buf);
    assert_eq!(text_of(&mut server, leftover).as_deref(), Some("hello"));

    assert_eq!(client_upgrade.head_len(), response_buf.len() - welcome.len());
    let mut client = client_upgrade.into_connection(Config::default(), [1; 16]);
    assert_eq!(client.role(), rfc6455::Role::Client);
    let leftover = client_upgrade.leftover(&mut response_buf);
    assert_eq!(text_of(&mut client, leftover).as_deref(), Some("welcome"));
}

#[test]
fn nothing_behind_the_head_leaves_nothing_over() {
    let client = ClientRequest::new("h", "/", ClientKey::from_random(NONCE));
    let ((server_upgrade, mut request_buf), client_side) =
        exchange(client, |_| Accept::new(), b"", b"");
    let (client_upgrade, mut response_buf) = client_side.unwrap();
    assert!(server_upgrade.leftover(&mut request_buf).is_empty());
    assert!(client_upgrade.leftover(&mut response_buf).is_empty());
    // A shorter buffer than the head gives nothing rather than a panic.
    assert!(server_upgrade.leftover(&mut [0u8; 3]).is_empty());
}

#[test]
fn the_subprotocol_round_trips_and_outlives_the_buffers() {
    let client = ClientRequest::new("h", "/", ClientKey::from_random(NONCE))
        .with_subprotocols(&["v1.chat", "graphql-transport-ws"]);
    let (server_upgrade, client_upgrade) = {
        let ((server_upgrade, _), client_side) = exchange(
            client,
            |request| {
                let chosen = request.select_subprotocol(&["graphql-transport-ws", "v1.chat"]);
                // `Accept<'static>`: the choice is one of the server's own strings.
                Accept::new().with_subprotocol(chosen.map(|_| "graphql-transport-ws"))
            },
            b"",
            b"",
        );
        (server_upgrade, client_side.unwrap().0)
    }; // both buffers are gone here
    assert_eq!(server_upgrade.subprotocol(), Some("graphql-transport-ws"));
    assert_eq!(client_upgrade.subprotocol(), Some("graphql-transport-ws"));

    let client = ClientRequest::new("h", "/", ClientKey::from_random(NONCE));
    let ((server_upgrade, _), client_side) = exchange(client, |_| Accept::new(), b"", b"");
    assert_eq!(server_upgrade.subprotocol(), None);
    assert_eq!(client_side.unwrap().0.subprotocol(), None);
}

#[test]
fn a_subprotocol_longer_than_the_limit_is_refused() {
    let longest = "p".repeat(MAX_SUBPROTOCOL_LEN);
    let too_long = "q".repeat(MAX_SUBPROTOCOL_LEN + 1);
    // The client refuses to offer it.
    let offers = [too_long.as_str()];
    let client =
        ClientRequest::new("h", "/", ClientKey::from_random(NONCE)).with_subprotocols(&offers);
    assert_eq!(client.write(&mut Vec::new()), Err(UsageError::SubprotocolTooLong));

    // A server offered one by another client refuses to choose it, and writes nothing.
    let wire = format!(
        "GET / HTTP/1.1\r\nHost: h\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
         Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\
         Sec-WebSocket-Protocol: {too_long}, {longest}\r\n\r\n"
    );
    let mut server = ServerHandshake::new(Limits::default());
    let request = server.parse_request(wire.as_bytes()).unwrap().complete().unwrap();
    let mut buf = [0u8; 512];
    let mut out = SliceSink::new(&mut buf);
    let accept = Accept::new().with_subprotocol(Some(&too_long));
    assert_eq!(request.accept(&accept, &mut out), Err(UsageError::SubprotocolTooLong));
    assert!(out.is_empty());
    // The longest allowed one is carried whole.
    let upgrade =
        request.accept(&Accept::new().with_subprotocol(Some(&longest)), &mut out).unwrap();
    assert_eq!(upgrade.subprotocol(), Some(longest.as_str()));
}

#[test]
fn handshake_errors_go_into_box_dyn_error_with_question_mark() {
    // `core::error::Error` is `std::error::Error`.
    fn server(wire: &[u8]) -> Result<ServerUpgrade, Box<dyn core::error::Error>> {
        let mut handshake = ServerHandshake::new(Limits::default());
        let Status::Complete(request) = handshake.parse_request(wire)? else {
            return Err("partial".into());
        };
        Ok(request.accept(&Accept::new(), &mut Vec::new())?)
    }
    fn client(wire: &[u8]) -> Result<ClientUpgrade, Box<dyn core::error::Error + Send + Sync>> {
        let request = ClientRequest::from_uri("ws://h/", ClientKey::from_random(NONCE))?;
        let mut handshake = ClientHandshake::new(request, Limits::default());
        handshake.parse_response(wire)?.complete().ok_or_else(|| "partial".into())
    }
    let error = server(b"POST / HTTP/1.1\r\n\r\n").unwrap_err();
    assert_eq!(error.downcast_ref::<HandshakeError>(), Some(&HandshakeError::MethodNotGet));
    let error = client(b"HTTP/1.1 403 Forbidden\r\n\r\n").unwrap_err();
    match error.downcast_ref::<ResponseError>() {
        Some(ResponseError::Rejected(rejected)) => assert_eq!(rejected.status(), 403),
        other => panic!("{other:?}"),
    }
    let forged = b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\
        Connection: Upgrade\r\nSec-WebSocket-Accept: AAAAAAAAAAAAAAAAAAAAAAAAAAA=\r\n\r\n";
    let error = client(forged).unwrap_err();
    assert_eq!(error.to_string(), "wrong Sec-WebSocket-Accept");
    let invalid = ResponseError::Invalid(HandshakeError::InvalidAccept);
    assert_eq!(error.downcast_ref::<ResponseError>(), Some(&invalid));
    let good = format!(
        "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
         Sec-WebSocket-Accept: {}\r\n\r\n",
        accept_key(ClientKey::from_random(NONCE).as_str().as_bytes())
    );
    assert!(client(good.as_bytes()).is_ok());
}

#[test]
fn no_deflate_without_with_deflate() {
    // The client offers permessage-deflate in a raw head; a server that did not ask for
    // it answers without it, and its connection refuses a compressed frame (RSV1).
    let wire = b"GET / HTTP/1.1\r\nHost: h\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
        Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\
        Sec-WebSocket-Extensions: permessage-deflate\r\n\r\n";
    let mut server = ServerHandshake::new(Limits::default());
    let request = server.parse_request(wire).unwrap().complete().unwrap();
    let mut response = Vec::new();
    let upgrade = request.accept(&Accept::new(), &mut response).unwrap();
    assert!(!String::from_utf8(response).unwrap().contains("Sec-WebSocket-Extensions"));
    let mut conn = upgrade.into_connection(Config::default());
    #[cfg(feature = "deflate")]
    assert!(!conn.is_deflate_enabled());
    // A masked text frame with RSV1 set ("Hello" compressed, mask 0).
    let mut compressed = [0xc1, 0x87, 0, 0, 0, 0, 0xf2, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00];
    assert!(conn.handle_read(&mut compressed).is_err());
}

#[cfg(feature = "deflate")]
mod deflate {
    use super::*;
    use rfc6455::deflate::DeflateConfig;

    fn sent_by(conn: &mut Connection, text: &str) -> Vec<u8> {
        let mut out = Vec::new();
        conn.send_text(text, &mut out).unwrap();
        out
    }

    #[test]
    fn negotiated_deflate_compresses_both_ways() {
        let config = Config::default();
        let client = ClientRequest::new("h", "/", ClientKey::from_random(NONCE))
            .with_deflate(*config.deflate());
        let ((server_upgrade, _), client_side) = exchange(
            client,
            |_| Accept::new().with_deflate(*Config::default().deflate()),
            b"",
            b"",
        );
        let (client_upgrade, _) = client_side.unwrap();
        assert!(server_upgrade.deflate().is_some());
        assert_eq!(
            client_upgrade.deflate().map(|p| p.local_max_window_bits),
            server_upgrade.deflate().map(|p| p.peer_max_window_bits)
        );

        let mut server = server_upgrade.into_connection(config);
        let mut client = client_upgrade.into_connection(config, [3; 16]);
        assert!(server.is_deflate_enabled() && client.is_deflate_enabled());
        let text = "compressible ".repeat(200);
        let mut wire = sent_by(&mut client, &text);
        assert_eq!(wire[0] & 0x40, 0x40, "RSV1: compressed");
        assert!(wire.len() < text.len() / 4);
        assert_eq!(text_of(&mut server, &mut wire).as_deref(), Some(text.as_str()));
        let mut wire = sent_by(&mut server, &text);
        assert_eq!(wire[0] & 0x40, 0x40, "RSV1: compressed");
        assert_eq!(text_of(&mut client, &mut wire).as_deref(), Some(text.as_str()));
    }

    #[test]
    fn a_side_that_does_not_ask_gets_no_deflate() {
        let disabled = DeflateConfig { enabled: false, ..DeflateConfig::default() };
        let cases: [(Option<DeflateConfig>, Option<DeflateConfig>); 4] = [
            (None, Some(DeflateConfig::default())),
            (Some(DeflateConfig::default()), None),
            (Some(disabled), Some(DeflateConfig::default())),
            (Some(DeflateConfig::default()), Some(disabled)),
        ];
        for (client_policy, server_policy) in cases {
            let mut client = ClientRequest::new("h", "/", ClientKey::from_random(NONCE));
            if let Some(policy) = client_policy {
                client = client.with_deflate(policy);
            }
            let decide = move |_: &rfc6455::handshake::Request<'_>| match server_policy {
                Some(policy) => Accept::new().with_deflate(policy),
                None => Accept::new(),
            };
            let ((server_upgrade, _), client_side) = exchange(client, decide, b"", b"");
            let (client_upgrade, _) = client_side.unwrap();
            let label = format!("{client_policy:?} {server_policy:?}");
            assert_eq!(server_upgrade.deflate(), None, "{label}");
            assert_eq!(client_upgrade.deflate(), None, "{label}");
            let mut server = server_upgrade.into_connection(Config::default());
            assert!(!server.is_deflate_enabled(), "{label}");
            let mut client = client_upgrade.into_connection(Config::default(), [3; 16]);
            let text = "compressible ".repeat(200);
            let mut wire = sent_by(&mut client, &text);
            assert_eq!(wire[0] & 0x40, 0, "{label}: RSV1 clear");
            assert_eq!(text_of(&mut server, &mut wire).as_deref(), Some(text.as_str()));
        }
    }

    #[test]
    fn a_bad_deflate_answer_fails_the_client() {
        let client = ClientRequest::new("h", "/", ClientKey::from_random(NONCE))
            .with_deflate(DeflateConfig::default());
        let accept = accept_key(ClientKey::from_random(NONCE).as_str().as_bytes());
        for (answer, error) in [
            (
                "permessage-deflate; client_max_window_bits",
                HandshakeError::InvalidHeader("Sec-WebSocket-Extensions"),
            ),
            (
                "permessage-deflate, permessage-deflate",
                HandshakeError::InvalidHeader("Sec-WebSocket-Extensions"),
            ),
            ("x-other", HandshakeError::UnexpectedExtension),
        ] {
            let wire = format!(
                "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
                 Sec-WebSocket-Accept: {accept}\r\nSec-WebSocket-Extensions: {answer}\r\n\r\n"
            );
            let result =
                ClientHandshake::new(client, Limits::default()).parse_response(wire.as_bytes());
            assert_eq!(result, Err(ResponseError::Invalid(error)), "{answer}");
        }
    }

    #[test]
    fn deflate_by_hand_is_refused() {
        let client = ClientRequest::new("h", "/", ClientKey::from_random(NONCE))
            .with_extensions(&["permessage-deflate"]);
        assert_eq!(client.write(&mut Vec::new()), Err(UsageError::ReservedExtension));
    }
}
