//! [`Door`]: a TCP door in front of the simulator that can refuse every connection, as a host
//! of Twitch out of reach does (connection refused: the client knows its request was never
//! sent). This is network fault injection, not a Twitch behaviour: a test points one of the
//! client's endpoints (its OAuth host, `id.twitch.tv` in production) at the door and the others
//! at the simulator itself, then closes and opens the door.

use std::net::SocketAddr;
use std::time::Duration;

use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;

/// A door to a simulator. Dropping it closes it for good.
pub struct Door {
    /// Where it listens (the same port again after a refusal).
    addr: SocketAddr,
    /// True while it lets connections through.
    open: watch::Sender<bool>,
}

impl Door {
    /// A door on a free port of 127.0.0.1 to `target` (a simulator's address), open.
    pub async fn to(target: SocketAddr) -> std::io::Result<Door> {
        let listener = TcpListener::bind((std::net::Ipv4Addr::LOCALHOST, 0)).await?;
        let addr = listener.local_addr()?;
        let (open, rx) = watch::channel(true);
        tokio::spawn(run(listener, addr, target, rx));
        Ok(Door { addr, open })
    }

    /// `http://127.0.0.1:PORT` of the door, no trailing slash.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Refuses every connection from now on and cuts the ones through it, until
    /// [`admit`](Self::admit); answers once a connection is refused.
    pub async fn refuse(&self) {
        self.open.send_replace(false);
        for _ in 0..1000 {
            if TcpStream::connect(self.addr).await.is_err() {
                return;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        tracing::warn!(addr = %self.addr, "the door still lets connections in");
    }

    /// Lets connections through again; answers once one gets in.
    pub async fn admit(&self) {
        self.open.send_replace(true);
        for _ in 0..1000 {
            if TcpStream::connect(self.addr).await.is_ok() {
                return;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        tracing::warn!(addr = %self.addr, "the door does not open");
    }
}

/// Accepts and forwards while open; closed, it holds no listening socket, so the system
/// refuses connections to its port.
async fn run(
    listener: TcpListener,
    addr: SocketAddr,
    target: SocketAddr,
    mut open: watch::Receiver<bool>,
) {
    let mut listener = Some(listener);
    let mut conns = tokio::task::JoinSet::new();
    loop {
        match &listener {
            Some(l) => tokio::select! {
                a = l.accept() => if let Ok((mut inbound, _)) = a {
                    conns.spawn(async move {
                        if let Ok(mut out) = TcpStream::connect(target).await {
                            let _ = tokio::io::copy_bidirectional(&mut inbound, &mut out).await;
                        }
                    });
                },
                c = open.changed() => {
                    if c.is_err() {
                        return;
                    }
                    if !*open.borrow_and_update() {
                        listener = None;
                        conns.abort_all();
                    }
                }
            },
            None => {
                if open.changed().await.is_err() {
                    return;
                }
                if *open.borrow_and_update() {
                    // The same port again (tokio sets SO_REUSEADDR).
                    match TcpListener::bind(addr).await {
                        Ok(l) => listener = Some(l),
                        Err(e) => tracing::warn!(%addr, error = %e, "the door cannot open again"),
                    }
                }
            }
        }
    }
}
