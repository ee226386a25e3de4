//! The crate's events against the references ([`crate::reference`] for frames and
//! messages, [`crate::inflate_ref`] for permessage-deflate).

use rfc6455::Role;

use crate::inflate_ref::Inflater;
use crate::reference::{self, RefEvent, Settings};
use crate::{config, Seen};

/// The reference's settings for a connection of `role` with [`config`].
pub fn settings(role: Role, deflate: bool) -> Settings {
    let c = config();
    Settings {
        server: role == Role::Server,
        deflate,
        max_frame_len: c.max_frame_len(),
        max_message_len: c.max_message_len(),
        strict_length: c.strict_length_encoding(),
    }
}

fn seen(event: &RefEvent) -> Seen {
    match event {
        RefEvent::Message { text, payload, .. } => Seen::Message(*text, payload.clone()),
        RefEvent::Ping(p) => Seen::Ping(p.clone()),
        RefEvent::Pong(p) => Seen::Pong(p.clone()),
        RefEvent::Close(code, reason) => Seen::Close(*code, reason.clone()),
        RefEvent::Fail(code) => Seen::Error(*code),
    }
}

/// Asserts that a connection of `role` (no extension) that read `stream` reported
/// exactly what the reference does: the same messages, control frames, Close or
/// failure code, in the same order.
pub fn check_plain(role: Role, stream: &[u8], got: &[Seen]) {
    let want: Vec<Seen> =
        reference::decode(&settings(role, false), stream).events.iter().map(seen).collect();
    assert_eq!(got, &want[..], "the crate ({role:?}) disagrees with the reference");
}

/// Asserts that a connection of `role` with permessage-deflate (the peer compressing
/// without context takeover when `peer_no_takeover`) that read `stream` reported what
/// the references do: uncompressed messages and control frames exactly, each
/// compressed message as miniz_oxide inflates it.
///
/// A compressed message that does not inflate (corrupt: 1007, over the limit: 1009,
/// text that is not UTF-8: 1007) fails the connection somewhere between its first
/// header and its end: the crate inflates and checks it as its pieces arrive, so the
/// events that came in between (control frames between its fragments) may be missing,
/// and when it is both too big and not UTF-8 either code may come first. The same holds
/// for one cut short by the end of the stream or by a frame error, when what arrived
/// of it already fails (then the crate may also not have noticed yet).
///
/// zlib (the crate's backend) notices some corrupt streams later than miniz_oxide: an
/// empty code-length code is only refused once all code lengths were read with it
/// ("wait for decoding to report error", zlib's inftrees.c), so a message that ends
/// before then inflates (to what came before the bad block). When miniz_oxide finds a
/// message corrupt, the crate may instead deliver it with at least the bytes
/// miniz_oxide inflated before the failure; what follows is not compared (the
/// references cannot say what the rest of a broken stream means).
pub fn check_deflate(role: Role, peer_no_takeover: bool, stream: &[u8], got: &[Seen]) {
    let limit = config().max_message_len();
    let decoded = reference::decode(&settings(role, true), stream);
    let mut inflater = Inflater::new(peer_no_takeover);
    let mut want = Vec::new();
    // Where an earlier failure may show instead: from this many events, these codes.
    let mut alt: Option<(usize, Vec<u16>)> = None;
    // Where a corrupt message may be delivered instead: its index, kind and the
    // bytes inflated before the failure.
    let mut lazy: Option<(usize, bool, Vec<u8>)> = None;
    for event in &decoded.events {
        let RefEvent::Message { text, compressed: true, payload, start } = event else {
            want.push(seen(event));
            continue;
        };
        let inflated = inflater.message(payload, limit);
        let mut codes = inflated.failures.clone();
        if *text {
            match std::str::from_utf8(&inflated.output) {
                Err(e) if e.error_len().is_some() || codes.is_empty() => codes.push(1007),
                _ => {}
            }
        }
        if codes.is_empty() {
            want.push(Seen::Message(*text, inflated.output));
            continue;
        }
        if inflated.failures.contains(&crate::inflate_ref::CORRUPT) {
            lazy = Some((want.len(), *text, inflated.output));
        }
        want.push(Seen::Error(codes[0]));
        alt = Some((*start, codes));
        break;
    }
    if alt.is_none() {
        if let Some(partial) = decoded.partial.as_ref().filter(|p| p.compressed) {
            let inflated = inflater.prefix(&partial.payload, limit);
            let mut codes = inflated.failures.clone();
            if partial.text {
                if let Err(e) = std::str::from_utf8(&inflated.output) {
                    if e.error_len().is_some() {
                        codes.push(1007);
                    }
                }
            }
            if let Some(Seen::Error(code)) = want.last() {
                codes.push(*code);
            }
            if !codes.is_empty() {
                alt = Some((partial.start, codes));
            }
        }
    }
    if got == &want[..] {
        return;
    }
    let explained = alt.as_ref().is_some_and(|(start, codes)| {
        let Some((Seen::Error(code), before)) = got.split_last() else { return false };
        let at = before.len();
        let bound =
            if matches!(want.last(), Some(Seen::Error(_))) { want.len() - 1 } else { want.len() };
        at >= *start && at <= bound && codes.contains(code) && before == &want[..at]
    });
    let lazily = lazy.as_ref().is_some_and(|(at, text, inflated)| {
        got.len() > *at
            && got[..*at] == want[..*at]
            && matches!(&got[*at], Seen::Message(t, p) if t == text && p.starts_with(inflated))
    });
    assert!(
        explained || lazily,
        "the crate ({role:?}, deflate, peer_no_takeover {peer_no_takeover}) disagrees with the references:\n got {got:?}\nwant {want:?}\n alt {alt:?}\nlazy {lazy:?}"
    );
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{drive_deflate, Read};

    /// A dynamic block whose code-length code is empty: miniz_oxide refuses it at once,
    /// zlib once it has read every code length with it (one bit each), so the message
    /// that ends first is delivered (empty) and the next one fails.
    #[test]
    fn zlib_notices_an_empty_code_length_code_late() {
        let mut stream = vec![0xc1, 0x07, 0x04, 0x07, 0x00, 0x00, 0xc1, 0x07, 0x00];
        let (seen, _) = drive_deflate(Role::Client, 0, &stream, &[], Read::Chunks);
        assert_eq!(seen, [Seen::Message(true, vec![])]);
        let mut inflater = Inflater::new(false);
        assert_eq!(inflater.message(&stream[2..], 1000).failures, [crate::inflate_ref::CORRUPT]);
        check_deflate(Role::Client, false, &stream, &seen);
        stream.extend([0xc2, 0x30]);
        stream.extend([0; 0x30]);
        let (seen, _) = drive_deflate(Role::Client, 0, &stream, &[], Read::Chunks);
        assert_eq!(seen, [Seen::Message(true, vec![]), Seen::Error(1007)]);
        check_deflate(Role::Client, false, &stream, &seen);
    }
}
