// Times the JavaScript reference parsers (socket.io-parser 4.2.7, engine.io-parser 5.2.3) on the
// inputs of codec/benches/codec.rs, byte for byte. See docs/benchmarks.md.
//
//   cd codec/benches/js && npm ci && node bench.js > js.jsonl
//
// Method (benchmark-anchors.md): a process.hrtime.bigint() loop; calibrate the iteration count
// to ~100 ms per run, warm up for ~300 ms, then take 5 timed runs and report the median in
// ns/op. One Encoder and one Decoder are reused per packet kind, with a "decoded" listener that
// stores the result, as a server does per connection. GC time is included. Prints one JSON line
// per benchmark: {"group", "bench", "ns", "runs"} with the same group names as the Rust side.
"use strict";

const assert = require("node:assert/strict");
const { Encoder, Decoder, PacketType } = require("socket.io-parser");
const eio = require("engine.io-parser");

const TARGET_NS = 100e6; // ~100 ms per timed run
const RUNS = 5;

function timeOnce(fn, n) {
  const start = process.hrtime.bigint();
  for (let i = 0; i < n; i++) fn();
  return Number(process.hrtime.bigint() - start);
}

function measure(fn) {
  let n = 1;
  let elapsed = timeOnce(fn, n);
  while (elapsed < TARGET_NS / 10) {
    n *= 4;
    elapsed = timeOnce(fn, n);
  }
  n = Math.max(1, Math.round((n * TARGET_NS) / elapsed));
  // Warm-up: ~3 runs' worth.
  timeOnce(fn, 3 * n);
  const perOp = [];
  for (let r = 0; r < RUNS; r++) perOp.push(timeOnce(fn, n) / n);
  perOp.sort((a, b) => a - b);
  return { ns: perOp[Math.floor(RUNS / 2)], runs: perOp };
}

function report(group, bench, fn) {
  const { ns, runs } = measure(fn);
  console.log(JSON.stringify({ group, bench, ns: +ns.toFixed(2), runs: runs.map((x) => +x.toFixed(2)) }));
}

// ---------------------------------------------------------------------------------------------
// Inputs (benchmark-anchors.md, byte for byte)
// ---------------------------------------------------------------------------------------------

