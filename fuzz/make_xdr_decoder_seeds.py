#!/usr/bin/env python3
"""Writes the seed corpus of nelson-fuzz-xdr-decoder into fuzz/corpus/xdr_decoder/.

Each seed is: configuration byte, operation count, (opcode, argument) pairs, XDR data; see the
comment at the top of xdr_decoder_fuzz.cpp. Opcodes are read from its `enum Op`, so the seeds
follow the fuzzer when operations are added. Run from anywhere:

    python3 fuzz/make_xdr_decoder_seeds.py
"""
import pathlib
import re
import struct

HERE = pathlib.Path(__file__).resolve().parent
OUT = HERE / "corpus" / "xdr_decoder"

body = re.search(r"enum Op : std::uint8_t \{(.*?)kOpCount", (HERE / "xdr_decoder_fuzz.cpp").read_text(), re.S).group(1)
OPS = {name: i for i, name in enumerate(re.findall(r"^\s*(k\w+),", body, re.M))}

UNBOUNDED = 0xC0  # argument meaning "no maximum" (max_of in the fuzzer)


def u32(v):
    return struct.pack(">I", v & 0xFFFFFFFF)


def u64(v):
    return struct.pack(">Q", v & 0xFFFFFFFFFFFFFFFF)


def opaque(b, fixed=False):
    pad = b"\0" * ((4 - len(b) % 4) % 4)
    return (b"" if fixed else u32(len(b))) + b + pad


def opt(x):
    return u32(0) if x is None else u32(1) + x


def small(a, b, s, h):  # struct small { int a; bool b; string s<8>; unsigned hyper *h; }
    return u32(a) + u32(1 if b else 0) + opaque(s) + opt(None if h is None else u64(h))


def seed(config, ops, data):
    prog = bytearray([config, len(ops)])
    for name, arg in ops:
        prog += bytes([OPS[name], arg])
    return bytes(prog) + data


