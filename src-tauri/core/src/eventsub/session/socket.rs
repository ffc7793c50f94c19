//! The connection loop of one socket: connect, forward text frames, close with 1000 when told
//! (docs/twitch.md §1.1).

use super::LossReason;
use futures_util::StreamExt;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{mpsc, oneshot};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use url::Url;

/// Messages from socket reader tasks.
#[derive(Debug)]
pub(super) enum ConnMsg {
    /// The handshake succeeded.
    Open,
    /// A text frame, copied once out of the socket's read buffer (a frame kept as the
    /// socket's own bytes would keep that whole buffer) and shared from here on.
    Text(Arc<str>),
    /// The socket is gone.
    Closed(LossReason),
    /// A socket told to close has finished: `clean` when Twitch's close frame came back,
    /// so every frame it sent before that was read (TCP keeps their order).
    Drained {
        /// Twitch's close frame arrived.
        clean: bool,
    },
}

/// How long a closing socket may stay silent before its closing handshake is given up.
const DRAIN_IDLE: Duration = Duration::from_secs(2);

/// One socket: connect, forward text frames, close with 1000 when told. Pongs are sent by
/// tungstenite while reading; nothing else is ever sent (docs/twitch.md §1.1).
pub(super) async fn run_socket(
    id: u64,
    url: Url,
    tx: mpsc::Sender<(u64, ConnMsg)>,
    mut close_rx: oneshot::Receiver<()>,
    connect_timeout: Duration,
) {
    // A message or frame over the cap is an error while reading: the socket ends as lost.
    let limits = tokio_tungstenite::tungstenite::protocol::WebSocketConfig::default()
        .max_message_size(Some(super::MAX_MESSAGE_BYTES))
        .max_frame_size(Some(super::MAX_MESSAGE_BYTES));
    let connect = tokio::time::timeout(
        connect_timeout,
        tokio_tungstenite::connect_async_with_config(url.as_str(), Some(limits), false),
    );
    let mut ws = tokio::select! {
        _ = &mut close_rx => return,
        r = connect => match r {
            Ok(Ok((ws, _))) => ws,
            Ok(Err(e)) => {
                let _ = tx.send((id, ConnMsg::Closed(LossReason::ConnectFailed(e.to_string())))).await;
                return;
            }
            Err(_) => {
                let _ = tx
                    .send((id, ConnMsg::Closed(LossReason::ConnectFailed("timed out".into()))))
                    .await;
                return;
            }
        }
    };
    if tx.send((id, ConnMsg::Open)).await.is_err() {
        return;
    }
    let reason = loop {
        tokio::select! {
            biased;
            r = &mut close_rx => {
                if r.is_ok() {
                    let frame = CloseFrame { code: CloseCode::Normal, reason: "".into() };
                    let _ = tokio::time::timeout(DRAIN_IDLE, ws.close(Some(frame))).await;
                    // Read until Twitch's close frame so the close completes. Frames already
                    // on the wire were sent before the successor's welcome (docs/twitch.md §1.3
                    // step 3): pass every one on. Only silence from the server ends this
                    // early, never a consumer that is slow to take them. No close frame means
                    // frames may have been cut off: the owner is told.
                    let mut clean = false;
                    while let Ok(Some(Ok(m))) = tokio::time::timeout(DRAIN_IDLE, ws.next()).await {
                        let sent = match m {
                            Message::Text(t) => tx.send((id, ConnMsg::Text(Arc::from(t.as_str())))).await.is_ok(),
                            Message::Close(_) => {
                                clean = true;
                                true
                            }
                            _ => true,
                        };
                        if !sent {
                            return;
                        }
                    }
                    let _ = tx.send((id, ConnMsg::Drained { clean })).await;
                }
                return;
            }
            m = ws.next() => match m {
                Some(Ok(Message::Text(t))) => {
                    super::arrivals::note(t.as_str());
                    if tx.send((id, ConnMsg::Text(Arc::from(t.as_str())))).await.is_err() {
                        return;
                    }
                }
                Some(Ok(Message::Close(frame))) => {
                    break match frame {
                        Some(f) => LossReason::Closed { code: u16::from(f.code), reason: f.reason.as_str().to_owned() },
                        None => LossReason::Dropped("closed without a code".into()),
                    };
                }
                // Pings are answered by tungstenite itself; binary frames are not EventSub.
                Some(Ok(_)) => {}
                Some(Err(e)) => break LossReason::Dropped(e.to_string()),
                None => break LossReason::Dropped("connection ended".into()),
            }
        }
    };
    let _ = tx.send((id, ConnMsg::Closed(reason))).await;
}
