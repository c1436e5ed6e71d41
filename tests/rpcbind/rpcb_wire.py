#!/usr/bin/env python3
"""rpcb_wire: just enough ONC RPC (RFC 5531) and portmapper (RFC 1833) on raw sockets for the
shell tests of nelson-rpcbind, written independently of nelson's own codecs so a test does not
check nelson against itself.

As a module (hostile.py): call messages, record marking, reply parsing, XDR strings.
As a command, against a portmapper on 127.0.0.1:PORT:

  rpcb_wire.py dump PORT [tcp|udp]                  RPCBPROC_DUMP v4: "prog vers netid uaddr owner" lines
  rpcb_wire.py pmapdump PORT [tcp|udp]              PMAPPROC_DUMP v2: "prog vers prot port" lines
  rpcb_wire.py getaddr PORT PROG VERS [tcp|udp]     RPCBPROC_GETADDR v4: the uaddr ("" when none)
  rpcb_wire.py set PORT PROG VERS NETID UADDR       RPCBPROC_SET v4 over TCP: "true" or "false"
  rpcb_wire.py unset PORT PROG VERS [NETID]         RPCBPROC_UNSET v4 over TCP: "true" or "false"

Exit status 0 when the portmapper answered SUCCESS, 1 otherwise (no answer, an error reply).
"""
import os
import socket
import struct
import sys

PMAP_PROG = 100000
CALL, REPLY = 0, 1
MSG_ACCEPTED, MSG_DENIED = 0, 1
SUCCESS, PROG_UNAVAIL, PROG_MISMATCH, PROC_UNAVAIL, GARBAGE_ARGS, SYSTEM_ERR = range(6)
LAST_FRAGMENT = 0x80000000

_xid = int.from_bytes(os.urandom(4), "big")


def next_xid():
    global _xid
    _xid = (_xid + 1) & 0xFFFFFFFF
    return _xid


def u32(n):
    return struct.pack(">I", n & 0xFFFFFFFF)


def opaque(data):
    """XDR variable-length opaque / string: length, bytes, zero padding to 4."""
    if isinstance(data, str):
        data = data.encode()
    return u32(len(data)) + data + b"\0" * (-len(data) % 4)


def call_header(xid, prog, vers, proc, cred=(0, b""), verf=(0, b"")):
    return (u32(xid) + u32(CALL) + u32(2) + u32(prog) + u32(vers) + u32(proc) + u32(cred[0]) + opaque(cred[1]) +
            u32(verf[0]) + opaque(verf[1]))


def call_msg(prog, vers, proc, args=b"", xid=None):
    return call_header(next_xid() if xid is None else xid, prog, vers, proc) + args


def record(msg):
    """One TCP record of one last fragment."""
    return u32(LAST_FRAGMENT | len(msg)) + msg


class Reader:
    """An XDR cursor over a reply's bytes; raises ValueError when they run out."""

    def __init__(self, data, pos=0):
        self.data, self.pos = data, pos

    def uint(self):
        if self.pos + 4 > len(self.data):
            raise ValueError("truncated at byte %d" % self.pos)
        (n,) = struct.unpack_from(">I", self.data, self.pos)
        self.pos += 4
        return n

    def opaque(self):
        n = self.uint()
        if self.pos + n > len(self.data):
            raise ValueError("opaque of %d bytes at byte %d overruns the reply" % (n, self.pos))
        out = self.data[self.pos:self.pos + n]
        self.pos += n + (-n % 4)
        return out

    def string(self):
        return self.opaque().decode("latin-1")


class Reply:
    """A parsed reply: xid, accepted (bool), accept_stat or (denied) reject_stat, and a Reader at
    the results."""

    def __init__(self, data):
        r = Reader(data)
        self.xid = r.uint()
        if r.uint() != REPLY:
            raise ValueError("not a reply")
        self.accepted = r.uint() == MSG_ACCEPTED
        if self.accepted:
            r.uint()  # verifier flavor
            r.opaque()  # verifier body
            self.accept_stat = r.uint()
            self.reject_stat = None
        else:
            self.accept_stat = None
            self.reject_stat = r.uint()
        self.results = r

    def describe(self):
        if not self.accepted:
            return "MSG_DENIED %d" % self.reject_stat
        names = ["SUCCESS", "PROG_UNAVAIL", "PROG_MISMATCH", "PROC_UNAVAIL", "GARBAGE_ARGS", "SYSTEM_ERR"]
        return names[self.accept_stat] if self.accept_stat < len(names) else "accept_stat %d" % self.accept_stat


