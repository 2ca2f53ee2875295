//! Error responses (spec/engine-io-v4.md, ERR).

use http::Method;
use socketio_codec::engine_io::{ErrorBody, ErrorCode};

use crate::case::{Case, Verdict, case_fn};
use crate::ctx::Ctx;

pub(crate) const CASES: &[Case] = &[
    Case {
        id: "EIO4-ERR-002/transport-unknown",
        title: "an unknown transport is refused with 400 and code 0",
        requirements: &["EIO4-ERR-001", "EIO4-ERR-002"],
        features: &[],
        run: case_fn!(transport_unknown),
    },
    Case {
        id: "EIO4-ERR-003/sid-unknown",
        title: "an unknown sid is refused with 400 and code 1",
        requirements: &["EIO4-ERR-001", "EIO4-ERR-003"],
        features: &[],
        run: case_fn!(sid_unknown),
    },
    Case {
        id: "EIO4-ERR-004/bad-handshake-method",
        title: "a POST handshake is refused with 400 and code 2",
        requirements: &["EIO4-ERR-001", "EIO4-ERR-004"],
        features: &[],
        run: case_fn!(bad_method),
    },
    Case {
        id: "EIO4-ERR-007/bad-eio",
        title: "a handshake with EIO=abc is refused with 400 and code 5",
        requirements: &["EIO4-ERR-001", "EIO4-ERR-007"],
        features: &[],
        run: case_fn!(bad_eio),
    },
];

/// Sends one request and expects the JSON error body of `code`, with its HTTP status.
async fn expect_error(ctx: &Ctx, method: Method, query: &str, code: ErrorCode) -> Verdict {
    let expected = format!(
        "HTTP {} with body {{\"code\":{},\"message\":\"{}\"}}",
        code.http_status(),
        code.as_u8(),
        code.message()
    );
    let response = match ctx
        .polling()
        .request(method, query, &[], bytes::Bytes::new(), ctx.quick())
        .await
    {
        Ok(r) => r,
        Err(e) => return Verdict::fail(expected, format!("request failed: {e}")),
    };
    let body = String::from_utf8_lossy(&response.body).into_owned();
    let parsed = ErrorBody::decode(&body);
    let ok = response.status == code.http_status()
        && parsed.as_ref().is_ok_and(|b| b.code == code.as_u8());
    Verdict::check(
        ok,
        expected,
        format!("HTTP {} with body {body:?}", response.status),
    )
}

async fn transport_unknown(ctx: Ctx) -> Verdict {
    expect_error(
        &ctx,
        Method::GET,
        "EIO=4&transport=abc",
        ErrorCode::TransportUnknown,
    )
    .await
}

async fn sid_unknown(ctx: Ctx) -> Verdict {
    expect_error(
        &ctx,
        Method::GET,
        "EIO=4&transport=polling&sid=no-such-session-id",
        ErrorCode::UnknownSid,
    )
    .await
}

async fn bad_method(ctx: Ctx) -> Verdict {
    expect_error(
        &ctx,
        Method::POST,
        "EIO=4&transport=polling",
        ErrorCode::BadHandshakeMethod,
    )
    .await
}

async fn bad_eio(ctx: Ctx) -> Verdict {
    expect_error(
        &ctx,
        Method::GET,
        "EIO=abc&transport=polling",
        ErrorCode::UnsupportedProtocolVersion,
    )
    .await
}
