//! The connections of `salesim serve`: hyper's HTTP/1 server (what `axum::serve` runs) under the
//! axum router, with the limits `axum::serve` leaves unset, so that slow or idle connections
//! cannot make the server unreachable:
//!
//! - a **header-read timeout**: a request's head must arrive within [`HEADER_TIMEOUT`] of the
//!   connection opening or of the previous response (hyper's own timer, so a kept-alive
//!   connection that sends nothing is closed after it too);
//! - an **idle timeout**: a connection with no byte either way for [`IDLE_TIMEOUT`] is closed
//!   (server-sent event streams send a keep-alive comment every 15 s and stay open);
//! - a **bound on open connections**, [`MAX_CONNECTIONS`]: at the bound, a new connection closes
//!   the oldest one that has not yet sent a whole request head (else the one idle longest), so
//!   the teacher's page always gets in.
//!
//! Each request carries the address it arrived at ([`Arrival`]), which the Host check needs.

use axum::Router;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use std::collections::HashMap;
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{watch, Notify};
use tower_service::Service as _;

/// Most connections open at once (well under the usual limit of 1024 open files).
pub const MAX_CONNECTIONS: usize = 256;

/// Longest wait for a request's head (request line and headers).
pub const HEADER_TIMEOUT: Duration = Duration::from_secs(10);

/// Longest a connection may stay silent both ways.
pub const IDLE_TIMEOUT: Duration = Duration::from_secs(60);

/// How often a connection checks its idle time.
const IDLE_CHECK: Duration = Duration::from_secs(5);

/// The address of this computer a request arrived at (one of several when listening on
/// 0.0.0.0), in every request's extensions.
#[derive(Debug, Clone, Copy)]
pub struct Arrival {
    /// The connection's local address.
    pub local: SocketAddr,
}

/// What the table knows of one open connection.
struct Activity {
    /// Milliseconds since the table's start at the last byte read or written.
    last: AtomicU64,
    /// Request heads read so far.
    requests: AtomicU64,
    /// Told when the connection must close to make room.
    close: Notify,
}

/// The open connections.
struct Table {
    started: Instant,
    open: Mutex<HashMap<u64, Arc<Activity>>>,
    next: AtomicU64,
}

impl Table {
    fn now(&self) -> u64 {
        self.started.elapsed().as_millis() as u64
    }

    /// Registers a new connection, closing another first when at the bound.
    fn admit(&self) -> (u64, Arc<Activity>) {
        let mut open = self.open.lock().unwrap_or_else(|e| e.into_inner());
        if open.len() >= MAX_CONNECTIONS {
            // Connections that never sent a request go first (oldest first), then the idlest.
            let victim = open
                .iter()
                .min_by_key(|(id, a)| {
                    let waiting = a.requests.load(Ordering::Relaxed) == 0;
                    if waiting {
                        (0, **id)
                    } else {
                        (1, a.last.load(Ordering::Relaxed))
                    }
                })
                .map(|(id, _)| *id);
            if let Some(id) = victim.and_then(|id| open.remove(&id).map(|a| (id, a))) {
                id.1.close.notify_one();
            }
        }
        let id = self.next.fetch_add(1, Ordering::Relaxed);
        let activity = Arc::new(Activity {
            last: AtomicU64::new(self.now()),
            requests: AtomicU64::new(0),
            close: Notify::new(),
        });
        open.insert(id, activity.clone());
        (id, activity)
    }

    fn leave(&self, id: u64) {
        self.open
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(&id);
    }

    fn count(&self) -> usize {
        self.open.lock().unwrap_or_else(|e| e.into_inner()).len()
    }
}

/// A TCP stream that notes the time of every byte read or written.
struct Watched {
    io: TcpStream,
    activity: Arc<Activity>,
    table: Arc<Table>,
}

impl Watched {
    fn touch(&self) {
        self.activity
            .last
            .store(self.table.now(), Ordering::Relaxed);
    }
}

impl AsyncRead for Watched {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        let polled = Pin::new(&mut self.io).poll_read(cx, buf);
        if matches!(polled, Poll::Ready(Ok(()))) && buf.filled().len() > before {
            self.touch();
        }
        polled
    }
}

impl AsyncWrite for Watched {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        data: &[u8],
    ) -> Poll<io::Result<usize>> {
        let polled = Pin::new(&mut self.io).poll_write(cx, data);
        if matches!(polled, Poll::Ready(Ok(n)) if n > 0) {
            self.touch();
        }
        polled
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let polled = Pin::new(&mut self.io).poll_write_vectored(cx, bufs);
        if matches!(polled, Poll::Ready(Ok(n)) if n > 0) {
            self.touch();
        }
        polled
    }

    fn is_write_vectored(&self) -> bool {
        self.io.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.io).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.io).poll_shutdown(cx)
    }
}

