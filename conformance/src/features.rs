//! Which testee-contract features the server implements (TESTEE1-CORE-005 to 007).

use std::time::Duration;

use socketio_codec::socket_io::Value;

use crate::client::{SioConn, Transport};
use crate::ctx::Ctx;

/// Every feature name of the contract.
pub(crate) const ALL: &[&str] = &[
    "core",
    "server-ack",
    "broadcast",
    "rooms",
    "targeted",
    "lifecycle",
    "server-disconnect",
    "connect-error",
    "request-refusal",
];

/// Asks the testee with the `features` event; a testee that does not answer implements `core`
/// only (TESTEE1-CORE-007). Returns the list and a note saying how it was found.
pub(crate) async fn discover(ctx: &Ctx) -> (Vec<String>, String) {
    if !ctx.params.eio4 {
        // A v3-only server (socket.io 2): ask over Socket.IO revision 4.
        return crate::client::v3::discover_features(ctx).await;
    }
    let transport = if ctx.params.websocket {
        Transport::WebSocket
    } else {
        Transport::Polling
    };
    // A lost answer would silently turn every non-core case UNSUPPORTED, so ask up to three
    // times, each on a fresh connection; a testee that never answers implements `core` only.
    let mut last = String::new();
    for attempt in 1..=3 {
        match tokio::time::timeout(ctx.quick() + Duration::from_secs(1), ask(ctx, transport)).await
        {
            Ok(Ok(names)) => {
                let how = if attempt == 1 {
                    "as the testee's `features` answer says".to_owned()
                } else {
                    format!("as the testee's `features` answer says, at attempt {attempt}")
                };
                return (names, how);
            }
            Ok(Err(e)) => last = e,
            Err(_) => last = "no answer to `features`".to_owned(),
        }
    }
    core_only(&format!("{last} (asked 3 times)"))
}

/// Asks once, on a fresh connection.
async fn ask(ctx: &Ctx, transport: Transport) -> Result<Vec<String>, String> {
    let (mut conn, _) = SioConn::open_joined(ctx, transport, "/", None).await?;
    conn.emit(
        "/",
        &Value::Array(vec![Value::String("features".into())]),
        Some(1),
    )?;
    let args = conn.expect_ack("/", 1, ctx.quick()).await?;
    conn.close();
    match args.first() {
        Some(Value::Array(names)) => Ok(names
            .iter()
            .filter_map(|n| n.as_str().map(str::to_owned))
            .collect::<Vec<_>>()),
        other => Err(format!("`features` answered {other:?}")),
    }
}

/// What a testee that does not answer `features` is taken to implement (TESTEE1-CORE-007).
fn core_only(why: &str) -> (Vec<String>, String) {
    (vec!["core".to_owned()], format!("core only: {why}"))
}

#[cfg(test)]
mod tests {
    // spec: TESTEE1-CORE-007
    #[test]
    fn a_testee_that_does_not_answer_implements_core_only() {
        let (features, note) = super::core_only("no answer to `features`");
        assert_eq!(features, ["core"]);
        assert!(note.contains("no answer"));
    }
}
