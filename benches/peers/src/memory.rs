//! Allocations per message in steady state, and what a connection holds in memory.
//! Only meaningful in a binary that installed [`CountingAlloc`](crate::alloc::CountingAlloc).

use std::mem::size_of;

use futures_util::StreamExt;
use tokio::runtime::Runtime;

use crate::alloc::{counting, live_bytes, measure, Steady};
use crate::check::{Check, Sampled};
use crate::harness::Data;
use crate::imps::{recv_rfc6455_with, Impl};
use crate::io::{MemStream, Transport, SEND_SAMPLE_STRIDE};
use crate::workload::{RecvData, Workload};

/// Allocation calls of one pass.
#[derive(Clone, Debug)]
pub struct Allocs {
    /// All allocation calls of the pass (connection setup included).
    pub total: u64,
    /// Calls after the warm-up messages.
    pub steady: u64,
    /// Messages after the warm-up.
    pub steady_messages: u64,
}

impl Allocs {
    /// Steady-state allocation calls per message.
    pub fn per_message(&self) -> f64 {
        self.steady as f64 / self.steady_messages.max(1) as f64
    }
}

/// How the `rfc6455` receive driver keeps its message buffer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BufferPolicy {
    /// As benchmarked: retains up to the largest message (16 MiB + slack).
    Retained,
    /// `MessageBuffer::new()`: retains 64 KiB between messages.
    Default,
}

fn warm_messages(count: u64) -> u64 {
    (count / 10).max(2)
}

/// Counts the allocations of one pass of `imp` over `data` (after an untimed pass).
///
/// # Errors
/// The implementation's error, or a failed check.
pub fn count_allocs(
    imp: Impl,
    data: &Data,
    rt: &Runtime,
    policy: BufferPolicy,
) -> Result<Allocs, String> {
    let warm = warm_messages(data.messages());
    match data {
        Data::Recv(d) => {
            let mut t = Transport::new(SEND_SAMPLE_STRIDE);
            let mut check = Steady::new(Sampled::default(), warm);
            let (r, total, _) = measure(|| match (imp, policy) {
                (Impl::Rfc6455, BufferPolicy::Default) => {
                    recv_rfc6455_with(d, &mut check, rfc6455::message::MessageBuffer::new())
                }
                _ => imp.recv(d, rt, &mut t, &mut check),
            });
            r?;
            if check.tally() != d.expected_sampled {
                return Err("check failed".into());
            }
            let (steady, steady_messages) = check.steady().ok_or("no steady state")?;
            Ok(Allocs { total, steady, steady_messages })
        }
        Data::Send(d) => {
            let stride = if imp == Impl::Memcpy { SEND_SAMPLE_STRIDE } else { d.frame_stride };
            let mut t = Transport::new(stride);
            let mut progress = Steady::new((), warm);
            let (r, total, _) = measure(|| imp.send(d, rt, &mut t, &mut progress));
            r?;
            let (steady, steady_messages) = progress.steady().ok_or("no steady state")?;
            Ok(Allocs { total, steady, steady_messages })
        }
    }
}

/// Allocation table rows for `workloads` and `imps`, markdown.
pub fn allocs_table(
    workloads: &[Workload],
    imps: &[Impl],
    rt: &Runtime,
    log: &mut dyn FnMut(&str),
) -> String {
    let mut s = String::from("| workload |");
    let mut columns: Vec<(Impl, BufferPolicy, String)> = Vec::new();
    for &imp in imps {
        columns.push((imp, BufferPolicy::Retained, imp.name().to_string()));
        if imp == Impl::Rfc6455 {
            columns.push((
                imp,
                BufferPolicy::Default,
                "rfc6455 with `MessageBuffer::new()`".to_string(),
            ));
        }
    }
    for (_, _, name) in &columns {
        s += &format!(" {name} |");
    }
    s += "\n|---|";
    s += &"---:|".repeat(columns.len());
    s += "\n";
    for &w in workloads {
        let data = Data::new(w);
        s += &format!("| {} |", w.name());
        let mut line = Vec::new();
        for (imp, policy, name) in &columns {
            let cell = match imp.unsupported(w) {
                Some(_) => "n/a".to_string(),
                None => match count_allocs(*imp, &data, rt, *policy) {
                    Ok(a) => format!("{} ({})", fmt_per_message(a.per_message()), a.total),
                    Err(e) => {
                        log(&format!("allocs {} {name}: {e}", w.name()));
                        "error".to_string()
                    }
                },
            };
            line.push(format!("{name} {cell}"));
            s += &format!(" {cell} |");
        }
        log(&format!("allocs {}: {}", w.name(), line.join(" | ")));
        s += "\n";
    }
    s
}

