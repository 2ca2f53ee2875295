//! Cluster cases: the nodes of one deployment (`run URL1 URL2 …`, or the bundled
//! `node-socketio-4-redis` testee) behave as one server for broadcasts, rooms and targeted emits,
//! and a polling session lives on the node that created it (sticky sessions).
//!
//! Every case needs at least two nodes ([`Ctx::nodes`]); against a single server it is
//! UNSUPPORTED. Clients say in the transcript which node they use.

pub(crate) mod broadcast;
pub(crate) mod rooms;
pub(crate) mod sticky;
pub(crate) mod targeted;

use socketio_codec::socket_io::Value;

use crate::case::{Grade, Verdict};
use crate::client::{SioConn, Transport};
use crate::ctx::Ctx;

/// `Err(UNSUPPORTED)` unless the target is a cluster of at least two nodes.
pub(crate) fn require_cluster(ctx: &Ctx) -> Result<(), Verdict> {
    if ctx.nodes.len() >= 2 {
        return Ok(());
    }
    Err(Verdict::new(
        Grade::Unsupported,
        "a cluster target: `run URL1 URL2 …` (the nodes of one deployment) or `run --testee node-socketio-4-redis`",
        format!("a single server ({}) was given", ctx.connector.target()),
    ))
}

/// The case's context aimed at node `i` (same transcript, same server settings).
pub(crate) fn on_node(ctx: &Ctx, i: usize) -> Ctx {
    let mut node = ctx.clone();
    node.connector = ctx.nodes[i].clone();
    node
}

/// The node letter used in reports: A, B, C, …
pub(crate) fn letter(i: usize) -> char {
    char::from(b'A' + u8::try_from(i % 26).unwrap_or(0))
}

/// Opens `per_node[i]` clients joined to `nsp` on node `i`; returns them with their socket ids
/// and node indexes, in node order.
pub(crate) async fn clients_on(
    ctx: &Ctx,
    transport: Transport,
    per_node: &[usize],
    nsp: &str,
) -> Result<Vec<(SioConn, String, usize)>, String> {
    let mut all = Vec::new();
    for (node, &n) in per_node.iter().enumerate() {
        let node_ctx = on_node(ctx, node);
        for _ in 0..n {
            let (conn, sid) = SioConn::open_joined(&node_ctx, transport, nsp, None)
                .await
                .map_err(|e| {
                    format!(
                        "node {} ({}): {e}",
                        letter(node),
                        node_ctx.connector.target()
                    )
                })?;
            ctx.transcript.note(format!(
                "client {} joined {nsp} on node {} ({}) with socket id {sid}",
                all.len(),
                letter(node),
                node_ctx.connector.target()
            ));
            all.push((conn, sid, node));
        }
    }
    Ok(all)
}

/// A token unique to this case run, so concurrent cases never count each other's events.
pub(crate) fn token(case: &str) -> Value {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    Value::String(format!("cluster-{case}-{nanos}"))
}

/// How many times each client saw `name` whose arguments start with `prefix` (which holds a
/// token unique to the case): waits for the first on
/// each client that `expect_some[i]` says should get one, then a short window on the others, then
/// a short window on every client for duplicates.
pub(crate) async fn count_received(
    ctx: &Ctx,
    conns: &mut [(SioConn, String, usize)],
    nsp: &str,
    name: &str,
    prefix: &[Value],
    expect_some: &[bool],
) -> Vec<usize> {
    let matches = |i: &crate::client::SioItem| {
        i.namespace() == Some(nsp)
            && i.event()
                .is_some_and(|(n, args, _)| n == name && args.starts_with(prefix))
    };
    let mut counts = vec![0; conns.len()];
    // Across nodes the message goes through the adapter (e.g. Redis pub/sub): first wait, up to
    // a round trip, on the clients that should get it; by then it has reached every node, so the
    // others get a tolerance window.
    for pass in [true, false] {
        for (i, (conn, _, _)) in conns.iter_mut().enumerate() {
            if expect_some.get(i).copied().unwrap_or(true) != pass {
                continue;
            }
            let wait = if pass { ctx.quick() } else { ctx.tolerance() };
            if conn.expect(name, wait, matches).await.is_ok() {
                counts[i] += 1;
            }
        }
    }
    for (i, (conn, _, _)) in conns.iter_mut().enumerate() {
        while counts[i] <= 100 && conn.expect(name, ctx.tolerance(), matches).await.is_ok() {
            counts[i] += 1;
        }
    }
    counts
}

/// `client i (node X): n` for every client.
pub(crate) fn show_counts(conns: &[(SioConn, String, usize)], counts: &[usize]) -> String {
    conns
        .iter()
        .zip(counts)
        .enumerate()
        .map(|(i, ((_, _, node), n))| format!("client {i} on {}: {n}", letter(*node)))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Closes every client.
pub(crate) fn close_all(conns: &[(SioConn, String, usize)]) {
    for (conn, _, _) in conns {
        conn.close();
    }
}
