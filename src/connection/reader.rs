//! The whole-message receive path: [`MessageReader`] owns the read buffer and the message
//! store, and chooses where each read lands.

use super::gather::Found;
use super::read_buffer::ReadBuffer;
use super::{Connection, ConnectionError, Event, Received};
use crate::message::{DataChunk, MessageError, MessageKind, MessageStore};

/// The most one read into the store may take: the rest of a frame is read at once up
/// to this size (a `MessageBuffer` lends less until the message's bytes arrive).
const STORE_READ: usize = 1 << 20;

/// The bytes after a frame that a read into the store may also take (the next frame's
/// header and the start of its payload), so that a stream of large messages is read
/// in one read per message; they are moved to the read buffer. A cache line: more would
/// be copied twice.
const STORE_TAIL: usize = 64;

/// Receives whole messages: the buffer the transport is read into, and the store where
/// messages that do not arrive whole in one read are gathered.
///
/// The loop is the same for every transport:
/// 1. read into [`spare`](Self::spare) and report the count with
///    [`filled`](Self::filled) (end of stream goes to
///    [`Connection::handle_eof`]);
/// 2. take messages with [`next`](Self::next) until it returns `None`;
/// 3. drain [`Connection::poll_transmit`] and write what it gave.
///
/// Where the bytes go is the reader's choice, and each choice saves a copy:
/// - a message that lies whole in a read is delivered in place, unmasked and checked
///   in one pass;
/// - a message in one frame that a read cuts short, and that fits in the read buffer,
///   is kept there until it is whole, then delivered in place;
/// - while the payload of a larger frame is pending, [`spare`](Self::spare) lends the
///   store itself, so most of a large message is read straight where it is delivered;
/// - everything else (fragments, compressed messages) is gathered in the store,
///   unmasked while it is copied.
///
/// A message borrows the reader, never the connection, so it can be sent back while it
/// is held:
///
/// ```
/// use rfc6455::message::SliceMessageBuffer;
/// use rfc6455::{Config, Connection, MessageReader, Received, SliceSink};
/// let mut client = Connection::client(Config::default(), [7; 16]);
/// let mut server = Connection::server(Config::default());
/// let mut wire = [0u8; 64];
/// let mut out = SliceSink::new(&mut wire); // with `alloc`, a `Vec<u8>` is a sink too
/// client.send_text("Hello", &mut out)?;
///
/// let mut reader = MessageReader::new([0u8; 256], SliceMessageBuffer::new(&mut []));
/// let mut echo_buf = [0u8; 64];
/// let mut echo = SliceSink::new(&mut echo_buf);
/// let mut input = out.filled();
/// while !input.is_empty() {
///     // The transport's read: into the space the reader lends.
///     let spare = reader.spare(&mut server)?;
///     let n = spare.len().min(input.len());
///     spare[..n].copy_from_slice(&input[..n]);
///     input = &input[n..];
///     reader.filled(n);
///     while let Some(message) = reader.next(&mut server) {
///         if let Received::Text(text) = message {
///             server.send_text(text, &mut echo)?; // straight from the reader
///         }
///     }
/// }
/// assert_eq!(echo.filled(), b"\x81\x05Hello");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// # Errors come after the Close
/// When the peer breaks the protocol or a limit, the connection fails and queues its
/// Close: [`next`](Self::next) returns `None`, and the error comes out of the next
/// [`spare`](Self::spare), which the loop calls only after it wrote what
/// [`poll_transmit`](Connection::poll_transmit) gave. So `?` in the natural loop is the
/// right thing: the peer is told why before the loop ends.
///
/// # Storage
/// The read buffer is anything that derefs to bytes: an array or `&mut [u8]` without
/// `alloc`, a `Vec<u8>` or `Box<[u8]>` with it. About 16 KiB suits most connections:
/// the bytes are still in the L1 cache when they are unmasked and checked. The store is
/// a [`SliceMessageBuffer`](crate::message::SliceMessageBuffer) over caller memory
/// (which bounds the message size), or a `MessageBuffer` with `alloc`. Use one reader
/// per connection, for its whole life: it holds bytes the connection has not seen yet.
#[derive(Debug)]
pub struct MessageReader<R, S> {
    buffer: ReadBuffer<R>,
    store: S,
    /// The room in the store the last [`spare`](Self::spare) lent, if it lent the store.
    lent_store: Option<usize>,
    /// Bytes read into the store's room, for [`next`](Self::next) to take.
    to_commit: Option<usize>,
    /// What [`has_next`](Self::has_next) found.
    found: Option<Found>,
}

