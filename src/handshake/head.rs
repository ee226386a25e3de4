//! A bounded, incremental HTTP/1.1 head scanner (RFC 9112 §2-§5) and zero-copy header views.
//!
//! [`Scanner`] is a byte-level state machine: it validates each byte once, remembers where
//! it stopped, and refuses a prefix as soon as it can no longer become a valid head within
//! the [`Limits`]. Once a head is complete, [`Head`] splits it into the start line and the
//! header lines; that second pass only runs over validated bytes.

use super::{HandshakeError, Limits, Status};

/// Which start line the scanner expects.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    /// `method SP request-target SP HTTP-version CRLF`.
    Request,
    /// `HTTP-version SP status-code [SP reason-phrase] CRLF`.
    Response,
}

/// Where the scanner is inside the head.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum State {
    /// Before the start line; empty lines are skipped (RFC 9112 §2.2).
    Start,
    /// After the `CR` of an empty line before the start line.
    StartLf,
    Method,
    TargetStart,
    Target,
    /// Inside `HTTP/D.D`, the number of bytes matched so far.
    Version(u8),
    CodeStart,
    Code(u8),
    AfterCode,
    Reason,
    /// After the `CR` ending the start line.
    StartLineLf,
    LineStart,
    Name,
    Value,
    ValueLf,
    FinalLf,
    Done,
}

/// Token characters (RFC 9110 §5.6.2).
pub(crate) const fn is_tchar(b: u8) -> bool {
    matches!(b,
        b'!' | b'#' | b'$' | b'%' | b'&' | b'\'' | b'*' | b'+' | b'-' | b'.' | b'^' | b'_'
        | b'`' | b'|' | b'~' | b'0'..=b'9' | b'a'..=b'z' | b'A'..=b'Z')
}

/// Bytes allowed in a field value or reason phrase: HTAB, SP, VCHAR, obs-text.
pub(crate) const fn is_field_byte(b: u8) -> bool {
    matches!(b, b'\t' | b' '..=b'~' | 0x80..=0xff)
}

/// Bytes allowed in a request target (this crate requires percent-encoded non-ASCII).
const fn is_target_byte(b: u8) -> bool {
    matches!(b, b'!'..=b'~')
}

/// Incremental head validator; feed it the whole accumulated buffer on every call.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Scanner {
    kind: Kind,
    state: State,
    /// Bytes validated so far.
    pos: usize,
    /// Header lines started so far.
    headers: usize,
}

impl Scanner {
    pub(crate) const fn new(kind: Kind) -> Self {
        Self { kind, state: State::Start, pos: 0, headers: 0 }
    }

    /// Validates `buf` from where the previous call stopped.
    ///
    /// Returns the head length once the final `CRLF` has been seen. `buf` must start with
    /// the bytes given to earlier calls; a shorter buffer restarts the scan.
    pub(crate) fn scan(
        &mut self,
        buf: &[u8],
        limits: &Limits,
    ) -> Result<Status<usize>, HandshakeError> {
        if buf.len() < self.pos {
            *self = Self::new(self.kind);
        }
        if self.state == State::Done {
            return Ok(Status::Complete(self.pos));
        }
        let end = buf.len().min(limits.max_head_len);
        for &b in buf.get(self.pos..end).unwrap_or_default() {
            self.state = self.step(b, limits)?;
            self.pos += 1;
            if self.state == State::Done {
                return Ok(Status::Complete(self.pos));
            }
        }
        if self.pos >= limits.max_head_len {
            return Err(HandshakeError::HeadTooLarge);
        }
        Ok(Status::Partial)
    }

    fn step(&mut self, b: u8, limits: &Limits) -> Result<State, HandshakeError> {
        match self.state {
            State::Start | State::StartLf => self.start(b),
            State::Method
            | State::TargetStart
            | State::Target
            | State::Version(_)
            | State::CodeStart
            | State::Code(_)
            | State::AfterCode
            | State::Reason
            | State::StartLineLf => self.start_line(b),
            _ => self.header_line(b, limits),
        }
    }

