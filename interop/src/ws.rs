//! Runs one WebSocket (client or server side): frames to send arrive on a channel, received
//! messages go to a callback, and the function returns when the socket is gone.

use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use socketio_codec::engine_io::FrameKind;
use socketio_codec::engine_io::session::Frame;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::sync::mpsc::UnboundedReceiver;
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::Message;

/// How long to wait for the peer's close reply after sending a close frame.
const CLOSE_GRACE: Duration = Duration::from_secs(2);

/// What a driver asks a WebSocket task to do.
#[derive(Debug)]
pub(crate) enum WsOut {
    /// Send this message.
    Frame(Frame),
    /// Send a close frame and end once the peer answers (or after a grace period).
    Close,
}

/// A message received on a WebSocket.
#[derive(Debug, Clone)]
pub(crate) enum WsIn {
    Text(String),
    Binary(Vec<u8>),
}

fn to_message(frame: Frame) -> Message {
    match frame.kind {
        FrameKind::Text => match String::from_utf8(frame.data) {
            Ok(text) => Message::text(text),
            // The codec only builds text frames from strings; pass the bytes on regardless.
            Err(e) => Message::binary(e.into_bytes()),
        },
        FrameKind::Binary => Message::binary(frame.data),
    }
}

/// Pumps `ws` until it is closed: every [`WsOut`] from `out` is performed, every text or binary
/// message is handed to `on_message`. Returns why the socket ended. The channel closing counts
/// as [`WsOut::Close`].
pub(crate) async fn pump<S>(
    ws: WebSocketStream<S>,
    mut out: UnboundedReceiver<WsOut>,
    mut on_message: impl FnMut(WsIn),
) -> String
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    let (mut sink, mut stream) = ws.split();
    let mut closing: Option<tokio::time::Instant> = None;
    loop {
        let grace = async {
            match closing {
                Some(at) => tokio::time::sleep_until(at).await,
                None => std::future::pending().await,
            }
        };
        tokio::select! {
            cmd = out.recv(), if closing.is_none() => match cmd {
                Some(WsOut::Frame(frame)) => {
                    if let Err(e) = sink.send(to_message(frame)).await {
                        return format!("send failed: {e}");
                    }
                }
                Some(WsOut::Close) | None => {
                    let _ = sink.send(Message::Close(None)).await;
                    closing = Some(tokio::time::Instant::now() + CLOSE_GRACE);
                }
            },
            msg = stream.next() => match msg {
                Some(Ok(Message::Text(text))) => on_message(WsIn::Text(text.as_str().to_owned())),
                Some(Ok(Message::Binary(data))) => on_message(WsIn::Binary(data.to_vec())),
                Some(Ok(Message::Close(frame))) => {
                    // tungstenite queues the close reply; flush it before ending.
                    let _ = sink.flush().await;
                    return match (closing, frame) {
                        (Some(_), _) => "closed by us".to_owned(),
                        (None, Some(f)) => format!("closed by peer ({} {:?})", f.code, f.reason.as_str()),
                        (None, None) => "closed by peer".to_owned(),
                    };
                }
                Some(Ok(_)) => {}
                Some(Err(e)) => return format!("error: {e}"),
                None => return "connection ended".to_owned(),
            },
            () = grace => return "closed by us (no close reply)".to_owned(),
        }
    }
}
