#!/usr/bin/env python3
"""Turns the output of run-all.sh into the Markdown tables of docs/benchmarks.md.

    python3 codec/benches/summarize.py target/bench-runs > tables.md

Reads criterion-N/**/new/{benchmark,estimates}.json (the median, in ns) and js-N.jsonl for every
run N found. Cells are "run 1 / run 2"; ratios use the mean of the runs; a ratio is marked
with its goal, ✅ when met and ❌ when missed.
"""

import json
import pathlib
import sys

SIO = [
    ("sio/connect_main", 'CONNECT "/"', 27),
    ("sio/connect_nsp", 'CONNECT "/custom_nsp"', 39),
    ("sio/event_main", 'EVENT "/"', 38),
    ("sio/event_nsp", 'EVENT "/custom_nsp"', 50),
    ("sio/event_ack42", "EVENT ack 42", 40),
    ("sio/ack42", "ACK 42", 18),
    ("sio/binary_event", "BINARY_EVENT + 10 B", 52),
    ("sio/event_250", "EVENT, 250 objects", 13792),
]


def load(root):
    runs = []
    n = 1
    while (root / f"criterion-{n}").exists() or (root / f"js-{n}.jsonl").exists():
        data = {}
        for bench in (root / f"criterion-{n}").glob("**/new/benchmark.json"):
            meta = json.loads(bench.read_text())
            est = json.loads((bench.parent / "estimates.json").read_text())
            data[(meta["group_id"], meta["function_id"])] = est["median"]["point_estimate"]
        js = root / f"js-{n}.jsonl"
        if js.exists():
            for line in js.read_text().splitlines():
                if line.strip():
                    row = json.loads(line)
                    data[(row["group"], row["bench"])] = row["ns"]
        runs.append(data)
        n += 1
    return runs


def fmt(ns):
    if ns is None:
        return "—"
    if ns >= 10000:
        return f"{ns:,.0f}"
    if ns >= 100:
        return f"{ns:.0f}"
    return f"{ns:.1f}"


class Table:
    def __init__(self, runs):
        self.runs = runs

    def values(self, group, bench):
        return [r.get((group, bench)) for r in self.runs]

    def cell(self, group, bench):
        vals = self.values(group, bench)
        if all(v is None for v in vals):
            return "—"
        return " / ".join(fmt(v) for v in vals)

    def mean(self, group, bench):
        vals = [v for v in self.values(group, bench) if v is not None]
        return sum(vals) / len(vals) if vals else None

    def ratio(self, group, num, den, goal=None, at_most=False):
        a, b = self.mean(group, num), self.mean(group, den)
        if a is None or b is None:
            return "—"
        r = a / b
        text = f"{r:.2f}×"
        if goal is not None:
            ok = r <= goal if at_most else r >= goal
            text += (" ✅" if ok else " ❌")
        return text

    def mbs(self, group, bench, size):
        m = self.mean(group, bench)
        return "—" if m is None else f"{size / m * 1000:,.0f}"