SEEDS = {
    "scalars": seed(
        0x00,
        [("kGetInt", 0), ("kGetUint", 0), ("kGetEnum", 0), ("kGetBool", 0), ("kGetHyper", 0), ("kGetUhyper", 0),
         ("kGetFloat", 0), ("kGetDouble", 0), ("kGetQuadruple", 0), ("kExpectEnd", 0)],
        u32(-5) + u32(7) + u32(2) + u32(1) + u64(-9) + u64(1 << 40) + struct.pack(">f", 1.5) +
        struct.pack(">d", -2.25) + bytes(range(16))),
    "opaque_strings": seed(
        0x0A,
        [("kGetFixedOpaque", 5), ("kViewFixedOpaque", 3), ("kViewOpaque", UNBOUNDED), ("kGetOpaque", 8),
         ("kViewString", 16), ("kGetString", UNBOUNDED), ("kExpectEnd", 0)],
        opaque(b"hello", True) + opaque(b"xyz", True) + opaque(b"\x01\x02") + opaque(b"12345678") +
        opaque(b"nelson") + opaque(b"")),
    "bulk_arrays": seed(
        0x13,
        [("kFixedArrayInt32", 3), ("kFixedArrayInt64", 2), ("kFixedArrayDouble", 1), ("kFixedArrayUint32", 1),
         ("kArrayInt32", UNBOUNDED), ("kArrayInt64", 8), ("kArrayDouble", UNBOUNDED), ("kArrayFloat", 4)],
        b"".join(u32(i) for i in (1, -2, 3)) + u64(1) + u64(-1) + struct.pack(">d", 3.5) + u32(0xDEADBEEF) +
        u32(40) + b"".join(u32(i * 0x01010101) for i in range(40)) +
        u32(3) + b"".join(u64(i << 33) for i in range(3)) +
        u32(9) + b"".join(struct.pack(">d", i / 3) for i in range(9)) +
        u32(2) + struct.pack(">ff", 0.5, -0.0)),
    "structs": seed(
        0x1C,
        [("kArraySmall", UNBOUNDED), ("kFixedArraySmall", 1), ("kOptionalInt", 0), ("kOptionalSmall", 0),
         ("kTree", 0), ("kExpectEnd", 0)],
        u32(2) + small(1, True, b"ab", None) + small(-1, False, b"12345678", 77) +
        small(3, False, b"", 0) + opt(u32(42)) + u32(0) +
        u32(1) + u32(2) + u32(2) + u32(0) + u32(3) + u32(0)),
    "generic_1": seed(
        0x21,
        [("kVecOptString", 0), ("kVecVecInt", 0), ("kOptVecDouble", 0), ("kArrayBytes5", 0), ("kArrayInt3", 0),
         ("kArraySmall2", 0), ("kVecBytes", 0), ("kVecSmall", 0), ("kQuadruple", 0), ("kVoid", 0), ("kColor", 0),
         ("kOptOptBool", 0)],
        u32(3) + opt(opaque(b"ab")) + opt(None) + opt(opaque(b"xyz")) +
        u32(2) + u32(1) + u32(7) + u32(0) +
        opt(u32(1) + struct.pack(">d", 1.0)) +
        opaque(b"\x01\x02\x03\x04\x05", True) + u32(1) + u32(2) + u32(3) +
        small(5, True, b"s", None) + small(6, False, b"", 1) +
        opaque(b"\xff" * 6) + u32(1) + small(0, False, b"q", None) +
        bytes(16) + u32(2) + opt(opt(u32(1)))),
    "generic_2": seed(
        0x2B,
        [("kVecArrayU64x2", 0), ("kString", 0), ("kVecVecOptSmall", 0), ("kVecFloat", 0), ("kArrayOptString3", 0),
         ("kVecBytes3", 0), ("kOptQuadruple", 0), ("kVecColor", 0), ("kVecU64", 0), ("kVecI64", 0),
         ("kArrayDouble4", 0), ("kOptVecOptVecString", 0), ("kExpectEnd", 0)],
        u32(1) + u64(1) + u64(2) + opaque(b"string") +
        u32(1) + u32(2) + opt(small(9, True, b"x", 3)) + opt(None) +
        u32(2) + struct.pack(">ff", 1.0, 2.0) + opt(opaque(b"a")) + opt(None) + opt(opaque(b"")) +
        u32(2) + opaque(b"abc", True) + opaque(b"def", True) + opt(bytes(range(16))) +
        u32(3) + u32(0) + u32(1) + u32(2) + u32(1) + u64(5) + u32(1) + u64(-5) +
        b"".join(struct.pack(">d", x) for x in (0.0, 1.0, -1.0, 1e300)) +
        opt(u32(2) + opt(u32(1) + opaque(b"deep")) + opt(None))),
    "nonzero_padding": seed(
        0x00,
        [("kViewString", UNBOUNDED), ("kGetInt", 0), ("kGetFixedOpaque", 1), ("kExpectEnd", 0)],
        u32(3) + b"abc\xff" + u32(1) + b"z\x00\x01\x00"),
    "hostile_lengths": seed(
        0x08,
        [("kGetCount", 0x03), ("kArrayInt32", UNBOUNDED), ("kViewOpaque", 4), ("kSkip", 4), ("kGetRaw", 3),
         ("kExpectEnd", 0), ("kFail", 0), ("kGetInt", 0)],
        u32(2) + u32(0xFFFFFFFF) + u32(0x7FFFFFFF) + u32(5) + b"abcdefgh"),
    "bad_bool": seed(0x00, [("kGetBool", 0), ("kGetBool", 0)], u32(1) + u32(2)),
    "empty_data": seed(0x00, [("kViewFixedOpaque", 0), ("kExpectEnd", 0), ("kGetInt", 0), ("kViewString", 0)], b""),
    "too_deep": seed(0x00, [("kTree", 0)], (u32(0) + u32(1)) * 14 + u32(0) + u32(0)),
}


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    for name, data in SEEDS.items():
        (OUT / name).write_bytes(data)
    print(f"wrote {len(SEEDS)} seeds to {OUT}")


if __name__ == "__main__":
    main()