#[cfg(feature = "alloc")]
impl Default for MessageReader<alloc::vec::Vec<u8>, crate::message::MessageBuffer> {
    /// A 16 KiB read buffer and a growing message store.
    fn default() -> Self {
        Self::new(alloc::vec![0; 16 * 1024], crate::message::MessageBuffer::new())
    }
}

impl<R: AsRef<[u8]> + AsMut<[u8]>, S: MessageStore> MessageReader<R, S> {
    /// A reader that reads into `read_buffer` (its bytes are overwritten) and gathers
    /// messages in `store`.
    ///
    /// # Panics
    /// If `read_buffer` is empty: a read into it could not tell data from end of stream.
    pub fn new(read_buffer: R, store: S) -> Self {
        assert!(!read_buffer.as_ref().is_empty(), "a MessageReader needs a read buffer");
        Self {
            buffer: ReadBuffer::new(read_buffer),
            store,
            lent_store: None,
            to_commit: None,
            found: None,
        }
    }

    /// Where to read next: the read buffer's free space, or, while the payload of a
    /// large frame (at least half the read buffer) is pending, room in the store for
    /// the rest of it (at most 1 MiB, and with a growing store at most what the bytes
    /// that arrived justify: 64 KiB or three times the message so far) and for the next
    /// 64 bytes after it, which go to the read buffer. Never empty. Read into it, then call
    /// [`filled`](Self::filled).
    ///
    /// # Errors
    /// The [`ConnectionError`] that failed `conn`, once its Close was queued (see
    /// [Errors come after the Close](Self#errors-come-after-the-close)).
    pub fn spare(&mut self, conn: &mut Connection) -> Result<&mut [u8], ConnectionError> {
        if let Some(error) = conn.failure() {
            return Err(error);
        }
        self.lent_store = None;
        // A read into the store not taken yet (no `next` after it): what it read past
        // its frame goes before this read.
        self.take_past_frame(conn);
        if self.buffer.is_empty() && self.to_commit.is_none() && self.found.is_none() {
            // The rest of a frame at least half the read buffer's size goes straight
            // into the store, as much of it as the store gives room for at once (a
            // growing store gives room as the message's bytes arrive, see
            // `MessageBuffer`): one read for the rest of a large frame, and the start of
            // what follows it. Shorter rests are read with what follows them, into the
            // read buffer.
            let capacity = self.buffer.capacity();
            let min = (capacity / 2).max(1) as u64;
            let max = capacity.max(STORE_READ);
            let tail = STORE_TAIL.min(capacity);
            match conn.payload_room(&mut self.store, min, max, tail) {
                Ok(Some(room)) => {
                    self.lent_store = Some(room.len());
                    return Ok(room);
                }
                Ok(None) => {}
                Err(error) => return Err(error),
            }
        }
        Ok(self.buffer.spare())
    }

    /// Records that the first `n` bytes of the last [`spare`](Self::spare) were read
    /// into. Call [`next`](Self::next) until it returns `None` before the next read.
    ///
    /// # Panics
    /// If `n` is larger than that space.
    pub fn filled(&mut self, n: usize) {
        match self.lent_store.take() {
            Some(room) => {
                assert!(n <= room, "filled more than the free space");
                self.to_commit = Some(n);
            }
            None => self.buffer.filled(n),
        }
    }