/// Serves `router` on `listener` until `stop` turns true; then lets open connections finish
/// their responses (server-sent event streams end as their jobs are cancelled) and returns when
/// none is left.
pub async fn serve(listener: TcpListener, router: Router, mut stop: watch::Receiver<bool>) {
    let table = Arc::new(Table {
        started: Instant::now(),
        open: Mutex::new(HashMap::new()),
        next: AtomicU64::new(0),
    });
    loop {
        tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => {
                    let local = match stream.local_addr() {
                        Ok(local) => local,
                        Err(_) => continue,
                    };
                    tokio::spawn(connection(
                        stream,
                        Arrival { local },
                        router.clone(),
                        table.clone(),
                        stop.clone(),
                    ));
                }
                // Out of file handles, or the client gave up: wait a moment rather than spin.
                Err(_) => tokio::time::sleep(Duration::from_millis(50)).await,
            },
            _ = stop.changed() => break,
        }
    }
    drop(listener);
    while table.count() > 0 {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// One connection, until it ends, times out, is closed to make room, or the server stops.
async fn connection(
    stream: TcpStream,
    arrival: Arrival,
    router: Router,
    table: Arc<Table>,
    mut stop: watch::Receiver<bool>,
) {
    let _ = stream.set_nodelay(true);
    let (id, activity) = table.admit();
    let io = TokioIo::new(Watched {
        io: stream,
        activity: activity.clone(),
        table: table.clone(),
    });
    let counted = activity.clone();
    let service = hyper::service::service_fn(move |mut request: hyper::Request<Incoming>| {
        counted.requests.fetch_add(1, Ordering::Relaxed);
        request.extensions_mut().insert(arrival);
        let mut router = router.clone();
        async move { router.call(request).await }
    });
    let conn = hyper::server::conn::http1::Builder::new()
        .timer(TokioTimer::new())
        .header_read_timeout(HEADER_TIMEOUT)
        .serve_connection(io, service);
    tokio::pin!(conn);
    let mut idle = tokio::time::interval(IDLE_CHECK);
    let mut stopping = *stop.borrow();
    if stopping {
        conn.as_mut().graceful_shutdown();
    }
    loop {
        tokio::select! {
            _ = conn.as_mut() => break,
            _ = activity.close.notified() => break,
            _ = idle.tick() => {
                let quiet = table.now().saturating_sub(activity.last.load(Ordering::Relaxed));
                if quiet > IDLE_TIMEOUT.as_millis() as u64 {
                    break;
                }
            }
            _ = stop.changed(), if !stopping => {
                stopping = true;
                conn.as_mut().graceful_shutdown();
            }
        }
    }
    table.leave(id);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table() -> Table {
        Table {
            started: Instant::now(),
            open: Mutex::new(HashMap::new()),
            next: AtomicU64::new(0),
        }
    }

    #[test]
    fn at_the_bound_a_new_connection_closes_the_oldest_that_sent_nothing() {
        let t = table();
        let admitted: Vec<_> = (0..MAX_CONNECTIONS).map(|_| t.admit()).collect();
        // The first two have sent a request; the third is the oldest that has not.
        admitted[0].1.requests.store(1, Ordering::Relaxed);
        admitted[1].1.requests.store(1, Ordering::Relaxed);
        let (_, _) = t.admit();
        assert_eq!(t.count(), MAX_CONNECTIONS);
        let open = t.open.lock().unwrap();
        assert!(open.contains_key(&admitted[0].0) && open.contains_key(&admitted[1].0));
        assert!(
            !open.contains_key(&admitted[2].0),
            "the oldest silent one made room"
        );
    }

    #[test]
    fn when_every_connection_has_asked_the_idlest_makes_room() {
        let t = table();
        let admitted: Vec<_> = (0..MAX_CONNECTIONS).map(|_| t.admit()).collect();
        for (i, (_, a)) in admitted.iter().enumerate() {
            a.requests.store(1, Ordering::Relaxed);
            a.last.store(1_000 + i as u64, Ordering::Relaxed);
        }
        admitted[7].1.last.store(5, Ordering::Relaxed);
        t.admit();
        let open = t.open.lock().unwrap();
        assert_eq!(open.len(), MAX_CONNECTIONS);
        assert!(!open.contains_key(&admitted[7].0));
    }
}