fn fmt_per_message(x: f64) -> String {
    if x == 0.0 {
        "0".into()
    } else if x >= 0.1 {
        format!("{x:.2}")
    } else {
        format!("{x:.1e}")
    }
}

/// Heap bytes still held, and allocation calls made, by a live connection after it
/// received `d`.
#[derive(Clone, Copy, Debug)]
struct Held {
    heap: i64,
}

/// What happens after the workload, before the heap is measured.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Then {
    /// Nothing: the connection goes idle.
    Idle,
    /// The application calls `MessageBuffer::release()`.
    Release,
}

fn rfc6455_after(
    d: &RecvData,
    then: Then,
) -> Result<(Held, rfc6455::Connection, rfc6455::message::MessageBuffer), String> {
    let ((r, conn, messages), _, heap) = measure(|| {
        let mut conn = rfc6455::Connection::server(crate::imps::rfc6455_config());
        let mut reader = rfc6455::MessageReader::new(
            [0u8; crate::imps::RFC6455_READ],
            rfc6455::message::MessageBuffer::new(),
        );
        let mut check = Sampled::default();
        let r = feed_rfc6455(d, &mut conn, &mut reader, &mut check);
        if then == Then::Release {
            reader.store_mut().release();
        }
        // The read buffer (a stack array here) goes; the message store stays.
        let (_, messages) = reader.into_parts();
        (r.and_then(|()| ok_if(check.tally() == d.expected_sampled)), conn, messages)
    });
    r?;
    Ok((Held { heap }, conn, messages))
}

fn ok_if(ok: bool) -> Result<(), String> {
    if ok {
        Ok(())
    } else {
        Err("check failed".into())
    }
}

/// The benchmark loop, on a caller's connection and reader; the 16 KiB read buffer is
/// the caller's (a stack array here), not the connection's.
fn feed_rfc6455<R: AsRef<[u8]> + AsMut<[u8]>>(
    d: &RecvData,
    conn: &mut rfc6455::Connection,
    reader: &mut rfc6455::MessageReader<R, rfc6455::message::MessageBuffer>,
    c: &mut impl Check,
) -> Result<(), String> {
    crate::imps::rfc6455_receive(d, conn, reader, c)
}

/// Heap a peer connection holds after receiving `d`, with the connection still alive.
fn peer_after(imp: Impl, d: &RecvData, rt: &Runtime) -> Result<Held, String> {
    let mut t = Transport::new(SEND_SAMPLE_STRIDE);
    let n = d.count();
    let start = live_bytes();
    counting(true);
    let r = (|| -> Result<i64, String> {
        let stream = MemStream::new(&d.wire, &mut t);
        let mut c = Sampled::default();
        let held = match imp {
            Impl::Tungstenite => {
                let mut ws = tungstenite::WebSocket::from_raw_socket(
                    stream,
                    tungstenite::protocol::Role::Server,
                    None,
                );
                for _ in 0..n {
                    let m = ws.read().map_err(|e| format!("{e:?}"))?;
                    c.message(m.is_text(), &m.into_data());
                }
                live_bytes() - start
            }
            Impl::Fastwebsockets => rt.block_on(async {
                let ws = fastwebsockets::WebSocket::after_handshake(
                    stream,
                    fastwebsockets::Role::Server,
                );
                let mut ws = fastwebsockets::FragmentCollector::new(ws);
                for _ in 0..n {
                    let f = ws.read_frame().await.map_err(|e| format!("{e:?}"))?;
                    c.message(f.opcode == fastwebsockets::OpCode::Text, &f.payload);
                }
                Ok::<_, String>(live_bytes() - start)
            })?,
            Impl::TokioWebsockets => rt.block_on(async {
                let mut ws = tokio_websockets::ServerBuilder::new().serve(stream);
                for _ in 0..n {
                    let m = ws.next().await.ok_or("eof")?.map_err(|e| format!("{e:?}"))?;
                    c.message(m.is_text(), m.as_payload());
                }
                Ok::<_, String>(live_bytes() - start)
            })?,
            _ => return Err("not a peer with a connection object".into()),
        };
        ok_if(c.tally() == d.expected_sampled)?;
        Ok(held)
    })();
    counting(false);
    Ok(Held { heap: r? })
}