    /// Copies the start of `bytes` into the read buffer (bytes received before the
    /// reader existed, such as frames that arrived with the handshake) and returns how
    /// many it took; take messages with [`next`](Self::next) and call again with the
    /// rest until all are taken.
    pub fn feed(&mut self, bytes: &[u8]) -> usize {
        self.lent_store = None;
        if self.to_commit.is_some() {
            // A read into the store comes first: `next` takes it.
            return 0;
        }
        let spare = self.buffer.spare();
        let n = spare.len().min(bytes.len());
        spare[..n].copy_from_slice(&bytes[..n]);
        self.buffer.filled(n);
        n
    }

    /// The next whole message, ping, pong or Close in what was read, or `None` when
    /// more must be read (or the connection failed: see
    /// [Errors come after the Close](Self#errors-come-after-the-close)).
    ///
    /// A message held in the store stays there until the next call.
    #[inline(always)]
    #[allow(clippy::should_implement_trait)] // it takes the connection
    pub fn next(&mut self, conn: &mut Connection) -> Option<Received<'_>> {
        // The common case first: a whole message at the front of the read buffer,
        // delivered in place.
        if self.found.is_none() && self.to_commit.is_none() {
            if let Some(whole) = conn.peek_in_buffer(&self.buffer) {
                self.store.settle();
                let chunk = conn.take_from_buffer(&mut self.buffer, Found::Whole(whole))?;
                return received(conn, Event::Data(chunk));
            }
        }
        let found = match self.found.take() {
            Some(found) => found,
            None => self.find(conn)?,
        };
        match found {
            Found::Stored => delivered(conn, &self.store),
            Found::Control(event) => received(conn, event),
            found => {
                let chunk = conn.take_from_buffer(&mut self.buffer, found)?;
                received(conn, Event::Data(chunk))
            }
        }
    }

    /// Returns `true` when [`next`](Self::next) has a message (or ping, pong, Close)
    /// to return, without returning it: a loop that reads until there is one, then
    /// returns it, borrows the reader only once (a `next` inside the loop would hold
    /// it in every pass). A message found whole in the read buffer is checked when
    /// `next` delivers it: if its text is not UTF-8, `next` returns `None` and the
    /// connection fails, as it would have in `has_next` had the check been there.
    ///
    /// ```
    /// # use rfc6455::{Connection, MessageReader, Received, message::MessageStore};
    /// fn recv<'r, R: AsRef<[u8]> + AsMut<[u8]>, S: MessageStore>(
    ///     conn: &mut Connection,
    ///     reader: &'r mut MessageReader<R, S>,
    ///     socket: &mut impl std::io::Read,
    /// ) -> Result<Option<Received<'r>>, Box<dyn std::error::Error>> {
    ///     while !reader.has_next(conn) {
    ///         let n = socket.read(reader.spare(conn)?)?;
    ///         if n == 0 {
    ///             conn.handle_eof();
    ///             return Ok(None);
    ///         }
    ///         reader.filled(n);
    ///     }
    ///     match reader.next(conn) {
    ///         Some(message) => Ok(Some(message)),
    ///         None => Err(conn.failure().expect("next found nothing: it failed").into()),
    ///     }
    /// }
    /// # let mut conn = Connection::client(rfc6455::Config::default(), [1; 16]);
    /// # let mut reader = MessageReader::new([0u8; 64], rfc6455::message::SliceMessageBuffer::new(&mut []));
    /// # let mut socket: &[u8] = b"\x81\x02hi";
    /// # assert_eq!(recv(&mut conn, &mut reader, &mut socket).unwrap(), Some(Received::Text("hi")));
    /// ```
    pub fn has_next(&mut self, conn: &mut Connection) -> bool {
        if self.found.is_none() {
            self.found = self.find(conn);
        }
        self.found.is_some()
    }

    /// Takes read bytes until something is found.
    #[inline(always)]
    fn find(&mut self, conn: &mut Connection) -> Option<Found> {
        self.take_past_frame(conn);
        if let Some(n) = self.to_commit.take() {
            match conn.commit_payload(n, &mut self.store) {
                Ok(Some(_)) => return Some(Found::Stored),
                Ok(None) => {}
                Err(_) => {
                    // Nothing after a failure is read (as `find_in_buffer` does).
                    self.buffer.clear();
                    return None;
                }
            }
        }
        conn.find_in_buffer(&mut self.buffer, &mut self.store)
    }

    /// Moves the bytes of the last read into the store that lie past the frame's end
    /// (see `STORE_TAIL`) to the read buffer, which holds nothing else yet: it is empty
    /// when the store is lent, and gets nothing until this ran ([`feed`](Self::feed)
    /// takes nothing meanwhile, [`spare`](Self::spare) calls this first). The commit
    /// then takes the frame's bytes only.
    fn take_past_frame(&mut self, conn: &Connection) {
        let Some(n) = self.to_commit else { return };
        // (Without a payload pending, as after a failure, the commit takes nothing.)
        let Some(frame) = conn.pending_payload() else { return };
        let Ok(frame) = usize::try_from(frame) else { return };
        if n > frame {
            let past = self.store.lent().get(frame..n).unwrap_or_default();
            self.buffer.append(past);
            self.to_commit = Some(frame);
        }
    }

    /// The number of bytes read and not handled yet: the start of a message kept until
    /// it is whole. Between messages, 0.
    pub fn buffered(&self) -> usize {
        self.buffer.len()
    }

    /// The message store, for example to release a `MessageBuffer`'s memory while the
    /// connection is idle.
    pub fn store_mut(&mut self) -> &mut S {
        &mut self.store
    }

    /// Where to read a handshake head: the read buffer's free space after what was read.
    pub(crate) fn head_spare(&mut self) -> &mut [u8] {
        self.lent_store = None;
        self.buffer.spare()
    }

    /// Records bytes read into [`head_spare`](Self::head_spare).
    pub(crate) fn head_filled(&mut self, n: usize) {
        self.buffer.filled(n);
    }

    /// The bytes read and not handled yet (a handshake head, and what came after it).
    pub(crate) fn unread(&self) -> &[u8] {
        self.buffer.unread()
    }

    /// Forgets the handshake head at the front of what was read; the frames after it
    /// are the connection's.
    pub(crate) fn consume_head(&mut self, head_len: usize) {
        self.buffer.consume(head_len);
    }

    /// The read buffer's storage and the store back.
    pub fn into_parts(self) -> (R, S) {
        (self.buffer.into_inner(), self.store)
    }
}