    fn start(&self, b: u8) -> Result<State, HandshakeError> {
        let bad_first = match self.kind {
            Kind::Request => HandshakeError::InvalidMethod,
            Kind::Response => HandshakeError::InvalidStatusLine,
        };
        match (self.state, b, self.kind) {
            (State::Start, b'\r', _) => Ok(State::StartLf),
            (State::StartLf, b'\n', _) => Ok(State::Start),
            (State::StartLf, _, _) => Err(HandshakeError::InvalidLineEnding),
            (_, b, Kind::Request) if is_tchar(b) => Ok(State::Method),
            (_, b'H', Kind::Response) => Ok(State::Version(1)),
            _ => Err(bad_first),
        }
    }

    fn start_line(&self, b: u8) -> Result<State, HandshakeError> {
        match (self.state, b) {
            (State::Method, b' ') => Ok(State::TargetStart),
            (State::Method, b) if is_tchar(b) => Ok(State::Method),
            (State::Method, _) => Err(HandshakeError::InvalidMethod),
            (State::TargetStart | State::Target, b) if is_target_byte(b) => Ok(State::Target),
            (State::Target, b' ') => Ok(State::Version(0)),
            (State::TargetStart | State::Target, _) => Err(HandshakeError::InvalidTarget),
            (State::Version(n), b) => self.version(n, b),
            (State::CodeStart, b'0'..=b'9') => Ok(State::Code(1)),
            (State::Code(n), b'0'..=b'9') if n < 3 => Ok(State::Code(n + 1)),
            (State::Code(3), b' ') => Ok(State::AfterCode),
            (State::Code(3) | State::AfterCode | State::Reason, b'\r') => Ok(State::StartLineLf),
            (State::AfterCode | State::Reason, b) if is_field_byte(b) => Ok(State::Reason),
            (State::StartLineLf, b'\n') => Ok(State::LineStart),
            (State::StartLineLf, _) => Err(HandshakeError::InvalidLineEnding),
            (_, b'\n') => Err(HandshakeError::InvalidLineEnding),
            _ => Err(HandshakeError::InvalidStatusLine),
        }
    }

    /// Matches `HTTP/DIGIT.DIGIT`, then the end of a request line or the space before a
    /// status code.
    fn version(&self, matched: u8, b: u8) -> Result<State, HandshakeError> {
        let ok = match matched {
            0..=4 => b"HTTP/".get(usize::from(matched)) == Some(&b),
            5 | 7 => b.is_ascii_digit(),
            6 => b == b'.',
            _ => false,
        };
        let bad = match self.kind {
            Kind::Request => HandshakeError::InvalidHttpVersion,
            Kind::Response => HandshakeError::InvalidStatusLine,
        };
        match (ok, matched, b, self.kind) {
            (true, _, _, _) => Ok(State::Version(matched + 1)),
            (false, 8, b'\r', Kind::Request) => Ok(State::StartLineLf),
            (false, 8, b' ', Kind::Response) => Ok(State::CodeStart),
            (false, _, b'\n', _) => Err(HandshakeError::InvalidLineEnding),
            _ => Err(bad),
        }
    }

    fn header_line(&mut self, b: u8, limits: &Limits) -> Result<State, HandshakeError> {
        match (self.state, b) {
            (State::LineStart, b'\r') => Ok(State::FinalLf),
            (State::LineStart, b' ' | b'\t') => Err(HandshakeError::ObsoleteLineFolding),
            (State::LineStart, b) if is_tchar(b) => {
                if self.headers >= limits.max_headers {
                    return Err(HandshakeError::TooManyHeaders);
                }
                self.headers += 1;
                Ok(State::Name)
            }
            (State::Name, b':') => Ok(State::Value),
            (State::Name, b) if is_tchar(b) => Ok(State::Name),
            (State::Name, b' ' | b'\t') => Err(HandshakeError::WhitespaceBeforeColon),
            (State::Value, b'\r') => Ok(State::ValueLf),
            (State::Value, b) if is_field_byte(b) => Ok(State::Value),
            (State::ValueLf | State::FinalLf, b'\n') => {
                Ok(if self.state == State::FinalLf { State::Done } else { State::LineStart })
            }
            (State::ValueLf | State::FinalLf | State::Value | State::LineStart, b'\n' | b'\r')
            | (State::ValueLf | State::FinalLf, _) => Err(HandshakeError::InvalidLineEnding),
            (State::Value, _) => Err(HandshakeError::InvalidHeaderValue),
            _ => Err(HandshakeError::InvalidHeaderName),
        }
    }
}

