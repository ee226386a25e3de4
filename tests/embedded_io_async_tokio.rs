//! The async embedded-io driver as a client, with heapless buffers only, against the
//! tokio driver's server over loopback TCP (joined by `embedded-io-adapters`): the two
//! drivers of this crate that a firmware and its backend would run.

use core::time::Duration;

use embedded_io_adapters::tokio_1::FromTokio;
use rfc6455::handshake::{ClientKey, ClientRequest, Limits};
use rfc6455::message::HeaplessMessageBuffer;
use rfc6455::{CloseCode, Config, MessageReader, Received};
use tokio::net::{TcpListener, TcpStream};

#[tokio::test]
async fn an_embedded_async_client_talks_to_the_tokio_server() {
    tokio::time::timeout(Duration::from_secs(20), async {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        // The server: the tokio driver, echoing.
        let server = tokio::spawn(async move {
            use rfc6455::tokio::{Error, WebSocket};
            let mut reader = MessageReader::default();
            let stream = listener.accept().await.unwrap().0;
            let mut ws = WebSocket::accept(stream, &mut reader, Config::default()).await.unwrap();
            loop {
                match ws.recv(&mut reader).await {
                    Ok(Received::Text(t)) => ws.send_text(t).await.unwrap(),
                    Ok(Received::Binary(b)) => ws.send_binary(b).await.unwrap(),
                    Ok(_) => {}
                    Err(Error::Closed) => return ws.close_code(),
                    Err(e) => panic!("server: {e}"),
                }
            }
        });

        // The client: no allocation of its own, fixed buffers.
        use rfc6455::embedded_io_async::WebSocket;
        let io = FromTokio::new(TcpStream::connect(addr).await.unwrap());
        let mut reader = MessageReader::new([0u8; 1024], HeaplessMessageBuffer::<2048>::new());
        let out: heapless::Vec<u8, 2048> = heapless::Vec::new();
        let uri = format!("ws://{addr}/");
        let request = ClientRequest::from_uri(&uri, ClientKey::from_random([9; 16])).unwrap();
        let config = Config::default().with_max_message_len(2048);
        let mut ws =
            WebSocket::connect(io, &mut reader, out, &request, config, Limits::default(), [3; 16])
                .await
                .unwrap();
        ws.send_text("hello from the device").await.unwrap();
        assert_eq!(ws.recv(&mut reader).await.unwrap(), Received::Text("hello from the device"));
        let bytes: Vec<u8> = (0..1500u16).map(|i| i as u8).collect();
        ws.send_binary(&bytes).await.unwrap(); // more than one read of 1 KiB
        assert_eq!(ws.recv(&mut reader).await.unwrap(), Received::Binary(&bytes[..]));
        ws.send_ping(b"beat").await.unwrap();
        assert!(matches!(ws.recv(&mut reader).await.unwrap(), Received::Pong(p) if p.as_bytes() == b"beat"));
        ws.close(CloseCode::NORMAL, "bye").await.unwrap();
        assert!(matches!(ws.recv(&mut reader).await.unwrap(), Received::Close(_)));
        assert_eq!(server.await.unwrap(), Some(CloseCode::NORMAL));
    })
    .await
    .expect("bounded in time");
}