def recv_exact(sock, n):
    out = b""
    while len(out) < n:
        chunk = sock.recv(n - len(out))
        if not chunk:
            raise ConnectionError("connection closed after %d of %d bytes" % (len(out), n))
        out += chunk
    return out


def recv_record(sock, limit=1 << 24):
    """One record (its fragments joined); ConnectionError when the peer closes first."""
    out = b""
    while True:
        (mark,) = struct.unpack(">I", recv_exact(sock, 4))
        length = mark & 0x7FFFFFFF
        if len(out) + length > limit:
            raise ValueError("reply record over %d bytes" % limit)
        out += recv_exact(sock, length)
        if mark & LAST_FRAGMENT:
            return out


def tcp_connect(port, host="127.0.0.1", timeout=5.0):
    s = socket.create_connection((host, port), timeout=timeout)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return s


def call(port, prog, vers, proc, args=b"", transport="tcp", host="127.0.0.1", timeout=5.0):
    """One call, its Reply (None when a UDP call is not answered in time)."""
    msg = call_msg(prog, vers, proc, args)
    if transport == "tcp":
        with tcp_connect(port, host, timeout) as s:
            s.sendall(record(msg))
            return Reply(recv_record(s))
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.settimeout(timeout)
        s.sendto(msg, (host, port))
        try:
            while True:
                data, _ = s.recvfrom(65536)
                reply = Reply(data)
                if reply.xid == struct.unpack_from(">I", msg)[0]:
                    return reply
        except socket.timeout:
            return None


def rpcb_args(prog, vers, netid="", uaddr="", owner=""):
    return u32(prog) + u32(vers) + opaque(netid) + opaque(uaddr) + opaque(owner)


def decode_rpcblist(r):
    entries = []
    while r.uint():
        entries.append((r.uint(), r.uint(), r.string(), r.string(), r.string()))
    return entries


def decode_pmaplist(r):
    entries = []
    while r.uint():
        entries.append((r.uint(), r.uint(), r.uint(), r.uint()))
    return entries


def dump(port, transport="tcp"):
    reply = call(port, PMAP_PROG, 4, 4, b"", transport)
    if reply is None or reply.accept_stat != SUCCESS:
        raise RuntimeError("DUMP: " + ("no reply" if reply is None else reply.describe()))
    return decode_rpcblist(reply.results)


def getaddr(port, prog, vers, transport="tcp"):
    reply = call(port, PMAP_PROG, 4, 3, rpcb_args(prog, vers), transport)
    if reply is None or reply.accept_stat != SUCCESS:
        raise RuntimeError("GETADDR: " + ("no reply" if reply is None else reply.describe()))
    return reply.results.string()


def main(argv):
    if len(argv) < 3:
        print(__doc__, file=sys.stderr)
        return 2
    command, port, rest = argv[1], int(argv[2]), argv[3:]
    try:
        if command == "dump":
            for e in dump(port, *rest[:1]):
                print("%d %d %s %s %s" % e)
        elif command == "pmapdump":
            reply = call(port, PMAP_PROG, 2, 4, b"", *rest[:1])
            if reply is None or reply.accept_stat != SUCCESS:
                raise RuntimeError("PMAP DUMP: " + ("no reply" if reply is None else reply.describe()))
            for e in decode_pmaplist(reply.results):
                print("%d %d %d %d" % e)
        elif command == "getaddr":
            print(getaddr(port, int(rest[0], 0), int(rest[1], 0), *rest[2:3]))
        elif command in ("set", "unset"):
            proc = 1 if command == "set" else 2
            fields = [int(rest[0], 0), int(rest[1], 0)] + rest[2:4]
            reply = call(port, PMAP_PROG, 4, proc, rpcb_args(*fields))
            if reply.accept_stat != SUCCESS:
                raise RuntimeError(command + ": " + reply.describe())
            print("true" if reply.results.uint() else "false")
        else:
            print(__doc__, file=sys.stderr)
            return 2
    except (OSError, ValueError, RuntimeError) as e:
        print("rpcb_wire %s: %s" % (command, e), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