/// The whole message (or control frame) an event of the whole-message path reports.
/// Every path checked the text it delivers; should a check's verdict not have travelled
/// with the bytes, the text is checked again, and invalid text fails the connection.
fn delivered<'s, S: MessageStore>(conn: &mut Connection, store: &'s S) -> Option<Received<'s>> {
    let (kind, bytes, text) = store.delivered()?;
    let chunk = match text {
        Some(text) => DataChunk::text(text, true, true),
        None => DataChunk::new(kind, bytes, true, true),
    };
    received(conn, Event::Data(chunk))
}

/// The whole message (or control frame) an event of the whole-message path reports.
#[inline(always)]
fn received<'e>(conn: &mut Connection, event: Event<'e>) -> Option<Received<'e>> {
    Some(match event {
        Event::Data(chunk) if chunk.kind() == MessageKind::Binary => {
            Received::Binary(chunk.payload())
        }
        Event::Data(chunk) => match chunk.as_whole_text() {
            Some(text) => Received::Text(text),
            None => {
                conn.fail(MessageError::InvalidUtf8.into());
                return None;
            }
        },
        Event::Ping(payload) => Received::Ping(payload),
        Event::Pong(payload) => Received::Pong(payload),
        Event::Close(frame) => Received::Close(frame),
        // Compressed messages are gathered in the store, never reported in pieces.
        Event::Inflated { .. } => return None,
    })
}
