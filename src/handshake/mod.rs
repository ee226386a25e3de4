//! The opening handshake (RFC 6455 §4): HTTP/1.1 Upgrade, client and server.
