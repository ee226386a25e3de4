//! permessage-deflate negotiation (RFC 7692 §5, §7.1): offers, answers, validation.

use core::fmt;

use super::{DeflateConfig, DeflateParams, MAX_WINDOW_BITS, MIN_WINDOW_BITS};
use crate::handshake::{Extension, Extensions, HandshakeError};

/// The extension name (RFC 7692 §7).
pub const PERMESSAGE_DEFLATE: &str = "permessage-deflate";

/// A `Sec-WebSocket-Extensions` element built without allocation (at most 128 bytes).
#[derive(Clone, Copy)]
pub(crate) struct ExtensionHeader {
    buf: [u8; 128],
    len: usize,
}

impl ExtensionHeader {
    fn new() -> Self {
        let mut header = Self { buf: [0; 128], len: 0 };
        header.push(PERMESSAGE_DEFLATE);
        header
    }

    fn push(&mut self, s: &str) {
        // Every element this module writes is far below 128 bytes.
        let end = (self.len + s.len()).min(self.buf.len());
        self.buf[self.len..end].copy_from_slice(&s.as_bytes()[..end - self.len]);
        self.len = end;
    }

    fn param(&mut self, name: &str, value: Option<u8>) {
        self.push("; ");
        self.push(name);
        if let Some(v) = value {
            let mut digits = [b'0'; 3];
            digits[0] = b'=';
            let n = if v >= 10 {
                digits[1] = b'0' + v / 10;
                digits[2] = b'0' + v % 10;
                3
            } else {
                digits[1] = b'0' + v;
                2
            };
            self.push(core::str::from_utf8(&digits[..n]).unwrap_or_default());
        }
    }

    /// The element, e.g. `permessage-deflate; client_max_window_bits`.
    pub(crate) fn as_str(&self) -> &str {
        core::str::from_utf8(&self.buf[..self.len]).unwrap_or_default()
    }
}

