"""Testee for the Socket.IO conformance runner: a python-socketio AsyncServer (Engine.IO v4,
Socket.IO v5) served as an ASGI app by uvicorn. It implements the TESTEE1 contract
(spec/testee-contract.md) on the namespaces "/" and "/custom", refuses every connection to
"/refuse", and leaves every other namespace unknown.

stdout carries exactly one line, `listening http://<host>:<port><path>`, printed once uvicorn is
serving on the listening socket. Diagnostics go to stderr, and only when DEBUG_TESTEE=1 (apart from
errors).

Behaviour of python-socketio kept as it is (see README.md):
- events emitted from the connect handler (the `auth` event) reach the client BEFORE the `40`
  CONNECT answer, because python-socketio sends `40` only after the handler returned;
- every event that carries an ack id is acknowledged after its handler returns (with `[]` when the
  handler returns None), also `message`, `broadcast`, ... which the contract does not acknowledge;
- a refusal is `44/refuse,{"message":"refused","data":{"code":4242}}`, an unknown namespace
  `44/<nsp>,"Unable to connect"` (a bare string, no `message` member);
- disconnect reasons are python-socketio's: `client disconnect`, `server disconnect`,
  `transport close`, `ping timeout`, `transport error`;
- there is no connect timeout.
"""

import asyncio
import ipaddress
import logging
import os
import signal
import socket
import stat
import sys
import threading

import socketio
import uvicorn

FEATURES = [
    "core",
    "server-ack",
    "broadcast",
    "rooms",
    "targeted",
    "lifecycle",
    "server-disconnect",
    "connect-error",
]

# strong references to running background tasks (asyncio keeps only weak ones)
background_tasks = set()

CONTRACT_NAMESPACES = ("/", "/custom")
REFUSE_NAMESPACE = "/refuse"

DEBUG = os.environ.get("DEBUG_TESTEE") == "1"


def debug(*parts):
    if DEBUG:
        sys.stderr.write("[testee] " + " ".join(str(p) for p in parts) + "\n")
        sys.stderr.flush()


def fail(message):
    sys.stderr.write(f"testee: {message}\n")
    sys.stderr.flush()
    sys.exit(2)


# ---------------------------------------------------------------------------------------------
# Configuration
# ---------------------------------------------------------------------------------------------


def env_int(name, fallback, minimum=0, maximum=2**53 - 1):
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return fallback
    try:
        value = int(raw.strip(), 10)
    except ValueError:
        value = None
    if value is None or value < minimum or value > maximum:
        fail(f"{name}={raw!r} is not a valid number in [{minimum}, {maximum}]")
    return value


def env_bool(name, fallback):
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return fallback
    v = raw.strip().lower()
    if v in ("1", "true", "yes", "on"):
        return True
    if v in ("0", "false", "no", "off"):
        return False
    fail(f"{name}={raw!r} is not a boolean (use 1 or 0)")


def loopback_host(raw):
    host = (raw or "").strip()
    if host == "":
        return "127.0.0.1"
    if host.startswith("[") and host.endswith("]"):
        host = host[1:-1]
    if host.lower() == "localhost":
        return "127.0.0.1"
    try:
        addr = ipaddress.ip_address(host)
    except ValueError:
        addr = None
    if addr is not None and addr.is_loopback:
        return str(addr)
    fail(f"HOST={raw!r} is not a loopback address (use 127.0.0.1 or ::1)")


def normalise_path(raw):
    path = (raw or "").strip() or "/socket.io/"
    if not path.startswith("/"):
        path = "/" + path
    if not path.endswith("/"):
        path = path + "/"
    return path