/// The memory section: sizes and heap held by idle connections, markdown.
///
/// # Errors
/// A driver's error.
pub fn memory_section(rt: &Runtime) -> Result<String, String> {
    let w4 = RecvData::new(Workload::W4).prefix(100);
    let w5 = RecvData::new(Workload::W5).prefix(1);
    let conn_size = size_of::<rfc6455::Connection>();
    let buf_size = size_of::<rfc6455::message::MessageBuffer>();
    // The reader's own state and its store; the read buffer it borrows is counted apart.
    let reader_size =
        size_of::<rfc6455::MessageReader<&'static mut [u8], rfc6455::message::MessageBuffer>>();
    let (fresh, ..) = measure(|| {
        let c = rfc6455::Connection::server(rfc6455::Config::default());
        let m = rfc6455::message::MessageBuffer::new();
        (c, m)
    });
    let fresh_heap = fresh.1.capacity();
    let (after_w4, _, m4) = rfc6455_after(&w4, Then::Idle)?;
    let (after_w5, _, m5) = rfc6455_after(&w5, Then::Idle)?;
    let (after_release, _, _) = rfc6455_after(&w5, Then::Release)?;
    let stream = size_of::<MemStream<'_>>();
    let mut s = String::new();
    s += &format!(
        "- `size_of::<rfc6455::Connection>()` = **{conn_size} bytes** (default features; \
         `deflate` off, and `std`/`alloc` do not change the layout). A connection owns no \
         heap memory: with no features it needs nothing else but the caller's read buffer.\n"
    );
    s += &format!(
        "- The benchmark loop reads through a `MessageReader` over a 16 KiB read buffer: \
         a message in one frame that a read cuts short stays in the read buffer until it is \
         whole, and is delivered in place. With `alloc`, larger or fragmented messages are \
         gathered in the reader's `MessageBuffer` (`size_of` = {buf_size} bytes; {fresh_heap} bytes of \
         heap when new), unmasked as they are copied. Heap it holds (measured by the \
         counting allocator; `capacity()` in brackets):\n"
    );
    s += &format!(
        "  - idle after 100 W4 messages (~1 KiB text): **{} bytes** ({}): none was gathered\n",
        after_w4.heap,
        m4.capacity()
    );
    s += &format!(
        "  - idle after one W5 message (1 MiB in 1 KiB fragments) and the loop's next \
         call to `MessageReader::next`, which ends the message's loan and shrinks the buffer to its retained \
         capacity (4 KiB by default): **{} bytes** ({})\n",
        after_w5.heap,
        m5.capacity()
    );
    s += &format!(
        "  - then after `MessageBuffer::release()` (for a connection that goes idle after \
         large messages): **{} bytes**\n",
        after_release.heap
    );
    s += &format!(
        "- Idle total with `alloc`: {conn_size} + {reader_size} bytes inline (the connection, \
         and a `MessageReader` over a borrowed read buffer, its `MessageBuffer` included) + the \
         message buffer's heap above: {} bytes after small messages, {} after a large one \
         until `release()`, {} after it; plus the read buffer (16 KiB here), which the reader \
         keeps for the connection's life (one reader per connection).\n",
        conn_size + reader_size + after_w4.heap.max(0) as usize,
        conn_size + reader_size + after_w5.heap.max(0) as usize,
        conn_size + reader_size + after_release.heap.max(0) as usize,
    );
    s += "\nPeers, after the same 100 W4 messages (connection still alive, default settings; \
          `size_of` without the harness's stream):\n\n\
          | implementation | `size_of` connection | heap held |\n|---|---:|---:|\n";
    s += &format!(
        "| rfc6455 (+ `MessageReader` and its `MessageBuffer`, read buffer apart) | {} | {} |\n",
        conn_size + reader_size,
        after_w4.heap
    );
    for imp in [Impl::Tungstenite, Impl::Fastwebsockets, Impl::TokioWebsockets] {
        let size = match imp {
            Impl::Tungstenite => size_of::<tungstenite::WebSocket<MemStream<'_>>>(),
            Impl::Fastwebsockets => size_of::<fastwebsockets::FragmentCollector<MemStream<'_>>>(),
            _ => size_of::<tokio_websockets::WebSocketStream<MemStream<'_>>>(),
        } - stream;
        let held = peer_after(imp, &w4, rt)?;
        s += &format!("| {} | {size} | {} |\n", imp.name(), held.heap);
    }
    s += &format!(
        "| embedded-websocket | {} | none: the caller supplies the read buffer (64 KiB in \
         the benchmark) and a message buffer at least as large as the largest message |\n",
        size_of::<embedded_websocket::WebSocketServer>(),
    );
    Ok(s)
}