const SID = "Zx9EoSv4lA0qBBq3";
const DATA = { foo: "bar", arr: [1, 2, 3] };
const ATTACHMENT = Buffer.from([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
const ITEMS = Array.from({ length: 250 }, (_, i) => ({ id: i, name: `item ${i}`, tags: ["a", "b"], ok: true }));

const CASES = [
  { id: "sio/connect_main", wire: `0{"sid":"${SID}"}`, packet: { type: PacketType.CONNECT, nsp: "/", data: { sid: SID } } },
  { id: "sio/connect_nsp", wire: `0/custom_nsp,{"sid":"${SID}"}`, packet: { type: PacketType.CONNECT, nsp: "/custom_nsp", data: { sid: SID } } },
  { id: "sio/event_main", wire: '2["event",{"foo":"bar","arr":[1,2,3]}]', packet: { type: PacketType.EVENT, nsp: "/", data: ["event", DATA] } },
  { id: "sio/event_nsp", wire: '2/custom_nsp,["event",{"foo":"bar","arr":[1,2,3]}]', packet: { type: PacketType.EVENT, nsp: "/custom_nsp", data: ["event", DATA] } },
  { id: "sio/event_ack42", wire: '242["event",{"foo":"bar","arr":[1,2,3]}]', packet: { type: PacketType.EVENT, nsp: "/", data: ["event", DATA], id: 42 } },
  { id: "sio/ack42", wire: '342[{"foo":"bar"}]', packet: { type: PacketType.ACK, nsp: "/", data: [{ foo: "bar" }], id: 42 } },
  {
    id: "sio/binary_event",
    wire: '51-["event",{"_placeholder":true,"num":0}]',
    attachment: ATTACHMENT,
    packet: { type: PacketType.EVENT, nsp: "/", data: ["event", ATTACHMENT] },
  },
  {
    id: "sio/event_250",
    wire: `2["event",[${ITEMS.map((it) => JSON.stringify(it)).join(",")}]]`,
    packet: { type: PacketType.EVENT, nsp: "/", data: ["event", ITEMS] },
  },
];

const LENGTHS = [27, 39, 38, 50, 40, 18, 42, 13792];

const MESSAGES = Array.from({ length: 100 }, (_, i) => `hello world ${i}`);
const PAYLOAD_V4 = MESSAGES.map((m) => `4${m}`).join("\x1e");
const EIO_PACKETS = MESSAGES.map((data) => ({ type: "message", data }));

// ---------------------------------------------------------------------------------------------
// Checks, before timing
// ---------------------------------------------------------------------------------------------

function decodeOnce(decoder, c) {
  let out;
  const onDecoded = (p) => (out = p);
  decoder.on("decoded", onDecoded);
  decoder.add(c.wire);
  if (c.attachment) decoder.add(c.attachment);
  decoder.off("decoded", onDecoded);
  return out;
}

function check() {
  const encoder = new Encoder();
  const decoder = new Decoder();
  CASES.forEach((c, i) => {
    assert.equal(Buffer.byteLength(c.wire), LENGTHS[i], `${c.id}: length`);
    const encoded = encoder.encode(c.packet);
    assert.equal(encoded[0], c.wire, `${c.id}: encode`);
    if (c.attachment) assert.deepEqual(encoded[1], c.attachment, `${c.id}: attachment`);
    const decoded = decodeOnce(decoder, c);
    // The reference reports a reconstructed BINARY_EVENT as EVENT.
    assert.deepEqual({ ...decoded, attachments: undefined }, { ...c.packet, attachments: undefined }, `${c.id}: decode`);
  });
  assert.equal(PAYLOAD_V4.length, 1589);
  assert.deepEqual(eio.decodePayload(PAYLOAD_V4), EIO_PACKETS);
  eio.encodePayload(EIO_PACKETS, (out) => assert.equal(out, PAYLOAD_V4));
  assert.deepEqual(eio.decodePacket("4hello world 0"), { type: "message", data: "hello world 0" });
  const bin = eio.decodePacket("bAAECAwQFBgcICQ==", "nodebuffer");
  assert.deepEqual(bin, { type: "message", data: ATTACHMENT });
  eio.encodePacket(bin, false, (out) => assert.equal(out, "bAAECAwQFBgcICQ=="));
}

// ---------------------------------------------------------------------------------------------
// Timing
// ---------------------------------------------------------------------------------------------

function main() {
  check();
  const only = process.argv[2]; // optional group prefix filter
  const want = (id) => !only || id.startsWith(only);

  for (const c of CASES) {
    if (!want(c.id)) continue;
    const decoder = new Decoder();
    let last;
    decoder.on("decoded", (p) => (last = p));
    if (c.attachment) {
      report(c.id, "decode/js", () => {
        decoder.add(c.wire);
        decoder.add(c.attachment);
        return last;
      });
    } else {
      report(c.id, "decode/js", () => {
        decoder.add(c.wire);
        return last;
      });
    }
    const encoder = new Encoder();
    report(c.id, "encode/js", () => encoder.encode(c.packet));
  }

  if (want("eio/payload_v4_100")) {
    report("eio/payload_v4_100", "decode/js", () => eio.decodePayload(PAYLOAD_V4));
    let sink;
    report("eio/payload_v4_100", "encode/js", () => eio.encodePayload(EIO_PACKETS, (out) => (sink = out)));
    report("eio/payload_v4_100", "std/split", () => PAYLOAD_V4.split("\x1e"));
    void sink;
  }
  // engine.io-parser 5.x has no v3 payload codec (that is engine.io-parser 2.x): no JS v3 row.
  const single = [
    ["eio/packet_message", "4hello world 0", { type: "message", data: "hello world 0" }],
    ["eio/packet_base64", "bAAECAwQFBgcICQ==", { type: "message", data: ATTACHMENT }],
  ];
  for (const [id, wire, packet] of single) {
    if (!want(id)) continue;
    report(id, "decode/js", () => eio.decodePacket(wire, "nodebuffer"));
    let sink;
    report(id, "encode/js", () => eio.encodePacket(packet, false, (out) => (sink = out)));
    void sink;
  }
}

main();