class Config:
    port = env_int("PORT", 0, maximum=65535)
    host = loopback_host(os.environ.get("HOST"))
    # 1000, not the contract's 300: python-engineio announces `int(seconds) * 1000` as pingInterval,
    # so 300 ms would be announced as 0 while the server really pings every 300 ms, and every
    # client computing its deadline from the handshake (0 + pingTimeout) would drop the connection
    # before the first ping. Whole seconds are the only values announced as they are.
    ping_interval_ms = env_int("PING_INTERVAL", 1000, minimum=1)
    ping_timeout_ms = env_int("PING_TIMEOUT", 200, minimum=1)
    max_http_buffer_size = env_int("MAX_HTTP_BUFFER_SIZE", 1000000, minimum=1)
    # Validated for symmetry with the other testees; python-socketio has no connect timeout.
    connect_timeout_ms = env_int("CONNECT_TIMEOUT", 1000, minimum=1)
    path = normalise_path(os.environ.get("SIO_PATH"))
    cors = env_bool("CORS", True)
    # python-socketio runs every event handler as its own task by default, so two events of one
    # client can be handled out of order. The testee handles them in arrival order, like Node.
    async_handlers = env_bool("ASYNC_HANDLERS", False)


if Config.ping_interval_ms % 1000 != 0:
    sys.stderr.write(
        f"testee: warning: PING_INTERVAL={Config.ping_interval_ms} is not whole seconds; python-engineio "
        f"will announce pingInterval {int(Config.ping_interval_ms / 1000) * 1000} in the handshake "
        f"while pinging every {Config.ping_interval_ms} ms\n"
    )

# seconds close-me waits for a closed session's queue to drain
DRAIN_LIMIT = (Config.ping_interval_ms + Config.ping_timeout_ms) / 1000

logging.basicConfig(
    stream=sys.stderr,
    level=logging.INFO if DEBUG else logging.WARNING,
    format="[%(name)s] %(levelname)s %(message)s",
)
# python-socketio and python-engineio log every client protocol error (bad session, unsupported
# EIO version, ...) at ERROR, through a handler of their own unless their logger already has a
# level. The runner provokes such errors on purpose: show them only with DEBUG_TESTEE=1.
for _name in ("socketio.server", "engineio.server"):
    logging.getLogger(_name).setLevel(logging.INFO if DEBUG else logging.CRITICAL)

# ---------------------------------------------------------------------------------------------
# Socket.IO server and the contract behaviours
# ---------------------------------------------------------------------------------------------

sio = socketio.AsyncServer(
    async_mode="asgi",
    # CORS=1: reflect every Origin (with credentials); CORS=0: [] turns CORS handling off entirely
    # (no Origin check, no Access-Control-* headers).
    cors_allowed_origins="*" if Config.cors else [],
    ping_interval=Config.ping_interval_ms / 1000,
    ping_timeout=Config.ping_timeout_ms / 1000,
    max_http_buffer_size=Config.max_http_buffer_size,
    async_handlers=Config.async_handlers,
    # always_connect stays False (default): `40` is sent once the connect handler accepted.
    logger=DEBUG,
    engineio_logger=DEBUG,
)


