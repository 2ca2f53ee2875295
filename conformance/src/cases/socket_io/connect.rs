//! Namespace connection (spec/socket-io-v5.md, NS; testee contract CORE and CERR).

use serde_json::json;

use crate::case::{Case, Verdict, case_fn_on};
use crate::client::{SioConn, Transport};
use crate::ctx::Ctx;

pub(crate) const CASES: &[Case] = &[
    Case {
        id: "SIO5-NS-002/main-with-auth-websocket",
        title: "CONNECT on / with auth over WebSocket: reply with a sid, then `auth` echoes the auth",
        requirements: &["SIO5-NS-001", "SIO5-NS-002", "TESTEE1-CORE-001"],
        features: &["core"],
        run: case_fn_on!(main_with_auth, Transport::WebSocket),
    },
    Case {
        id: "SIO5-NS-002/main-with-auth-polling",
        title: "CONNECT on / with auth over polling: reply with a sid, then `auth` echoes the auth",
        requirements: &["SIO5-NS-001", "SIO5-NS-002", "TESTEE1-CORE-001"],
        features: &["core"],
        run: case_fn_on!(main_with_auth, Transport::Polling),
    },
    Case {
        id: "SIO5-NS-002/custom-with-auth-websocket",
        title: "CONNECT on /custom with auth over WebSocket",
        requirements: &["SIO5-NS-001", "SIO5-NS-002", "TESTEE1-CORE-001"],
        features: &["core"],
        run: case_fn_on!(custom_with_auth, Transport::WebSocket),
    },
    Case {
        id: "SIO5-NS-002/custom-with-auth-polling",
        title: "CONNECT on /custom with auth over polling",
        requirements: &["SIO5-NS-001", "SIO5-NS-002", "TESTEE1-CORE-001"],
        features: &["core"],
        run: case_fn_on!(custom_with_auth, Transport::Polling),
    },
];

async fn with_auth(ctx: Ctx, transport: Transport, nsp: &str) -> Verdict {
    let auth = json!({"token": "t-123", "n": 1, "nested": {"ok": true}});
    let expected = format!("CONNECT reply on {nsp} with a string sid, then `auth` with {auth}");
    let mut conn = match SioConn::open(&ctx, transport).await {
        Ok(c) => c,
        Err(e) => return Verdict::error(e),
    };
    let sid = match conn.connect(nsp, Some(auth.clone())).await {
        Ok(sid) => sid,
        Err(seen) => return Verdict::fail(expected, seen),
    };
    let verdict = match conn.expect_event(nsp, "auth", ctx.quick()).await {
        Ok((args, _)) => {
            let echoed = args.first().cloned().map(serde_json::Value::try_from);
            let ok = matches!(&echoed, Some(Ok(v)) if *v == auth) && args.len() == 1;
            Verdict::check(ok, expected, format!("sid {sid:?}, auth args {args:?}"))
        }
        Err(seen) => Verdict::fail(expected, seen),
    };
    conn.close();
    verdict
}

async fn main_with_auth(ctx: Ctx, transport: Transport) -> Verdict {
    with_auth(ctx, transport, "/").await
}

async fn custom_with_auth(ctx: Ctx, transport: Transport) -> Verdict {
    with_auth(ctx, transport, "/custom").await
}