/// One header field: a name (a token, ASCII) and a value with surrounding whitespace removed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Header<'a> {
    /// The field name as received (compare it with `eq_ignore_ascii_case`).
    pub name: &'a str,
    /// The field value without leading or trailing spaces and tabs; may hold obs-text.
    pub value: &'a [u8],
}

impl<'a> Header<'a> {
    /// Returns the value as text if it is valid UTF-8.
    pub fn value_str(&self) -> Option<&'a str> {
        core::str::from_utf8(self.value).ok()
    }

    /// Returns `true` if the name matches `name` ignoring ASCII case.
    pub fn is(&self, name: &str) -> bool {
        self.name.eq_ignore_ascii_case(name)
    }
}

/// An iterator over the header fields of a validated request or response, in order: the
/// header lines of an HTTP/1.1 head, or the regular fields (pseudo-header fields excluded)
/// of an HTTP/2 or HTTP/3 extended CONNECT.
#[derive(Clone, Debug)]
pub struct Headers<'a> {
    source: Source<'a>,
}

#[derive(Clone, Debug)]
enum Source<'a> {
    /// Header lines, each ending with `CRLF`.
    Lines(&'a [u8]),
    /// Header fields as an HTTP/2 or HTTP/3 stack decoded them.
    Fields(core::slice::Iter<'a, Header<'a>>),
}

impl<'a> Headers<'a> {
    /// The regular fields among `fields`: every field whose name does not start with `:`.
    pub(crate) fn fields(fields: &'a [Header<'a>]) -> Self {
        Self { source: Source::Fields(fields.iter()) }
    }
}

impl<'a> Iterator for Headers<'a> {
    type Item = Header<'a>;

    fn next(&mut self) -> Option<Header<'a>> {
        match &mut self.source {
            Source::Lines(rest) => {
                let (line, after) = split_line(rest)?;
                *rest = after;
                let (name, value) = split_once(line, b':')?;
                let name = core::str::from_utf8(name).ok()?;
                Some(Header { name, value: trim(value) })
            }
            Source::Fields(fields) => fields.find(|h| !h.name.starts_with(':')).copied(),
        }
    }
}

/// A complete, validated head split into its parts.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Head<'a> {
    /// The start line without its `CRLF`.
    pub(crate) start_line: &'a [u8],
    /// Every header line, each ending with `CRLF`, without the final empty line.
    fields: &'a [u8],
    /// Total head length, including skipped empty lines and the final `CRLF`.
    pub(crate) len: usize,
}

impl<'a> Head<'a> {
    /// Splits the first `len` bytes of `buf`, which the scanner validated as a head.
    pub(crate) fn split(buf: &'a [u8], len: usize) -> Self {
        let mut rest = buf.get(..len).unwrap_or_default();
        while let Some(after) = rest.strip_prefix(b"\r\n") {
            rest = after;
        }
        let (start_line, after) = split_line(rest).unwrap_or_default();
        let fields = after.strip_suffix(b"\r\n").unwrap_or_default();
        Self { start_line, fields, len }
    }

    pub(crate) fn headers(&self) -> Headers<'a> {
        Headers { source: Source::Lines(self.fields) }
    }

    /// The first header named `name`, ignoring ASCII case.
    pub(crate) fn header(&self, name: &str) -> Option<&'a [u8]> {
        self.headers().find(|h| h.is(name)).map(|h| h.value)
    }
}