def install_contract(ns):
    """Installs the TESTEE1 behaviours on the namespace `ns`."""
    watchers = set()

    def connected(sid):
        return sio.manager.is_connected(sid, ns)

    async def emit_to(sid, event, args, **kwargs):
        # a tuple is expanded to several arguments (an empty one to none) by python-socketio
        await sio.emit(event, tuple(args), to=sid, namespace=ns, **kwargs)

    # TESTEE1-CORE-002: python-socketio passes the CONNECT payload as `auth` (None without one; an
    # empty object also arrives as None). This emit goes out BEFORE the `40` answer: python-socketio
    # sends `40` only after this handler returned. That is the library's behaviour, kept as it is.
    async def on_connect(sid, environ, auth):
        debug("connect", ns, sid)
        await sio.emit("auth", auth if auth is not None else {}, to=sid, namespace=ns)

    # TESTEE1-CORE-003
    async def on_message(sid, *args):
        await emit_to(sid, "message-back", args)

    # TESTEE1-CORE-004: the handler's return value is the ack; a tuple is several arguments.
    async def on_message_with_ack(sid, *args):
        return tuple(args)

    # TESTEE1-CORE-005: one argument, the list.
    async def on_features(sid, *args):
        return list(FEATURES)

    # TESTEE1-ACK-001 / ACK-002
    async def on_emit_with_ack(sid, *args):
        async def on_result(*res):
            if connected(sid):
                await emit_to(sid, "emit-with-ack-result", res)

        await emit_to(sid, "emit-with-ack", args, callback=on_result)

    # TESTEE1-BCAST-001
    async def on_broadcast(sid, *args):
        await sio.emit("broadcast-back", tuple(args), namespace=ns)

    # TESTEE1-BCAST-002
    async def on_broadcast_others(sid, *args):
        await sio.emit("broadcast-back", tuple(args), namespace=ns, skip_sid=sid)

    # TESTEE1-ROOM-001: the return value acknowledges with (room).
    async def on_join(sid, room=None, *_rest):
        if not isinstance(room, str):
            debug("join ignored: room is not a string", type(room).__name__)
            return None
        await sio.enter_room(sid, room, namespace=ns)
        return room

    # TESTEE1-ROOM-002
    async def on_to_room(sid, room=None, *payload):
        if not isinstance(room, str):
            return
        await sio.emit("room-back", tuple(payload), to=room, namespace=ns)

    # TESTEE1-TGT-001 / TGT-002: only a connected socket of this namespace, never a room that happens
    # to be named like one.
    async def on_private(sid, target=None, *payload):
        if not isinstance(target, str) or not connected(target):
            return
        await emit_to(target, "private-back", (sid, *payload))

    # TESTEE1-LIFE-001: returning None acknowledges with no arguments.
    async def on_watch(sid, *args):
        watchers.add(sid)
        return None

    # TESTEE1-SDISC-001: `41` (or `41/custom,`) for this namespace only.
    async def on_disconnect_me(sid, *args):
        await sio.disconnect(sid, namespace=ns)

    # TESTEE1-SDISC-002: python-socketio has no socket.disconnect(true). Do what the reference does:
    # a DISCONNECT for every namespace the connection has joined, then close the Engine.IO session
    # (close packet `1`) with python-engineio's own disconnect.
    #
    # python-engineio marks the session closed at once, so on long-polling whatever is still queued
    # when the client's next GET arrives (41s, the close packet) is never delivered: that GET gets
    # HTTP 400 "Session is disconnected". That is the library's behaviour, kept as it is.
    # The close runs as a task, so the event handler does not wait for the session's queue to
    # drain; eio.disconnect() waits for that drain, which never happens in the case above, hence
    # the time limit.
    async def on_close_me(sid, *args):
        eio_sid = sio.manager.eio_sid_from_sid(sid, ns)
        if eio_sid is None:
            return

        async def close_all():
            for other_ns in list(sio.manager.get_namespaces()):
                other_sid = sio.manager.sid_from_eio_sid(eio_sid, other_ns)
                if other_sid is not None and sio.manager.is_connected(other_sid, other_ns):
                    await sio.disconnect(other_sid, namespace=other_ns)
            try:
                await asyncio.wait_for(sio.eio.disconnect(eio_sid), timeout=DRAIN_LIMIT)
            except asyncio.TimeoutError:
                debug("close-me: queue of", eio_sid, "not drained")

        task = asyncio.ensure_future(close_all())
        background_tasks.add(task)
        task.add_done_callback(background_tasks.discard)

    # TESTEE1-LIFE-002
    async def on_disconnect(sid, reason=None):
        debug("disconnect", ns, sid, reason)
        watchers.discard(sid)
        for watcher in list(watchers):
            if watcher != sid and connected(watcher):
                await emit_to(watcher, "peer-disconnect", (sid, reason))

    handlers = {
        "connect": on_connect,
        "message": on_message,
        "message-with-ack": on_message_with_ack,
        "features": on_features,
        "emit-with-ack": on_emit_with_ack,
        "broadcast": on_broadcast,
        "broadcast-others": on_broadcast_others,
        "join": on_join,
        "to-room": on_to_room,
        "private": on_private,
        "watch": on_watch,
        "disconnect-me": on_disconnect_me,
        "close-me": on_close_me,
        "disconnect": on_disconnect,
    }
    for event, handler in handlers.items():
        sio.on(event, handler, namespace=ns)


for _ns in CONTRACT_NAMESPACES:
    install_contract(_ns)


# TESTEE1-CERR-001: python-socketio encodes the first argument as `message` and the second as `data`:
# `44/refuse,{"message":"refused","data":{"code":4242}}`.
async def on_refuse_connect(sid, environ, auth):
    raise socketio.exceptions.ConnectionRefusedError("refused", {"code": 4242})


