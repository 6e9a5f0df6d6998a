//! Accepting TLS connections: each handshake runs in a task of its own, bounded in time and in
//! number, so a silent or slow client holds up no one; a client that speaks plain text to a
//! TLS port is told so (an HTTP client gets a 400 that says so, as Go's net/http answers
//! "Client sent an HTTP request to an HTTPS server").

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use rustls::ServerConfig;
use tokio::io::AsyncWriteExt;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Semaphore, mpsc};
use tokio_rustls::TlsAcceptor;
use tokio_rustls::server::TlsStream;

/// How long a client has to finish its handshake.
pub const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(5);
/// Handshakes under way at once; connections over it are closed at once.
const MAX_HANDSHAKES: usize = 256;
/// The first byte of every TLS connection: a handshake record (RFC 8446 §5.1).
const TLS_HANDSHAKE_RECORD: u8 = 0x16;

/// The header that marks raftctl's "this port speaks TLS" answer for its own client.
pub const TLS_REQUIRED_HEADER: &str = "x-raftctl-error";
pub const TLS_REQUIRED: &str = "tls_required";

const PLAIN_TEXT_ANSWER: &str = "this port speaks TLS: use https:// (raftctl: --cacert, and \
     --cert/--key if the member asks for a client certificate)\n";

/// Why a handshake failed, in words for the log.
#[derive(Debug)]
pub enum Refusal {
    /// The client sent plain text (HTTP, or a member without TLS).
    PlainText,
    Handshake(std::io::Error),
    TimedOut,
}

impl std::fmt::Display for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Refusal::PlainText => f.write_str("it speaks plain text, not TLS"),
            Refusal::TimedOut => write!(
                f,
                "it did not finish a TLS handshake within {HANDSHAKE_TIMEOUT:?}"
            ),
            Refusal::Handshake(e) => f.write_str(&handshake_words(e)),
        }
    }
}

/// A rustls handshake error as a person reads it.
pub fn handshake_words(e: &std::io::Error) -> String {
    match super::rustls_error(e) {
        Some(rustls::Error::NoCertificatesPresented) => {
            "it presented no certificate (one signed by the CA is required)".into()
        }
        Some(rustls::Error::InvalidCertificate(c)) => match c {
            rustls::CertificateError::UnknownIssuer => {
                "its certificate is not signed by the trusted CA".into()
            }
            rustls::CertificateError::BadSignature => {
                "its certificate is not signed by the trusted CA (its signature does not verify)"
                    .into()
            }
            rustls::CertificateError::Expired => "its certificate has expired".into(),
            rustls::CertificateError::NotValidForName => {
                "its certificate is not valid for the address dialled".into()
            }
            other => format!("its certificate is refused: {other:?}"),
        },
        Some(rustls::Error::AlertReceived(a)) => {
            format!("the other side refused the handshake ({a:?}: does it trust our CA?)")
        }
        Some(rustls::Error::InvalidMessage(_)) => "it does not speak TLS".into(),
        Some(other) => format!("TLS handshake failed: {other}"),
        None => format!("TLS handshake failed: {e}"),
    }
}

/// Runs the server side of one handshake. A first byte that cannot start TLS gets
/// `plain_answer` (if any) and the connection is closed.
pub async fn handshake(
    acceptor: &TlsAcceptor,
    mut stream: TcpStream,
    plain_answer: Option<&[u8]>,
) -> Result<TlsStream<TcpStream>, Refusal> {
    let run = async {
        let mut first = [0u8; 1];
        let n = stream.peek(&mut first).await.map_err(Refusal::Handshake)?;
        if n == 1 && first[0] != TLS_HANDSHAKE_RECORD {
            if let Some(answer) = plain_answer {
                let _ = stream.write_all(answer).await;
                let _ = stream.shutdown().await;
            }
            return Err(Refusal::PlainText);
        }
        acceptor.accept(stream).await.map_err(Refusal::Handshake)
    };
    tokio::time::timeout(HANDSHAKE_TIMEOUT, run)
        .await
        .unwrap_or(Err(Refusal::TimedOut))
}

/// The 400 a plain HTTP client gets from a TLS API port.
fn plain_http_answer() -> Vec<u8> {
    format!(
        "HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain; charset=utf-8\r\n\
         {TLS_REQUIRED_HEADER}: {TLS_REQUIRED}\r\nConnection: close\r\nContent-Length: {}\r\n\r\n{}",
        PLAIN_TEXT_ANSWER.len(),
        PLAIN_TEXT_ANSWER
    )
    .into_bytes()
}

/// The API port over TLS, for `axum::serve`.
pub struct TlsListener {
    rx: mpsc::Receiver<(TlsStream<TcpStream>, SocketAddr)>,
    local: SocketAddr,
}

impl TlsListener {
    pub fn new(listener: TcpListener, config: Arc<ServerConfig>) -> std::io::Result<TlsListener> {
        let local = listener.local_addr()?;
        let (tx, rx) = mpsc::channel(64);
        tokio::spawn(accept_loop(listener, TlsAcceptor::from(config), tx));
        Ok(TlsListener { rx, local })
    }
}

async fn accept_loop(
    listener: TcpListener,
    acceptor: TlsAcceptor,
    tx: mpsc::Sender<(TlsStream<TcpStream>, SocketAddr)>,
) {
    let permits = Arc::new(Semaphore::new(MAX_HANDSHAKES));
    let answer: Arc<[u8]> = plain_http_answer().into();
    loop {
        let (stream, remote) = match listener.accept().await {
            Ok(x) => x,
            Err(e) => {
                tracing::warn!("API listener: {e}");
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
        };
        if tx.is_closed() {
            return;
        }
        let Ok(permit) = permits.clone().try_acquire_owned() else {
            tracing::debug!("API connection from {remote}: too many handshakes under way");
            continue;
        };
        let _ = stream.set_nodelay(true);
        let (acceptor, tx, answer) = (acceptor.clone(), tx.clone(), answer.clone());
        tokio::spawn(async move {
            let _permit = permit;
            match handshake(&acceptor, stream, Some(&answer)).await {
                Ok(s) => {
                    let _ = tx.send((s, remote)).await;
                }
                Err(why) => tracing::debug!("API connection from {remote} closed: {why}"),
            }
        });
    }
}

impl axum::serve::Listener for TlsListener {
    type Io = TlsStream<TcpStream>;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        match self.rx.recv().await {
            Some(x) => x,
            // The accept loop ended: nothing more will come.
            None => std::future::pending().await,
        }
    }

    fn local_addr(&self) -> std::io::Result<Self::Addr> {
        Ok(self.local)
    }
}
