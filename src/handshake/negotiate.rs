//! Token lists, subprotocols and `Sec-WebSocket-Extensions` offers (RFC 6455 §4, §9.1).
//!
//! Everything here iterates over borrowed header values; nothing is copied or allocated.
//! Lists follow RFC 9110 §5.6.1: elements are separated by commas with optional
//! whitespace, and empty elements are ignored.

use super::head::{is_tchar, Headers};

/// Returns `true` if `s` is a non-empty token (RFC 9110 §5.6.2).
pub(crate) fn is_token(s: &[u8]) -> bool {
    !s.is_empty() && s.iter().all(|&b| is_tchar(b))
}

/// Skips optional whitespace.
fn skip_ows(mut s: &[u8]) -> &[u8] {
    while let [b' ' | b'\t', rest @ ..] = s {
        s = rest;
    }
    s
}

/// Splits the longest token prefix off `s`.
fn take_token(s: &[u8]) -> (&[u8], &[u8]) {
    let end = s.iter().position(|&b| !is_tchar(b)).unwrap_or(s.len());
    s.split_at(end)
}

/// Views bytes known to be ASCII tokens as text.
fn text(bytes: &[u8]) -> &str {
    core::str::from_utf8(bytes).unwrap_or_default()
}

/// The non-empty elements of one comma-separated field value, trimmed.
#[derive(Clone, Debug)]
pub(crate) struct ListItems<'a> {
    rest: &'a [u8],
}

impl<'a> ListItems<'a> {
    pub(crate) const fn new(value: &'a [u8]) -> Self {
        Self { rest: value }
    }
}

impl<'a> Iterator for ListItems<'a> {
    type Item = &'a [u8];

    fn next(&mut self) -> Option<&'a [u8]> {
        loop {
            if self.rest.is_empty() {
                return None;
            }
            let end = self.rest.iter().position(|&b| b == b',').unwrap_or(self.rest.len());
            let (item, rest) = self.rest.split_at(end);
            self.rest = rest.get(1..).unwrap_or_default();
            let item = super::head::trim(item);
            if !item.is_empty() {
                return Some(item);
            }
        }
    }
}

/// Returns `true` if any `name` header lists `token` (ASCII case-insensitive).
pub(crate) fn list_contains(headers: Headers<'_>, name: &str, token: &str) -> bool {
    headers
        .filter(|h| h.is(name))
        .any(|h| ListItems::new(h.value).any(|item| item.eq_ignore_ascii_case(token.as_bytes())))
}

/// Returns `true` if `value` is a valid `1#token` list (subprotocols, RFC 6455 §4.1 item 10).
pub(crate) fn is_token_list(value: &[u8]) -> bool {
    let mut items = ListItems::new(value);
    items.clone().next().is_some() && items.all(is_token)
}

/// The subprotocols a client offered, in its order of preference, across every
/// `Sec-WebSocket-Protocol` line (RFC 6455 §4.1 item 10, §11.3.4).
#[derive(Clone, Debug)]
pub struct Subprotocols<'a> {
    headers: Headers<'a>,
    items: ListItems<'a>,
}

impl<'a> Subprotocols<'a> {
    pub(crate) const fn new(headers: Headers<'a>) -> Self {
        Self { headers, items: ListItems::new(b"") }
    }
}

impl<'a> Iterator for Subprotocols<'a> {
    type Item = &'a str;

    fn next(&mut self) -> Option<&'a str> {
        loop {
            if let Some(item) = self.items.next() {
                return Some(text(item));
            }
            let header = self.headers.find(|h| h.is("Sec-WebSocket-Protocol"))?;
            self.items = ListItems::new(header.value);
        }
    }
}

/// A parameter value: a token, or a quoted string whose content is a token (RFC 6455 §9.1).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ParamValue<'a> {
    raw: &'a str,
    quoted: bool,
}

impl<'a> ParamValue<'a> {
    /// The value as received, without the quotes of a quoted string.
    pub const fn raw(&self) -> &'a str {
        self.raw
    }

    /// Returns `true` if the value was a quoted string.
    pub const fn is_quoted(&self) -> bool {
        self.quoted
    }

    /// The value as text; `None` only for a quoted string that holds `\` escapes
    /// (compare those with `==` instead, which unescapes).
    pub fn as_str(&self) -> Option<&'a str> {
        (!self.raw.contains('\\')).then_some(self.raw)
    }

    /// The unescaped bytes of the value.
    pub fn unescaped(&self) -> impl Iterator<Item = u8> + 'a {
        let mut escaped = false;
        self.raw.bytes().filter(move |&b| {
            let keep = escaped || b != b'\\';
            escaped = !escaped && b == b'\\';
            keep
        })
    }
}