sio.on("connect", on_refuse_connect, namespace=REFUSE_NAMESPACE)
# TESTEE1-CERR-002: every other namespace has no handler, so python-socketio answers
# `44/<nsp>,"Unable to connect"`.

app = socketio.ASGIApp(sio, socketio_path=Config.path.strip("/"))

# ---------------------------------------------------------------------------------------------
# Serving and lifecycle
# ---------------------------------------------------------------------------------------------


def stdin_is_pipe():
    try:
        mode = os.fstat(0).st_mode
    except OSError:
        return False
    return stat.S_ISFIFO(mode) or stat.S_ISSOCK(mode)


class TesteeServer(uvicorn.Server):
    """uvicorn's Server, printing the listening line once it is really serving."""

    def __init__(self, config, url):
        super().__init__(config)
        self.url = url
        self._stop_timer = None
        self._loop = None

    def request_stop(self, why):
        if not self.should_exit:
            debug("shutting down", f"({why})")
        self.should_exit = True
        self._begin_stop()

    def handle_exit(self, sig, frame):
        # uvicorn's handler for SIGINT/SIGTERM while serving
        debug("shutting down", f"({signal.Signals(sig).name})")
        super().handle_exit(sig, frame)
        self._begin_stop()

    def _begin_stop(self):
        if self._stop_timer is not None:
            return
        # last resort if the graceful shutdown hangs
        self._stop_timer = threading.Timer(3.0, os._exit, args=(0,))
        self._stop_timer.daemon = True
        self._stop_timer.start()
        # Close every Engine.IO session (like Node's io.close()), so that pending long-polling GETs
        # return and uvicorn need not wait for them.
        if self._loop is not None:
            self._loop.call_soon_threadsafe(self._close_sessions)

    def _close_sessions(self):
        if not sio.eio.sockets:
            return
        task = asyncio.ensure_future(asyncio.wait_for(sio.eio.disconnect(), timeout=0.5))
        background_tasks.add(task)
        task.add_done_callback(background_tasks.discard)
        task.add_done_callback(lambda t: t.cancelled() or t.exception())

    async def startup(self, sockets=None):
        self._loop = asyncio.get_running_loop()
        await super().startup(sockets=sockets)
        if not self.started:
            return
        if stdin_is_pipe():
            loop = asyncio.get_running_loop()

            def on_stdin():
                try:
                    data = os.read(0, 65536)
                except OSError:
                    data = b""
                if not data:
                    loop.remove_reader(0)
                    self.request_stop("stdin end")

            loop.add_reader(0, on_stdin)
        if not self.should_exit:
            sys.stdout.write(f"listening {self.url}\n")
            sys.stdout.flush()


def main():
    server = None
    stop_requested = []

    # uvicorn captures SIGINT/SIGTERM while serving and re-raises them once it has shut down; these
    # handlers are the ones it restores, so the re-raise is harmless and the process exits with 0.
    def on_signal(signum, _frame):
        stop_requested.append(signum)
        if server is not None:
            server.request_stop(signal.Signals(signum).name)

    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, on_signal)

    # Bind the listening socket here (PORT=0 picks a free port) and hand it to uvicorn: the port is
    # known before uvicorn starts and stays reserved, so there is no window for another process.
    family = socket.AF_INET6 if ":" in Config.host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((Config.host, Config.port))
    except OSError as exc:
        sys.stderr.write(f"testee: cannot listen on {Config.host}:{Config.port}: {exc}\n")
        sys.exit(1)
    port = sock.getsockname()[1]
    host_part = f"[{Config.host}]" if ":" in Config.host else Config.host

    config = uvicorn.Config(
        app,
        http="h11",
        ws="wsproto",
        lifespan="off",
        access_log=False,
        log_config=None,
        log_level="info" if DEBUG else "warning",
        timeout_graceful_shutdown=1,
    )
    server = TesteeServer(config, f"http://{host_part}:{port}{Config.path}")
    debug("config", {k: v for k, v in vars(Config).items() if not k.startswith("_")})
    if stop_requested:
        return
    # uvicorn's own handler sets should_exit; SIGHUP is not among its signals, ours handles it.
    server.run(sockets=[sock])
    if server._stop_timer is not None:
        server._stop_timer.cancel()


if __name__ == "__main__":
    main()
