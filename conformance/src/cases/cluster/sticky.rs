//! Sessions live on one node: a polling request carrying node A's sid, sent to node B, is refused
//! as an unknown session (EIO4-ERR-003). This is why a multi-node deployment needs sticky
//! sessions for polling (interop pitfall "multi-node without sticky sessions", protocol-facts
//! D.3 #3); a WebSocket-only client avoids it. Reported as INFORMATIONAL: the outcome describes
//! the deployment, not a conformance failure of either node.

use socketio_codec::engine_io::ErrorBody;

use crate::case::{Case, Grade, Verdict, case_fn};
use crate::cases::cluster::{on_node, require_cluster};
use crate::client::EnginePolling;
use crate::ctx::Ctx;

pub(crate) const CASES: &[Case] = &[Case {
    id: "EIO4-ERR-003/cluster-sid-on-other-node",
    title: "a polling GET with node A's sid sent to node B fails with code 1 (sticky sessions are required)",
    requirements: &["EIO4-ERR-003", "EIO4-ERR-001"],
    features: &[],
    run: case_fn!(sid_on_other_node),
}];

async fn sid_on_other_node(ctx: Ctx) -> Verdict {
    if let Err(v) = require_cluster(&ctx) {
        return v;
    }
    let expected = "node B answers HTTP 400 {\"code\":1,\"message\":\"Session ID unknown\"}: \
                    Engine.IO sessions live on the node that created them, so polling clients \
                    need sticky sessions (a load balancer that sends every request of a session \
                    to the same node; protocol-facts D.3 #3); WebSocket-only clients avoid it";
    let node_a = on_node(&ctx, 0);
    let node_b = on_node(&ctx, 1);
    let session = match EnginePolling::open(&node_a).await {
        Ok(s) => s,
        Err(e) => return Verdict::error(format!("node A: {e}")),
    };
    ctx.transcript.note(format!(
        "session {} opened on node A ({}); the next GET goes to node B ({})",
        session.sid().as_str(),
        node_a.connector.target(),
        node_b.connector.target()
    ));
    let on_b = node_b.polling().get(&session.query(), ctx.quick()).await;
    // End the session on node A (a close packet), whatever node B said.
    let _ = session.post_raw("1").await;
    let response = match on_b {
        Ok(r) => r,
        Err(e) => {
            return Verdict::new(
                Grade::Informational,
                expected,
                format!("node B did not answer the GET: {e}"),
            );
        }
    };
    let body = String::from_utf8_lossy(&response.body).into_owned();
    let seen = match (response.status, ErrorBody::decode(&body)) {
        (400, Ok(b)) if b.code == 1 => format!(
            "node B answered HTTP 400 with code 1 ({:?}): the session is unknown there, as \
             expected without sticky sessions",
            b.message
        ),
        (200, _) => format!(
            "node B answered HTTP 200 ({body:?}): it knows node A's session, so both URLs reach \
             the same server or a sticky proxy (the cluster check says nothing here)"
        ),
        (status, _) => format!(
            "node B answered HTTP {status} with {body:?}, not code 1 (see EIO4-ERR-003 for what \
             a node must answer for a sid it does not know)"
        ),
    };
    Verdict::new(Grade::Informational, expected, seen)
}