impl PartialEq<str> for ParamValue<'_> {
    fn eq(&self, other: &str) -> bool {
        self.unescaped().eq(other.bytes())
    }
}

impl PartialEq<&str> for ParamValue<'_> {
    fn eq(&self, other: &&str) -> bool {
        *self == **other
    }
}

/// One extension parameter: `name` or `name=value`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Param<'a> {
    name: &'a str,
    value: Option<ParamValue<'a>>,
}

impl<'a> Param<'a> {
    /// The parameter name.
    pub const fn name(&self) -> &'a str {
        self.name
    }

    /// The value, if the parameter has one.
    pub const fn value(&self) -> Option<ParamValue<'a>> {
        self.value
    }
}

/// One extension of a `Sec-WebSocket-Extensions` list: a name and its parameters.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Extension<'a> {
    name: &'a str,
    params: &'a [u8],
    text: &'a str,
}

impl<'a> Extension<'a> {
    /// The extension token, e.g. `permessage-deflate`.
    pub const fn name(&self) -> &'a str {
        self.name
    }

    /// The parameters, in order.
    pub const fn params(&self) -> Params<'a> {
        Params { rest: self.params }
    }

    /// The whole element as received, e.g. `permessage-deflate; client_max_window_bits`.
    pub const fn as_str(&self) -> &'a str {
        self.text
    }
}

/// The parameters of an [`Extension`].
#[derive(Clone, Debug)]
pub struct Params<'a> {
    rest: &'a [u8],
}

impl<'a> Iterator for Params<'a> {
    type Item = Param<'a>;

    fn next(&mut self) -> Option<Param<'a>> {
        let (param, rest) = parse_param(self.rest).ok()??;
        self.rest = rest;
        Some(param)
    }
}

/// Parses `OWS ";" OWS token [BWS "=" BWS (token / quoted-string)]`; `None` at the end of
/// the extension (end of input or a comma).
fn parse_param(s: &[u8]) -> Result<Option<(Param<'_>, &[u8])>, ()> {
    let s = skip_ows(s);
    let s = match s {
        [] | [b',', ..] => return Ok(None),
        [b';', rest @ ..] => skip_ows(rest),
        _ => return Err(()),
    };
    let (name, s) = take_token(s);
    if name.is_empty() {
        return Err(());
    }
    let after_name = skip_ows(s);
    let [b'=', after_eq @ ..] = after_name else {
        return Ok(Some((Param { name: text(name), value: None }, s)));
    };
    let (value, rest) = parse_value(skip_ows(after_eq))?;
    Ok(Some((Param { name: text(name), value: Some(value) }, rest)))
}

/// Parses a token or a quoted string whose unescaped content is a token.
fn parse_value(s: &[u8]) -> Result<(ParamValue<'_>, &[u8]), ()> {
    let [b'"', inner @ ..] = s else {
        let (token, rest) = take_token(s);
        return match token.is_empty() {
            true => Err(()),
            false => Ok((ParamValue { raw: text(token), quoted: false }, rest)),
        };
    };
    let mut i = 0;
    let mut chars = 0;
    loop {
        match (inner.get(i), inner.get(i + 1)) {
            (Some(b'"'), _) if chars > 0 => break,
            (Some(b'\\'), Some(&b)) if is_tchar(b) => i += 2,
            (Some(&b), _) if is_tchar(b) => i += 1,
            _ => return Err(()),
        }
        chars += 1;
    }
    let raw = inner.get(..i).ok_or(())?;
    let rest = inner.get(i + 1..).ok_or(())?;
    Ok((ParamValue { raw: text(raw), quoted: true }, rest))
}

/// Parses one extension element, skipping empty list elements before it; `None` at the end.
fn parse_extension(s: &[u8]) -> Result<Option<(Extension<'_>, &[u8])>, ()> {
    let mut s = skip_ows(s);
    while let [b',', rest @ ..] = s {
        s = skip_ows(rest);
    }
    if s.is_empty() {
        return Ok(None);
    }
    let start = s;
    let (name, params) = take_token(s);
    if name.is_empty() {
        return Err(());
    }
    let mut rest = params;
    while let Some((_, after)) = parse_param(rest)? {
        rest = after;
    }
    let used = start.len() - rest.len();
    let element = start.get(..used).unwrap_or_default();
    let params = params.get(..params.len() - rest.len()).unwrap_or_default();
    let extension = Extension { name: text(name), params, text: text(element) };
    Ok(Some((extension, skip_ows(rest))))
}

