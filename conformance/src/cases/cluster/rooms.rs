//! Rooms across the nodes of a cluster (testee contract ROOM): membership lives on the node of
//! the socket, and a room emit from another node still reaches it through the adapter.

use socketio_codec::socket_io::Value;

use crate::case::{Case, Verdict, case_fn_on};
use crate::cases::cluster::{
    clients_on, close_all, count_received, letter, require_cluster, show_counts, token,
};
use crate::client::{Transport, event_args};
use crate::ctx::Ctx;

pub(crate) const CASES: &[Case] = &[
    Case {
        id: "TESTEE1-ROOM-002/cluster-room-across-nodes-websocket",
        title: "`to-room` from node A reaches the room's members on nodes A and B, and nobody else (WebSocket)",
        requirements: &["TESTEE1-ROOM-002", "TESTEE1-ROOM-001"],
        features: &["rooms"],
        run: case_fn_on!(room_across_nodes, Transport::WebSocket),
    },
    Case {
        id: "TESTEE1-ROOM-002/cluster-room-across-nodes-polling",
        title: "`to-room` from node A reaches the room's members on nodes A and B, and nobody else (polling)",
        requirements: &["TESTEE1-ROOM-002", "TESTEE1-ROOM-001"],
        features: &["rooms"],
        run: case_fn_on!(room_across_nodes, Transport::Polling),
    },
];

async fn room_across_nodes(ctx: Ctx, transport: Transport) -> Verdict {
    if let Err(v) = require_cluster(&ctx) {
        return v;
    }
    let token = token("room");
    let room = Value::String(format!("room-{}", token.as_str().unwrap_or_default()));
    let expected = "client 1 (node A) and client 2 (node B), who joined the room, receive \
                    `room-back` exactly once; the sender (client 0, node A, not a member) and \
                    client 3 (node B, not a member) nothing";
    // Clients 0, 1 on node A; 2, 3 on node B. Members: 1 and 2.
    let mut conns = match clients_on(&ctx, transport, &[2, 2], "/").await {
        Ok(c) => c,
        Err(e) => return Verdict::error(e),
    };
    for member in [1, 2] {
        let (conn, _, node) = &mut conns[member];
        let ack_id = 20 + u64::try_from(member).unwrap_or(0);
        if let Err(e) = conn.emit(
            "/",
            &event_args("join", std::slice::from_ref(&room)),
            Some(ack_id),
        ) {
            return Verdict::error(e);
        }
        let node = letter(*node);
        match conn.expect_ack("/", ack_id, ctx.quick()).await {
            Ok(args) if args.first() == Some(&room) => {}
            Ok(args) => {
                close_all(&conns);
                return Verdict::fail(
                    expected,
                    format!("client {member} (node {node}): `join` acked with {args:?}"),
                );
            }
            Err(seen) => {
                close_all(&conns);
                return Verdict::fail(
                    expected,
                    format!("client {member} (node {node}): `join` not acked: {seen}"),
                );
            }
        }
    }
    if let Err(e) = conns[0].0.emit(
        "/",
        &event_args("to-room", &[room.clone(), token.clone()]),
        None,
    ) {
        return Verdict::error(e);
    }
    let want = [false, true, true, false];
    let counts = count_received(
        &ctx,
        &mut conns,
        "/",
        "room-back",
        std::slice::from_ref(&token),
        &want,
    )
    .await;
    close_all(&conns);
    Verdict::check(
        counts == [0, 1, 1, 0],
        expected,
        format!("received counts: {}", show_counts(&conns, &counts)),
    )
}