/// Splits off one line ending in `CRLF`; `None` when no complete line is left.
pub(crate) fn split_line(buf: &[u8]) -> Option<(&[u8], &[u8])> {
    let end = buf.windows(2).position(|w| w == b"\r\n")?;
    Some((buf.get(..end)?, buf.get(end + 2..)?))
}

/// Splits at the first `sep`, excluding it.
pub(crate) fn split_once(buf: &[u8], sep: u8) -> Option<(&[u8], &[u8])> {
    let at = buf.iter().position(|&b| b == sep)?;
    Some((buf.get(..at)?, buf.get(at + 1..)?))
}

/// Removes leading and trailing spaces and tabs (OWS, RFC 9110 §5.6.3).
pub(crate) fn trim(mut value: &[u8]) -> &[u8] {
    while let [b' ' | b'\t', rest @ ..] = value {
        value = rest;
    }
    while let [rest @ .., b' ' | b'\t'] = value {
        value = rest;
    }
    value
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scan(kind: Kind, buf: &[u8]) -> Result<Status<usize>, HandshakeError> {
        Scanner::new(kind).scan(buf, &Limits::default())
    }

    fn scan_bytewise(
        kind: Kind,
        buf: &[u8],
        limits: &Limits,
    ) -> Result<Status<usize>, HandshakeError> {
        let mut scanner = Scanner::new(kind);
        let mut last = Ok(Status::Partial);
        for end in 0..=buf.len() {
            last = scanner.scan(&buf[..end], limits);
            if !matches!(last, Ok(Status::Partial)) {
                break;
            }
        }
        last
    }

    const REQ: &[u8] = b"GET / HTTP/1.1\r\nHost: a\r\n\r\nframe";

    #[test]
    fn complete_request_reports_head_length() {
        assert_eq!(scan(Kind::Request, REQ), Ok(Status::Complete(REQ.len() - 5)));
        assert_eq!(scan(Kind::Request, &REQ[..10]), Ok(Status::Partial));
    }

    #[test]
    fn response_without_reason_is_accepted() {
        let head = b"HTTP/1.1 101\r\nA:b\r\n\r\n";
        assert_eq!(scan(Kind::Response, head), Ok(Status::Complete(head.len())));
    }

    #[test]
    fn leading_empty_lines_are_skipped() {
        let buf = b"\r\n\r\nGET / HTTP/1.1\r\n\r\n";
        assert_eq!(scan(Kind::Request, buf), Ok(Status::Complete(buf.len())));
        let head = Head::split(buf, buf.len());
        assert_eq!(head.start_line, b"GET / HTTP/1.1");
        assert_eq!(head.headers().count(), 0);
    }

    #[test]
    fn smuggling_shapes_are_refused() {
        let cases: &[(&[u8], HandshakeError)] = &[
            (b"GET / HTTP/1.1\r\nHost : a\r\n\r\n", HandshakeError::WhitespaceBeforeColon),
            (b"GET / HTTP/1.1\r\nA: b\r\n c\r\n\r\n", HandshakeError::ObsoleteLineFolding),
            (b"GET / HTTP/1.1\r\nA: b\rc\r\n\r\n", HandshakeError::InvalidLineEnding),
            (b"GET / HTTP/1.1\nA: b\r\n\r\n", HandshakeError::InvalidLineEnding),
            (b"GET / HTTP/1.1\r\nA: b\n\r\n", HandshakeError::InvalidLineEnding),
            (b"GET / HTTP/1.1\r\nA: \0\r\n\r\n", HandshakeError::InvalidHeaderValue),
            (b"GET / HTTP/1.1\r\nA: \x7f\r\n\r\n", HandshakeError::InvalidHeaderValue),
            (b"GET / HTTP/1.1\r\nA(b: c\r\n\r\n", HandshakeError::InvalidHeaderName),
            (b"GET / HTTP/1.1\r\n: c\r\n\r\n", HandshakeError::InvalidHeaderName),
            (b"GET /a b HTTP/1.1\r\n\r\n", HandshakeError::InvalidHttpVersion),
            (b"GET  / HTTP/1.1\r\n\r\n", HandshakeError::InvalidTarget),
            (b"G\x01T / HTTP/1.1\r\n\r\n", HandshakeError::InvalidMethod),
            (b"GET / HTTP/1.1\r\nA: b\r\n\r\r", HandshakeError::InvalidLineEnding),
        ];
        for (bytes, error) in cases {
            assert_eq!(scan(Kind::Request, bytes), Err(*error), "{:?}", bytes.escape_ascii());
        }
    }

    #[test]
    fn garbage_is_refused_at_the_first_byte() {
        assert_eq!(scan(Kind::Request, b"\x16\x03\x01"), Err(HandshakeError::InvalidMethod));
        assert_eq!(scan(Kind::Response, b"X"), Err(HandshakeError::InvalidStatusLine));
    }

    #[test]
    fn size_limit_is_enforced_before_it_is_crossed() {
        let limits = Limits { max_head_len: 32, max_headers: 64 };
        let endless = [b"GET / HTTP/1.1\r\nA: ".as_slice(), &[b'x'; 100]].concat();
        let mut scanner = Scanner::new(Kind::Request);
        assert_eq!(scanner.scan(&endless[..31], &limits), Ok(Status::Partial));
        assert_eq!(scanner.scan(&endless[..32], &limits), Err(HandshakeError::HeadTooLarge));
        assert_eq!(
            scan_bytewise(Kind::Request, &endless, &limits),
            Err(HandshakeError::HeadTooLarge)
        );
        let exact = b"GET / HTTP/1.1\r\nA: bbbbbbbbbbb\r\n\r\n";
        let limits = Limits { max_head_len: exact.len(), max_headers: 64 };
        assert_eq!(
            Scanner::new(Kind::Request).scan(exact, &limits),
            Ok(Status::Complete(exact.len()))
        );
    }

    #[test]
    fn header_count_is_enforced_at_the_extra_line() {
        let limits = Limits { max_head_len: 1024, max_headers: 2 };
        let two = b"GET / HTTP/1.1\r\nA: 1\r\nB: 2\r\n\r\n";
        assert!(scan_bytewise(Kind::Request, two, &limits).is_ok());
        let three = b"GET / HTTP/1.1\r\nA: 1\r\nB: 2\r\nC";
        assert_eq!(
            scan_bytewise(Kind::Request, three, &limits),
            Err(HandshakeError::TooManyHeaders)
        );
    }

    #[test]
    fn bytewise_equals_whole() {
        assert_eq!(scan_bytewise(Kind::Request, REQ, &Limits::default()), scan(Kind::Request, REQ));
    }

    #[test]
    fn headers_are_trimmed_and_split_at_first_colon() {
        let buf = b"GET / HTTP/1.1\r\nHost:a:80\r\nX:  \t v v \t\r\nEmpty:\r\n\r\n";
        let head = Head::split(buf, buf.len());
        let all: alloc::vec::Vec<_> = head.headers().map(|h| (h.name, h.value)).collect();
        assert_eq!(all, [("Host", &b"a:80"[..]), ("X", b"v v"), ("Empty", b"")]);
        assert_eq!(head.header("host"), Some(&b"a:80"[..]));
    }

    #[test]
    fn shorter_buffer_restarts_the_scan() {
        let mut scanner = Scanner::new(Kind::Request);
        assert_eq!(scanner.scan(&REQ[..20], &Limits::default()), Ok(Status::Partial));
        assert_eq!(scanner.scan(&REQ[..5], &Limits::default()), Ok(Status::Partial));
        assert_eq!(scanner.scan(REQ, &Limits::default()), Ok(Status::Complete(REQ.len() - 5)));
    }
}