/// Returns `true` if `value` matches `1#extension` (RFC 6455 §9.1).
pub(crate) fn is_extension_list(value: &[u8]) -> bool {
    let mut rest = value;
    let mut count = 0usize;
    loop {
        match parse_extension(rest) {
            Ok(Some((_, after))) => {
                count += 1;
                rest = after;
            }
            Ok(None) => return count > 0,
            Err(()) => return false,
        }
    }
}

/// The extensions of one or more `Sec-WebSocket-Extensions` values, in order.
///
/// Obtained from a validated head, so every value matches the grammar.
#[derive(Clone, Debug)]
pub struct Extensions<'a> {
    headers: Option<Headers<'a>>,
    rest: &'a [u8],
}

impl<'a> Extensions<'a> {
    pub(crate) const fn new(headers: Headers<'a>) -> Self {
        Self { headers: Some(headers), rest: b"" }
    }

    /// Iterates over the extensions of one `Sec-WebSocket-Extensions` value; a value
    /// that does not match the grammar yields the extensions before the fault.
    pub(crate) const fn from_value(value: &'a [u8]) -> Self {
        Self { headers: None, rest: value }
    }
}

impl<'a> Iterator for Extensions<'a> {
    type Item = Extension<'a>;

    fn next(&mut self) -> Option<Extension<'a>> {
        loop {
            if let Ok(Some((extension, rest))) = parse_extension(self.rest) {
                self.rest = rest;
                return Some(extension);
            }
            let header = self.headers.as_mut()?.find(|h| h.is("Sec-WebSocket-Extensions"))?;
            self.rest = header.value;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec::Vec;

    fn names(value: &str) -> Vec<&str> {
        Extensions::from_value(value.as_bytes()).map(|e| e.name()).collect()
    }

    #[test]
    fn list_items_skip_empty_elements() {
        let items: Vec<_> = ListItems::new(b" , a ,b,, c\t,").collect();
        assert_eq!(items, [&b"a"[..], b"b", b"c"]);
        assert!(is_token_list(b"chat, superchat"));
        assert!(!is_token_list(b"chat, super chat"));
        assert!(!is_token_list(b" , "));
    }

    #[test]
    fn extension_grammar_table() {
        let valid = [
            "permessage-deflate",
            "permessage-deflate; client_max_window_bits",
            "permessage-deflate ; client_max_window_bits = 10 , x-foo",
            "a; b=\"15\"; c=d, , e",
            "a;b=\"x\\y\"",
        ];
        for value in valid {
            assert!(is_extension_list(value.as_bytes()), "{value}");
        }
        let invalid = [
            "",
            " , ",
            "a;",
            "a; =1",
            "a; b=",
            "a; b=\"\"",
            "a; b=\"1 5\"",
            "a; b=\"15",
            "a b",
            "a; b=1 2",
            "(a)",
        ];
        for value in invalid {
            assert!(!is_extension_list(value.as_bytes()), "{value}");
        }
    }

    #[test]
    fn extensions_expose_names_params_and_text() {
        assert_eq!(names("a, b; x=1, c"), ["a", "b", "c"]);
        let value = "permessage-deflate; client_max_window_bits; server_max_window_bits=\"1\\0\"";
        let ext = Extensions::from_value(value.as_bytes()).next().unwrap();
        assert_eq!(ext.as_str(), value);
        let params: Vec<_> = ext.params().collect();
        assert_eq!(params.len(), 2);
        assert_eq!(params[0].name(), "client_max_window_bits");
        assert_eq!(params[0].value(), None);
        let bits = params[1].value().unwrap();
        assert!(bits.is_quoted());
        assert_eq!(bits.as_str(), None);
        assert_eq!(bits, "10");
        assert_eq!(bits.raw(), "1\\0");
    }

    #[test]
    fn element_text_excludes_trailing_whitespace() {
        let ext = Extensions::from_value(b"foo; a=1  , bar").next().unwrap();
        assert_eq!(ext.as_str(), "foo; a=1");
        assert_eq!(ext.params().count(), 1);
    }
}
