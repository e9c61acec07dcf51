//! The Runtime API connection's writer: while the runtime's `/next` is
//! parked on a connection, bytes written to it are held back and go out
//! with the event, in one system call.
//!
//! Why: a runtime that pipelines (Portico's Node bootstrap sends its
//! completion and the following `/next` in one write) would otherwise get
//! the completion's `202` on its own, and wake up just to read it; and the
//! server would pay a write and a cross-process wake-up for it before the
//! invoker's answer could go out. Nothing is lost for runtimes that do not
//! pipeline: their `/next` arrives only after they read the `202`, so no
//! `/next` is parked when it is written and it goes out at once. The flag
//! is per connection, so a runtime using several connections is unaffected.

use std::io::{self, IoSlice};
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{Context, Poll, ready};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

/// More than this is written at once even while parked.
const MAX_HELD: usize = 64 * 1024;

/// Wraps one Runtime API connection; `parked` is set by the `/next`
/// handler of that same connection while it waits for an event.
pub(crate) struct Coalescing<T> {
    inner: T,
    parked: Arc<AtomicBool>,
    held: Vec<u8>,
}

impl<T> Coalescing<T> {
    pub(crate) fn new(inner: T, parked: Arc<AtomicBool>) -> Self {
        Coalescing {
            inner,
            parked,
            held: Vec::new(),
        }
    }
}

impl<T: AsyncWrite + Unpin> Coalescing<T> {
    fn drain(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        while !self.held.is_empty() {
            let n = ready!(Pin::new(&mut self.inner).poll_write(cx, &self.held))?;
            if n == 0 {
                return Poll::Ready(Err(io::ErrorKind::WriteZero.into()));
            }
            self.held.drain(..n);
        }
        Poll::Ready(Ok(()))
    }
}

impl<T: AsyncRead + Unpin> AsyncRead for Coalescing<T> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_read(cx, buf)
    }
}

impl<T: AsyncWrite + Unpin> AsyncWrite for Coalescing<T> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        self.poll_write_vectored(cx, &[IoSlice::new(buf)])
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let this = &mut *self;
        let total: usize = bufs.iter().map(|b| b.len()).sum();
        if this.parked.load(Ordering::Acquire) && this.held.len() + total <= MAX_HELD {
            for b in bufs {
                this.held.extend_from_slice(b);
            }
            return Poll::Ready(Ok(total));
        }
        // What was held goes first, in the same system call as `bufs`.
        while !this.held.is_empty() {
            let mut iov = Vec::with_capacity(bufs.len() + 1);
            iov.push(IoSlice::new(&this.held));
            iov.extend(bufs.iter().map(|b| IoSlice::new(b)));
            let n = ready!(Pin::new(&mut this.inner).poll_write_vectored(cx, &iov))?;
            if n == 0 {
                return Poll::Ready(Err(io::ErrorKind::WriteZero.into()));
            }
            if n <= this.held.len() {
                this.held.drain(..n);
                continue;
            }
            let from_bufs = n - this.held.len();
            this.held.clear();
            return Poll::Ready(Ok(from_bufs));
        }
        Pin::new(&mut this.inner).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        true
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        if !self.parked.load(Ordering::Acquire) {
            ready!(self.drain(cx))?;
        }
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        ready!(self.drain(cx))?;
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    #[tokio::test]
    async fn holds_while_parked_and_sends_everything_in_order_after() {
        let (a, mut b) = tokio::io::duplex(1024);
        let parked = Arc::new(AtomicBool::new(false));
        let mut w = Coalescing::new(a, parked.clone());
        w.write_all(b"one ").await.unwrap();
        w.flush().await.unwrap();
        let mut buf = [0u8; 16];
        let n = b.read(&mut buf).await.unwrap();
        assert_eq!(&buf[..n], b"one ", "not parked: written at once");

        parked.store(true, Ordering::Release);
        w.write_all(b"two ").await.unwrap();
        w.flush().await.unwrap();
        let nothing = tokio::time::timeout(std::time::Duration::from_millis(50), b.read(&mut buf));
        assert!(nothing.await.is_err(), "parked: held back");

        parked.store(false, Ordering::Release);
        w.write_all(b"three").await.unwrap();
        w.flush().await.unwrap();
        let mut got = Vec::new();
        while got.len() < 9 {
            let n = b.read(&mut buf).await.unwrap();
            got.extend_from_slice(&buf[..n]);
        }
        assert_eq!(got, b"two three");
    }

    #[tokio::test]
    async fn shutdown_sends_what_is_held() {
        let (a, mut b) = tokio::io::duplex(1024);
        let parked = Arc::new(AtomicBool::new(true));
        let mut w = Coalescing::new(a, parked);
        w.write_all(b"held").await.unwrap();
        w.shutdown().await.unwrap();
        let mut got = Vec::new();
        b.read_to_end(&mut got).await.unwrap();
        assert_eq!(got, b"held");
    }
}