impl fmt::Debug for ExtensionHeader {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Display for ExtensionHeader {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The parameters of one offer or answer, each present at most once.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct Params {
    server_no_context_takeover: bool,
    client_no_context_takeover: bool,
    server_max_window_bits: Option<u8>,
    /// `Some(None)`: present without a value (allowed in offers only).
    client_max_window_bits: Option<Option<u8>>,
}

/// Parses a window-bits value: a decimal 8-15 without leading zeros, possibly quoted
/// (RFC 7692 §7.1.2).
fn window_bits(extension_value: Option<crate::handshake::ParamValue<'_>>) -> Option<u8> {
    let value = extension_value?;
    let mut digits = [0u8; 2];
    let mut len = 0;
    for b in value.unescaped() {
        *digits.get_mut(len)? = b;
        len += 1;
    }
    match &digits[..len] {
        [d @ b'8'..=b'9'] => Some(d - b'0'),
        [b'1', d @ b'0'..=b'5'] => Some(10 + d - b'0'),
        _ => None,
    }
}

/// Parses the parameters of a permessage-deflate element; `None` for an unknown,
/// duplicate or malformed parameter. `offer` allows `client_max_window_bits` without a
/// value.
fn parse(extension: &Extension<'_>, offer: bool) -> Option<Params> {
    let mut p = Params::default();
    for param in extension.params() {
        let value = param.value();
        match param.name() {
            n if n.eq_ignore_ascii_case("server_no_context_takeover") => {
                if p.server_no_context_takeover || value.is_some() {
                    return None;
                }
                p.server_no_context_takeover = true;
            }
            n if n.eq_ignore_ascii_case("client_no_context_takeover") => {
                if p.client_no_context_takeover || value.is_some() {
                    return None;
                }
                p.client_no_context_takeover = true;
            }
            n if n.eq_ignore_ascii_case("server_max_window_bits") => {
                if p.server_max_window_bits.is_some() {
                    return None;
                }
                p.server_max_window_bits = Some(window_bits(value)?);
            }
            n if n.eq_ignore_ascii_case("client_max_window_bits") => {
                if p.client_max_window_bits.is_some() {
                    return None;
                }
                p.client_max_window_bits = Some(match value {
                    None if offer => None,
                    v => Some(window_bits(v)?),
                });
            }
            _ => return None,
        }
    }
    Some(p)
}

/// Server side: picks the first permessage-deflate offer it can honour, in the client's
/// order of preference (RFC 7692 §5), and returns the parameters and the element to
/// put in the `101` answer. Offers it cannot honour are declined, never an error
/// (RFC 7692 §7): unknown, duplicate or malformed parameters, or a
/// `server_max_window_bits` below 9. [`Request::accept`](crate::handshake::Request::accept)
/// calls it for [`Accept::with_deflate`](crate::handshake::Accept::with_deflate).
pub(crate) fn accept_offer(
    extensions: Extensions<'_>,
    config: &DeflateConfig,
) -> Option<(DeflateParams, ExtensionHeader)> {
    if !config.enabled {
        return None;
    }
    let ours = config.max_window_bits.clamp(MIN_WINDOW_BITS, MAX_WINDOW_BITS);
    extensions
        .filter(|e| e.name().eq_ignore_ascii_case(PERMESSAGE_DEFLATE))
        .filter_map(|e| parse(&e, true))
        .find_map(|offer| {
            let local_max = match offer.server_max_window_bits {
                Some(bits) if bits < MIN_WINDOW_BITS => return None,
                Some(bits) => bits.min(ours),
                None => ours,
            };
            let params = DeflateParams {
                local_no_context_takeover: offer.server_no_context_takeover
                    || config.no_context_takeover,
                // A hint in an offer; the server may ask for it unprompted (§7.1.1.2).
                peer_no_context_takeover: offer.client_no_context_takeover
                    || config.request_peer_no_context_takeover,
                local_max_window_bits: local_max,
                peer_max_window_bits: offer.client_max_window_bits.flatten().unwrap_or(15),
            };
            let mut answer = ExtensionHeader::new();
            if params.local_no_context_takeover {
                answer.param("server_no_context_takeover", None);
            }
            if params.peer_no_context_takeover {
                answer.param("client_no_context_takeover", None);
            }
            if offer.server_max_window_bits.is_some() || local_max < MAX_WINDOW_BITS {
                answer.param("server_max_window_bits", Some(local_max));
            }
            Some((params, answer))
        })
}

/// Client side: the offer to send, from the local policy (RFC 7692 §5, §7.1). It always
/// allows the server to limit our window (`client_max_window_bits`), since our
/// compressor honours any limit from 9 to 15.
pub(crate) fn offer(config: &DeflateConfig) -> ExtensionHeader {
    let mut offer = ExtensionHeader::new();
    if config.request_peer_no_context_takeover {
        offer.param("server_no_context_takeover", None);
    }
    if config.no_context_takeover {
        offer.param("client_no_context_takeover", None);
    }
    offer.param("client_max_window_bits", None);
    offer
}

/// Client side: validates the server's answer to [`offer`] (RFC 7692 §7), for
/// [`ClientHandshake::parse_response`](crate::handshake::ClientHandshake::parse_response),
/// and returns
/// the agreed parameters, or `Ok(None)` when the server accepted no permessage-deflate.
///
/// # Errors
/// [`HandshakeError::InvalidHeader`] for an answer the client must fail the connection
/// on: an unknown, duplicate or malformed parameter, `client_max_window_bits` without a
/// value or below 9, or permessage-deflate accepted twice.
pub(crate) fn accept_answer(
    mut extensions: Extensions<'_>,
    config: &DeflateConfig,
) -> Result<Option<DeflateParams>, HandshakeError> {
    const INVALID: HandshakeError = HandshakeError::InvalidHeader("Sec-WebSocket-Extensions");
    let Some(answer) = extensions.find(|e| e.name().eq_ignore_ascii_case(PERMESSAGE_DEFLATE))
    else {
        return Ok(None);
    };
    if extensions.any(|e| e.name().eq_ignore_ascii_case(PERMESSAGE_DEFLATE)) {
        return Err(INVALID);
    }
    let p = parse(&answer, false).ok_or(INVALID)?;
    let ours = config.max_window_bits.clamp(MIN_WINDOW_BITS, MAX_WINDOW_BITS);
    let local_max = match p.client_max_window_bits {
        Some(Some(bits)) if bits < MIN_WINDOW_BITS => return Err(INVALID),
        Some(Some(bits)) => bits.min(ours),
        Some(None) => return Err(INVALID),
        None => ours,
    };
    Ok(Some(DeflateParams {
        local_no_context_takeover: p.client_no_context_takeover || config.no_context_takeover,
        peer_no_context_takeover: p.server_no_context_takeover,
        local_max_window_bits: local_max,
        peer_max_window_bits: p.server_max_window_bits.unwrap_or(MAX_WINDOW_BITS),
    }))
}
