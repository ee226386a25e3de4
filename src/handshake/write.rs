//! Output helpers: all-or-nothing writes into caller buffers, header validation.

use core::fmt;

use super::head::{is_field_byte, is_tchar};
use super::UsageError;
use crate::{BufferTooSmall, FrameSink};

/// A write cursor that counts bytes and appends them to a sink when one is present.
pub(crate) struct Out<'s> {
    sink: Option<&'s mut dyn FrameSink>,
    len: usize,
}

impl Out<'_> {
    /// Appends `bytes`.
    pub(crate) fn put(&mut self, bytes: &[u8]) {
        if let Some(sink) = self.sink.as_deref_mut() {
            // `write_all` checked the capacity for the whole message first.
            sink.append(bytes);
        }
        self.len += bytes.len();
    }

    /// Appends `name: value\r\n`.
    pub(crate) fn header(&mut self, name: &str, value: &[u8]) {
        self.put(name.as_bytes());
        self.put(b": ");
        self.put(value);
        self.put(b"\r\n");
    }

    /// Appends each `(name, value)` pair as a header line.
    pub(crate) fn headers(&mut self, headers: &[(&str, &str)]) {
        for (name, value) in headers {
            self.header(name, value.as_bytes());
        }
    }
}

impl fmt::Write for Out<'_> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        self.put(s.as_bytes());
        Ok(())
    }
}

/// Runs `emit` once to count, then again into `sink` if everything fits.
///
/// Returns the number of bytes written; on `BufferTooSmall`, `sink` is untouched.
pub(crate) fn write_all<S: FrameSink>(
    sink: &mut S,
    emit: impl Fn(&mut Out<'_>),
) -> Result<usize, UsageError> {
    let required = measure(&emit);
    if sink.capacity_left() < required {
        return Err(UsageError::BufferTooSmall(BufferTooSmall { required }));
    }
    let mut cursor = Out { sink: Some(sink), len: 0 };
    emit(&mut cursor);
    Ok(cursor.len)
}

/// The number of bytes `emit` produces.
pub(crate) fn measure(emit: &impl Fn(&mut Out<'_>)) -> usize {
    let mut counter = Out { sink: None, len: 0 };
    emit(&mut counter);
    counter.len
}

/// Checks caller-supplied header pairs: token names, values without control bytes, and
/// none of the `reserved` names (ASCII case-insensitive).
pub(crate) fn check_headers(headers: &[(&str, &str)], reserved: &[&str]) -> Result<(), UsageError> {
    for (name, value) in headers {
        let name_ok = !name.is_empty() && name.bytes().all(is_tchar);
        if !name_ok || !value.bytes().all(is_field_byte) {
            return Err(UsageError::InvalidHeader);
        }
        if reserved.iter().any(|r| r.eq_ignore_ascii_case(name)) {
            return Err(UsageError::ReservedHeader);
        }
    }
    Ok(())
}

/// Returns `true` if any pair is named `name` (ASCII case-insensitive).
pub(crate) fn has_header(headers: &[(&str, &str)], name: &str) -> bool {
    headers.iter().any(|(n, _)| n.eq_ignore_ascii_case(name))
}

/// A reason phrase for common statuses (RFC 9110 §15); empty for the others.
pub(crate) const fn reason_phrase(status: u16) -> &'static str {
    match status {
        101 => "Switching Protocols",
        200 => "OK",
        301 => "Moved Permanently",
        302 => "Found",
        303 => "See Other",
        307 => "Temporary Redirect",
        308 => "Permanent Redirect",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        426 => "Upgrade Required",
        429 => "Too Many Requests",
        431 => "Request Header Fields Too Large",
        500 => "Internal Server Error",
        503 => "Service Unavailable",
        _ => "",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::SliceSink;

    #[test]
    fn too_small_leaves_buffer_untouched() {
        let mut buf = [9u8; 4];
        let mut sink = SliceSink::new(&mut buf);
        let result = write_all(&mut sink, |out| out.put(b"hello"));
        assert_eq!(result, Err(UsageError::BufferTooSmall(BufferTooSmall { required: 5 })));
        assert!(sink.is_empty());
        assert_eq!(buf, [9; 4]);
        let mut buf = [0u8; 5];
        let mut sink = SliceSink::new(&mut buf);
        assert_eq!(write_all(&mut sink, |out| out.put(b"hello")), Ok(5));
        assert_eq!(sink.filled(), b"hello");
        let mut vec = alloc::vec![b'>'];
        assert_eq!(write_all(&mut vec, |out| out.put(b"hello")), Ok(5));
        assert_eq!(vec, b">hello");
    }

    #[test]
    fn header_checks() {
        assert_eq!(check_headers(&[("X-A", "b c")], &["host"]), Ok(()));
        assert_eq!(check_headers(&[("X A", "b")], &[]), Err(UsageError::InvalidHeader));
        assert_eq!(check_headers(&[("X", "a\r\nB: c")], &[]), Err(UsageError::InvalidHeader));
        assert_eq!(check_headers(&[("HOST", "a")], &["host"]), Err(UsageError::ReservedHeader));
    }
}