def main():
    root = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else "target/bench-runs")
    t = Table(load(root))
    out = []
    p = out.append

    p("### Level 1: framing (ns/op, run 1 / run 2)\n")
    p("| packet | bytes | ours `Frame::parse` | socketioxide `decode_str` | sioxide / ours (goal ≥3×) | memchr floor | ours / memchr |")
    p("|---|---:|---:|---:|---:|---:|---:|")
    for g, name, size in SIO:
        p(f"| {name} | {size} | {t.cell(g, 'framing/ours')} | {t.cell(g, 'framing/sioxide')} | "
          f"{t.ratio(g, 'framing/sioxide', 'framing/ours', 3)} | {t.cell(g, 'floor/memchr')} | "
          f"{t.ratio(g, 'framing/ours', 'floor/memchr')} |")

    p("\n### Level 2: validated (ns/op, run 1 / run 2)\n")
    p("| packet | ours `Packet::decode` | socketioxide `decode_str` + `IgnoredAny` | sioxide / ours (goal ≥1.5×) | `IgnoredAny` alone | ours / `IgnoredAny` (goal ≤1.3×) | `&RawValue` alone |")
    p("|---|---:|---:|---:|---:|---:|---:|")
    for g, name, size in SIO:
        p(f"| {name} | {t.cell(g, 'validated/ours')} | {t.cell(g, 'validated/sioxide+ignored_any')} | "
          f"{t.ratio(g, 'validated/sioxide+ignored_any', 'validated/ours', 1.5)} | "
          f"{t.cell(g, 'floor/ignored_any')} | "
          f"{t.ratio(g, 'validated/ours', 'floor/ignored_any', 1.3, at_most=True)} | "
          f"{t.cell(g, 'floor/raw_value')} |")

    p("\n### Level 3: typed (ns/op, run 1 / run 2)\n")
    p("| packet | ours (decode + name + args) | socketioxide (`decode_str` + `read_event` + `decode_value`) | sioxide / ours (goal ≥2×) | JS `Decoder.add` | JS / ours (goal ≥5×) | ours MB/s |")
    p("|---|---:|---:|---:|---:|---:|---:|")
    for g, name, size in SIO:
        p(f"| {name} | {t.cell(g, 'typed/ours')} | {t.cell(g, 'typed/sioxide')} | "
          f"{t.ratio(g, 'typed/sioxide', 'typed/ours', 2)} | {t.cell(g, 'decode/js')} | "
          f"{t.ratio(g, 'decode/js', 'typed/ours', 5)} | {t.mbs(g, 'typed/ours', size)} |")

    p("\n### Encode from the caller's typed value (ns/op, run 1 / run 2)\n")
    p("| packet | ours (reused `String`) | socketioxide `encode_value` + `encode` | sioxide / ours (goal ≥2×) | JS `Encoder.encode` | JS / ours (goal ≥5×) | ours / memchr | ours MB/s |")
    p("|---|---:|---:|---:|---:|---:|---:|---:|")
    for g, name, size in SIO:
        p(f"| {name} | {t.cell(g, 'encode/ours')} | {t.cell(g, 'encode/sioxide')} | "
          f"{t.ratio(g, 'encode/sioxide', 'encode/ours', 2)} | {t.cell(g, 'encode/js')} | "
          f"{t.ratio(g, 'encode/js', 'encode/ours', 5)} | {t.ratio(g, 'encode/ours', 'floor/memchr')} | "
          f"{t.mbs(g, 'encode/ours', size)} |")

    p("\n### Sketches of the recommended codec changes (ns/op, run 1 / run 2)\n")
    p("Built in the bench from public API (see `sketch_*` in `codec/benches/codec.rs`); not the codec.\n")
    p("| packet | typed: one pass | sioxide typed / one pass (goal ≥2×) | JS decode / one pass (goal ≥5×) | encode: `Vec<u8>` writer | sioxide encode / it (goal ≥2×) | JS encode / it (goal ≥5×) |")
    p("|---|---:|---:|---:|---:|---:|---:|")
    for g, name, size in SIO:
        if g == "sio/binary_event":
            continue
        p(f"| {name} | {t.cell(g, 'sketch/typed_one_pass')} | {t.ratio(g, 'typed/sioxide', 'sketch/typed_one_pass', 2)} | "
          f"{t.ratio(g, 'decode/js', 'sketch/typed_one_pass', 5)} | {t.cell(g, 'sketch/encode_vec_writer')} | "
          f"{t.ratio(g, 'encode/sioxide', 'sketch/encode_vec_writer', 2)} | {t.ratio(g, 'encode/js', 'sketch/encode_vec_writer', 5)} |")

    g = "eio/payload_v4_100"
    p("\n### Engine.IO v4 payload, 100 × `4hello world N` (1,589 B) (ns/op, run 1 / run 2)\n")
    p("| operation | ns/op | MB/s | ratio |")
    p("|---|---:|---:|---:|")
    p(f"| ours `payload::decode_v4` (split + packet types, borrowed) | {t.cell(g, 'decode/ours')} | {t.mbs(g, 'decode/ours', 1589)} | "
      f"{t.ratio(g, 'decode/ours', 'floor/memchr_split', 2, at_most=True)} of memchr split (goal ≤2×) |")
    p(f"| sketch: one `memchr_iter` + `Packet::decode_text` per piece | {t.cell(g, 'sketch/decode_memchr_iter')} | {t.mbs(g, 'sketch/decode_memchr_iter', 1589)} | "
      f"{t.ratio(g, 'sketch/decode_memchr_iter', 'floor/memchr_split', 2, at_most=True)} of memchr split; JS is {t.ratio(g, 'decode/js', 'sketch/decode_memchr_iter', 5)} of it |")
    p(f"| sketch: as above, packet type from the first byte | {t.cell(g, 'sketch/decode_memchr_iter_first_byte')} | {t.mbs(g, 'sketch/decode_memchr_iter_first_byte', 1589)} | "
      f"{t.ratio(g, 'sketch/decode_memchr_iter_first_byte', 'floor/memchr_split', 2, at_most=True)} of memchr split; JS is {t.ratio(g, 'decode/js', 'sketch/decode_memchr_iter_first_byte', 5)} of it |")
    p(f"| floor: `memchr_iter(0x1e)` split into 100 slices | {t.cell(g, 'floor/memchr_split')} | {t.mbs(g, 'floor/memchr_split', 1589)} | |")
    p(f"| floor: `memchr(0xFF)` pure scan | {t.cell(g, 'floor/memchr')} | {t.mbs(g, 'floor/memchr', 1589)} | |")
    p(f"| `str::split('\\x1e').collect::<Vec<&str>>()` | {t.cell(g, 'std/str_split_collect')} | {t.mbs(g, 'std/str_split_collect', 1589)} | |")
    p(f"| JS `decodePayload` | {t.cell(g, 'decode/js')} | {t.mbs(g, 'decode/js', 1589)} | "
      f"{t.ratio(g, 'decode/js', 'decode/ours', 5)} of ours (goal ≥5×) |")
    p(f"| JS `payload.split(\"\\x1e\")` | {t.cell(g, 'std/split')} | {t.mbs(g, 'std/split', 1589)} | |")
    p(f"| ours `payload::encode_v4` (reused `String`) | {t.cell(g, 'encode/ours')} | {t.mbs(g, 'encode/ours', 1589)} | |")
    p(f"| JS `encodePayload` | {t.cell(g, 'encode/js')} | {t.mbs(g, 'encode/js', 1589)} | "
      f"{t.ratio(g, 'encode/js', 'encode/ours')} of ours |")

    g = "eio/payload_v3_100"
    p("\n### Engine.IO v3 text payload, the same 100 packets as `<len>:4hello world N` (1,790 B) (ns/op)\n")
    p("| operation | ns/op | MB/s |")
    p("|---|---:|---:|")
    p(f"| ours `payload::decode_v3_text` | {t.cell(g, 'decode/ours')} | {t.mbs(g, 'decode/ours', 1790)} |")
    p(f"| ours `payload::encode_v3_text` | {t.cell(g, 'encode/ours')} | {t.mbs(g, 'encode/ours', 1790)} |")
    p(f"| floor: `memchr(0xFF)` pure scan | {t.cell(g, 'floor/memchr')} | {t.mbs(g, 'floor/memchr', 1790)} |")

    p("\n### Single Engine.IO packets (ns/op, run 1 / run 2)\n")
    p("| packet | ours decode | JS `decodePacket` | JS / ours | ours encode | JS `encodePacket` | JS / ours | memchr floor |")
    p("|---|---:|---:|---:|---:|---:|---:|---:|")
    for g, name in [("eio/packet_message", "`4hello world 0`"), ("eio/packet_base64", "`bAAECAwQFBgcICQ==` (10 B base64)")]:
        p(f"| {name} | {t.cell(g, 'decode/ours')} | {t.cell(g, 'decode/js')} | {t.ratio(g, 'decode/js', 'decode/ours')} | "
          f"{t.cell(g, 'encode/ours')} | {t.cell(g, 'encode/js')} | {t.ratio(g, 'encode/js', 'encode/ours')} | "
          f"{t.cell(g, 'floor/memchr')} |")
    print("\n".join(out))


if __name__ == "__main__":
    main()
