//! tokio-websockets' echo server, as its `echo_server` example: `ServerBuilder::accept`,
//! then every text and binary message sent back with `SinkExt::send`, in an
//! `unconstrained` task. Its default configuration and limits (its example lifts them
//! for the Autobahn suite; 1 MiB messages are within the defaults).
//! Prints `listening 127.0.0.1:PORT` on stdout, then serves until killed.

use futures_util::{SinkExt, StreamExt};
use tokio_websockets::ServerBuilder;

#[tokio::main(flavor = "current_thread")]
async fn main() -> std::io::Result<()> {
    let listener = rfc6455_e2e::server::bind().await?;
    loop {
        let (conn, _) = listener.accept().await?;
        tokio::spawn(tokio::task::unconstrained(async move {
            let Ok((_request, mut server)) = ServerBuilder::new().accept(conn).await else {
                return;
            };
            while let Some(Ok(item)) = server.next().await {
                if (item.is_text() || item.is_binary()) && server.send(item).await.is_err() {
                    return;
                }
            }
        }));
    }
}
