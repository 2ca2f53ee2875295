//! Targeted emit across the nodes of a cluster (testee contract TGT): `private` names a socket id
//! that lives on another node.

use socketio_codec::socket_io::Value;

use crate::case::{Case, Verdict, case_fn_on};
use crate::cases::cluster::{
    clients_on, close_all, count_received, require_cluster, show_counts, token,
};
use crate::client::{Transport, event_args, show};
use crate::ctx::Ctx;

pub(crate) const CASES: &[Case] = &[
    Case {
        id: "TESTEE1-TGT-001/cluster-private-to-other-node-websocket",
        title: "`private` from node A to a socket of node B reaches that socket only, with the sender's id (WebSocket)",
        requirements: &["TESTEE1-TGT-001"],
        features: &["targeted"],
        run: case_fn_on!(private_across_nodes, Transport::WebSocket),
    },
    Case {
        id: "TESTEE1-TGT-001/cluster-private-to-other-node-polling",
        title: "`private` from node A to a socket of node B reaches that socket only, with the sender's id (polling)",
        requirements: &["TESTEE1-TGT-001"],
        features: &["targeted"],
        run: case_fn_on!(private_across_nodes, Transport::Polling),
    },
];

async fn private_across_nodes(ctx: Ctx, transport: Transport) -> Verdict {
    if let Err(v) = require_cluster(&ctx) {
        return v;
    }
    let token = token("private");
    // Clients 0, 1 on node A; 2, 3 on node B. Client 0 targets client 2.
    let mut conns = match clients_on(&ctx, transport, &[2, 2], "/").await {
        Ok(c) => c,
        Err(e) => return Verdict::error(e),
    };
    let sender = Value::String(conns[0].1.clone());
    let target = Value::String(conns[2].1.clone());
    let expected = format!(
        "client 2 (node B, {}) receives `private-back` with {} exactly once; clients 0, 1 \
         (node A) and 3 (node B) nothing",
        conns[2].1,
        show(&[sender.clone(), token.clone()])
    );
    if let Err(e) = conns[0]
        .0
        .emit("/", &event_args("private", &[target, token.clone()]), None)
    {
        return Verdict::error(e);
    }
    // Only a `private-back` carrying the sender's id and the token counts.
    let want = [false, false, true, false];
    let args = [sender, token];
    let counts = count_received(&ctx, &mut conns, "/", "private-back", &args, &want).await;
    close_all(&conns);
    Verdict::check(
        counts == [0, 0, 1, 0],
        expected,
        format!("received counts: {}", show_counts(&conns, &counts)),
    )
}
