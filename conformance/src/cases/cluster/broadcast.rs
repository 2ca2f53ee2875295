//! Broadcasts across the nodes of a cluster (testee contract BCAST; the adapter's job).

use crate::case::{Case, Verdict, case_fn_on};
use crate::cases::cluster::{
    clients_on, close_all, count_received, require_cluster, show_counts, token,
};
use crate::client::{Transport, event_args};
use crate::ctx::Ctx;

pub(crate) const CASES: &[Case] = &[
    Case {
        id: "TESTEE1-BCAST-001/cluster-every-node-once-websocket",
        title: "`broadcast` from a client of node A reaches every client of nodes A and B exactly once (WebSocket)",
        requirements: &["TESTEE1-BCAST-001", "SIO5-EVT-001"],
        features: &["broadcast"],
        run: case_fn_on!(broadcast_all, Transport::WebSocket),
    },
    Case {
        id: "TESTEE1-BCAST-001/cluster-every-node-once-polling",
        title: "`broadcast` from a client of node A reaches every client of nodes A and B exactly once (polling)",
        requirements: &["TESTEE1-BCAST-001", "SIO5-EVT-001"],
        features: &["broadcast"],
        run: case_fn_on!(broadcast_all, Transport::Polling),
    },
    Case {
        id: "TESTEE1-BCAST-002/cluster-others-every-node-websocket",
        title: "`broadcast-others` from node A reaches every other client of nodes A and B once, not the sender",
        requirements: &["TESTEE1-BCAST-002"],
        features: &["broadcast"],
        run: case_fn_on!(broadcast_others, Transport::WebSocket),
    },
];

/// Two clients on node A (the sender first) and two on node B.
const LAYOUT: [usize; 2] = [2, 2];

async fn broadcast_all(ctx: Ctx, transport: Transport) -> Verdict {
    if let Err(v) = require_cluster(&ctx) {
        return v;
    }
    let token = token("broadcast");
    let expected = "each of the 4 clients (2 on node A, the sender included, and 2 on node B) \
                    receives `broadcast-back` exactly once";
    let mut conns = match clients_on(&ctx, transport, &LAYOUT, "/").await {
        Ok(c) => c,
        Err(e) => return Verdict::error(e),
    };
    if let Err(e) = conns[0].0.emit(
        "/",
        &event_args("broadcast", std::slice::from_ref(&token)),
        None,
    ) {
        return Verdict::error(e);
    }
    let all = vec![true; conns.len()];
    let counts = count_received(
        &ctx,
        &mut conns,
        "/",
        "broadcast-back",
        std::slice::from_ref(&token),
        &all,
    )
    .await;
    close_all(&conns);
    Verdict::check(
        counts.iter().all(|c| *c == 1),
        expected,
        format!("received counts: {}", show_counts(&conns, &counts)),
    )
}

async fn broadcast_others(ctx: Ctx, transport: Transport) -> Verdict {
    if let Err(v) = require_cluster(&ctx) {
        return v;
    }
    let token = token("others");
    let expected = "the sender (node A) receives nothing; the other client of node A and both \
                    clients of node B receive `broadcast-back` exactly once";
    let mut conns = match clients_on(&ctx, transport, &LAYOUT, "/").await {
        Ok(c) => c,
        Err(e) => return Verdict::error(e),
    };
    if let Err(e) = conns[0].0.emit(
        "/",
        &event_args("broadcast-others", std::slice::from_ref(&token)),
        None,
    ) {
        return Verdict::error(e);
    }
    let want = [false, true, true, true];
    let counts = count_received(
        &ctx,
        &mut conns,
        "/",
        "broadcast-back",
        std::slice::from_ref(&token),
        &want,
    )
    .await;
    close_all(&conns);
    let ok = counts == [0, 1, 1, 1];
    Verdict::check(
        ok,
        expected,
        format!(
            "received counts (sender first): {}",
            show_counts(&conns, &counts)
        ),
    )
}
