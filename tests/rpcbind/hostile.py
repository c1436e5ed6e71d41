#!/usr/bin/env python3
"""hostile.py PORT PID [indirect] — hostile input against a running nelson-rpcbind on 127.0.0.1:PORT (TCP
and UDP) whose process is PID (for its VmRSS). Run by hostile_test.sh; exit 0 when every check
passed, 1 otherwise, with one line per check.

  1. The "rpcbomb" (CVE-2017-8779): calls to GETADDR, SET, UNSET, GETVERSADDR, GETADDRLIST,
     UADDR2TADDR, TADDR2UADDR, PMAP CALLIT, v3 CALLIT, v4 BCAST and INDIRECT, and calls whose
     credential claims, each with a string or opaque that claims ~4 GiB (0xFFFFFF00 and
     neighbours) in a packet of ~100 bytes: 2000 of them over UDP and TCP. rpcbind allocated
     what the length said and never freed it; here every one must be answered GARBAGE_ARGS (or an
     AUTH_ERROR for a credential, or not at all), and VmRSS may not grow by more than 4 MiB.
  2. Truncated headers, over UDP and as TCP records: no SUCCESS, and the socket keeps serving.
  3. Random bytes over UDP and TCP.
  4. TCP record marks claiming 2 GiB (last fragment or not): the connection is closed at once.
  5. Fragments: a call in 1-byte fragments and one after 10,000 empty fragments are answered;
     70,000 empty fragments, or 17 fragments of 64 KiB (over the 1 MiB record bound), close
     the connection.
  6. 100 connections holding half a record do not stop others from being served.
  7. With "indirect" (the daemon runs with --allow-indirect): INDIRECT and CALLIT to the
     portmapper's own SET are refused, and 300 INDIRECT calls to a UDP port that never answers
     are all answered SYSTEM_ERR (at once beyond the bound of calls in flight, the others at
     their timeout), while UDP calls are still answered at once.
Between the groups and at the end the daemon must answer NULL over TCP and UDP, and at the end
GETADDR and DUMP with the registration made at the start.
"""
import os
import random
import socket
import struct
import sys
import time

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import rpcb_wire as w  # noqa: E402

PORT = int(sys.argv[1])
PID = int(sys.argv[2])
INDIRECT = sys.argv[3:] == ["indirect"]
PROG = 0x20000099
HUGE_LENGTHS = (0xFFFFFF00, 0xFFFFFFFF, 0x7FFFFFFF, 0x80000000, 0x10000000)
RSS_GROWTH_LIMIT_KB = 4096

failures = 0
rng = random.Random(8779)


def report(ok, what):
    global failures
    if not ok:
        failures += 1
    print("%-4s  %s" % ("ok" if ok else "FAIL", what), flush=True)


def rss_kb():
    with open("/proc/%d/status" % PID) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise RuntimeError("no VmRSS for %d" % PID)


def alive(after):
    """NULL over TCP and UDP answered SUCCESS: the daemon still serves both."""
    try:
        tcp = w.call(PORT, w.PMAP_PROG, 4, 0, b"", "tcp", timeout=10)
        udp = w.call(PORT, w.PMAP_PROG, 2, 0, b"", "udp", timeout=10)
        ok = tcp is not None and tcp.accept_stat == w.SUCCESS and udp is not None and udp.accept_stat == w.SUCCESS
        report(ok, "after %s: NULL answered over TCP and UDP" % after)
    except (OSError, ValueError) as e:
        report(False, "after %s: NULL failed: %s" % (after, e))


def expect_closed(sock, timeout=5.0):
    """Reads until the peer closes; True when it does within `timeout` (a reset counts)."""
    sock.settimeout(timeout)
    try:
        while sock.recv(65536):
            pass
        return True
    except (ConnectionResetError, BrokenPipeError):
        return True
    except socket.timeout:
        return False


def send_quietly(sock, data):
    """sendall that accepts the peer closing part way (what a bounded server does)."""
    try:
        sock.sendall(data)
        return True
    except (ConnectionResetError, BrokenPipeError):
        return False


# --- 1. the rpcbomb ---------------------------------------------------------------------------

def bombs():
    """(name, prog, vers, proc, args-or-None, header-or-None): ~100-byte calls claiming ~4 GiB."""
    junk = lambda n: bytes(rng.randrange(256) for _ in range(n))  # noqa: E731
    out = []
    for huge in HUGE_LENGTHS:
        big = w.u32(huge) + junk(60)
        for vers in (3, 4):
            out.append(("v%d GETADDR r_netid" % vers, vers, 3, w.u32(PROG) + w.u32(1) + big))
            out.append(("v%d GETADDR r_addr" % vers, vers, 3, w.u32(PROG) + w.u32(1) + w.opaque("tcp") + big))
            out.append(("v%d SET r_owner" % vers, vers, 1,
                        w.u32(PROG) + w.u32(1) + w.opaque("tcp") + w.opaque("0.0.0.0.78.131") + big))
            out.append(("v%d UNSET r_netid" % vers, vers, 2, w.u32(PROG) + w.u32(1) + big))
            out.append(("v%d UADDR2TADDR" % vers, vers, 7, big))
            out.append(("v%d TADDR2UADDR netbuf" % vers, vers, 8, w.u32(16) + big))
        out.append(("v2 PMAP CALLIT args", 2, 5, w.u32(PROG) + w.u32(1) + w.u32(0) + big))
        out.append(("v3 CALLIT args", 3, 5, w.u32(PROG) + w.u32(1) + w.u32(0) + big))
        out.append(("v4 BCAST args", 4, 5, w.u32(PROG) + w.u32(1) + w.u32(0) + big))
        out.append(("v4 INDIRECT args", 4, 10, w.u32(PROG) + w.u32(1) + w.u32(0) + big))
        out.append(("v4 GETVERSADDR r_netid", 4, 9, w.u32(PROG) + w.u32(1) + big))
        out.append(("v4 GETADDRLIST r_owner", 4, 11,
                    w.u32(PROG) + w.u32(1) + w.opaque("tcp") + w.opaque("") + big))
    return out


def bomb_message(bomb, xid, cred_bomb):
    name, vers, proc, args = bomb
    if not cred_bomb:
        return w.call_header(xid, w.PMAP_PROG, vers, proc) + args
    # The credential itself claims: an AUTH_SYS body of ~4 GiB, or a machine name of ~4 GiB
    # inside a body of a plausible length.
    huge = rng.choice(HUGE_LENGTHS)
    head = w.u32(xid) + w.u32(w.CALL) + w.u32(2) + w.u32(w.PMAP_PROG) + w.u32(vers) + w.u32(proc)
    if rng.random() < 0.5:
        return head + w.u32(1) + w.u32(huge) + os.urandom(60)
    body = w.u32(0) + w.u32(huge) + os.urandom(40)
    return head + w.u32(1) + w.opaque(body) + w.u32(0) + w.u32(0) + args


def acceptable(reply, cred_bomb):
    if reply.accepted:
        return reply.accept_stat == w.GARBAGE_ARGS
    return cred_bomb  # MSG_DENIED (AUTH_ERROR) is right for a bad credential


class Tally:
    def __init__(self):
        self.counts = {}
        self.wrong = []
        self.sizes = []

    def add(self, bomb, reply, cred_bomb):
        key = "no reply" if reply is None else reply.describe()
        self.counts[key] = self.counts.get(key, 0) + 1
        if reply is not None and not acceptable(reply, cred_bomb):
            self.wrong.append("%s%s: %s" % (bomb[0], " (credential)" if cred_bomb else "", key))


def bomb_udp(count, tally):
    all_bombs = bombs()
    sent = 0
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        while sent < count:
            pending = {}
            for _ in range(min(25, count - sent)):
                bomb = rng.choice(all_bombs)
                cred_bomb = rng.random() < 0.15
                xid = w.next_xid()
                msg = bomb_message(bomb, xid, cred_bomb)
                tally.sizes.append(len(msg))
                pending[xid] = (bomb, cred_bomb)
                s.sendto(msg, ("127.0.0.1", PORT))
                sent += 1
            s.settimeout(2.0)
            try:
                while pending:
                    data, _ = s.recvfrom(65536)
                    reply = w.Reply(data)
                    if reply.xid in pending:
                        bomb, cred_bomb = pending.pop(reply.xid)
                        tally.add(bomb, reply, cred_bomb)
            except socket.timeout:
                pass
            for bomb, cred_bomb in pending.values():
                tally.add(bomb, None, cred_bomb)


def bomb_tcp(count, tally):
    all_bombs = bombs()
    s = None
    reconnects = 0
    for _ in range(count):
        if s is None:
            s = w.tcp_connect(PORT)
        bomb = rng.choice(all_bombs)
        cred_bomb = rng.random() < 0.15
        xid = w.next_xid()
        msg = bomb_message(bomb, xid, cred_bomb)
        tally.sizes.append(len(msg))
        try:
            s.sendall(w.record(msg))
            reply = w.Reply(w.recv_record(s))
            tally.add(bomb, reply if reply.xid == xid else None, cred_bomb)
        except (ConnectionError, socket.timeout):
            tally.add(bomb, None, cred_bomb)
            s.close()
            s = None
            reconnects += 1
    if s is not None:
        s.close()
    return reconnects


def rpcbomb():
    before = rss_kb()
    udp, tcp = Tally(), Tally()
    bomb_udp(1500, udp)
    reconnects = bomb_tcp(500, tcp)
    after = rss_kb()
    sizes = udp.sizes + tcp.sizes
    for name, tally in (("UDP", udp), ("TCP", tcp)):
        summary = ", ".join("%d %s" % (n, k) for k, n in sorted(tally.counts.items()))
        report(not tally.wrong, "rpcbomb over %s (%d calls of %d-%d bytes): %s" %
               (name, sum(tally.counts.values()), min(sizes), max(sizes), summary))
        for line in tally.wrong[:10]:
            print("        wrong answer: " + line)
    print("      TCP connections closed by the daemon: %d" % reconnects)
    report(after - before <= RSS_GROWTH_LIMIT_KB,
           "rpcbomb: VmRSS %d kB -> %d kB (%+d kB; limit +%d kB)" % (before, after, after - before,
                                                                      RSS_GROWTH_LIMIT_KB))
    alive("the rpcbomb")


# --- 2. truncated headers ---------------------------------------------------------------------

def truncated():
    header = w.call_header(w.next_xid(), w.PMAP_PROG, 4, 3)  # GETADDR, 40 bytes
    full = header + w.rpcb_args(PROG, 1, "tcp")
    bad = 0
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        for n in range(len(full)):
            s.sendto(full[:n], ("127.0.0.1", PORT))
        s.settimeout(1.0)
        try:
            while True:
                reply = w.Reply(s.recvfrom(65536)[0])
                if reply.accepted and reply.accept_stat == w.SUCCESS:
                    bad += 1
        except socket.timeout:
            pass
    report(bad == 0, "UDP: %d truncated calls (0-%d bytes) got no SUCCESS" % (len(full), len(full) - 1))
    # TCP: each as a whole record, then a good NULL call on the same connection: the daemon
    # answers that or closes the connection, and answers nothing truncated with SUCCESS.
    outcomes = {}
    for n in range(len(full)):
        with w.tcp_connect(PORT) as s:
            null = w.call_msg(w.PMAP_PROG, 4, 0)
            s.sendall(w.record(full[:n]) + w.record(null))
            s.settimeout(5.0)
            try:
                while True:
                    reply = w.Reply(w.recv_record(s))
                    if reply.xid == struct.unpack_from(">I", null)[0]:
                        outcome = "then NULL answered"
                        break
                    if reply.accepted and reply.accept_stat == w.SUCCESS:
                        outcome = "SUCCESS to a truncated call"
                        break
            except ConnectionError:
                outcome = "closed"
            except socket.timeout:
                outcome = "no answer, not closed"
            outcomes[outcome] = outcomes.get(outcome, 0) + 1
    summary = ", ".join("%d %s" % (v, k) for k, v in sorted(outcomes.items()))
    report(set(outcomes) <= {"then NULL answered", "closed"}, "TCP: %d truncated records: %s" % (len(full), summary))
    alive("truncated headers")


# --- 3. random bytes --------------------------------------------------------------------------

def random_bytes():
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        for _ in range(500):
            s.sendto(rng.randbytes(rng.randrange(0, 1400)), ("127.0.0.1", PORT))
    report(True, "UDP: 500 random datagrams of 0-1399 bytes sent")
    closed = 0
    for i in range(30):
        with w.tcp_connect(PORT) as s:
            data = rng.randbytes(rng.randrange(1, 4000))
            if i % 2:
                data = w.u32(w.LAST_FRAGMENT | (len(data) - 4)) + data[4:]  # a plausible record of garbage
            send_quietly(s, data)
            try:
                s.shutdown(socket.SHUT_WR)
            except OSError:
                pass
            closed += expect_closed(s)
    report(closed == 30, "TCP: 30 connections of random bytes, then EOF: %d closed by the daemon" % closed)
    alive("random bytes")


# --- 4. record marks claiming 2 GiB -----------------------------------------------------------

def huge_marks():
    for mark, what in ((0xFFFFFFFF, "last fragment of 2 GiB - 1"), (0x7FFFFFFF, "fragment of 2 GiB - 1, not last"),
                       (0x80100001, "last fragment of 1 MiB + 1")):
        with w.tcp_connect(PORT) as s:
            start = time.monotonic()
            send_quietly(s, w.u32(mark) + w.call_msg(w.PMAP_PROG, 4, 0) + b"\0" * 1000)
            closed = expect_closed(s)
            report(closed, "TCP: a record mark 0x%08x (%s): %s after %.2f s" %
                   (mark, what, "closed" if closed else "not closed", time.monotonic() - start))
    alive("huge record marks")


# --- 5. fragments -----------------------------------------------------------------------------

def answered_on(s, msg, what):
    try:
        s.settimeout(10.0)
        reply = w.Reply(w.recv_record(s))
        ok = reply.xid == struct.unpack_from(">I", msg)[0] and reply.accept_stat == w.SUCCESS
        report(ok, "%s: %s" % (what, reply.describe()))
    except (ConnectionError, socket.timeout) as e:
        report(False, "%s: %s" % (what, e))


def fragments():
    msg = w.call_msg(w.PMAP_PROG, 4, 0)
    with w.tcp_connect(PORT) as s:
        pieces = b"".join(w.u32(1) + msg[i:i + 1] for i in range(len(msg) - 1))
        s.sendall(pieces + w.u32(w.LAST_FRAGMENT | 1) + msg[-1:])
        answered_on(s, msg, "TCP: a NULL call in %d fragments of 1 byte" % len(msg))
    msg = w.call_msg(w.PMAP_PROG, 4, 0)
    with w.tcp_connect(PORT) as s:
        s.sendall(w.u32(0) * 10000 + w.record(msg))
        answered_on(s, msg, "TCP: a NULL call after 10,000 empty fragments")
    with w.tcp_connect(PORT) as s:
        send_quietly(s, w.u32(0) * 70000 + w.record(w.call_msg(w.PMAP_PROG, 4, 0)))
        report(expect_closed(s), "TCP: 70,000 empty fragments: closed")
    with w.tcp_connect(PORT) as s:
        chunk = w.u32(65536) + b"\0" * 65536
        send_quietly(s, chunk * 17 + w.record(w.call_msg(w.PMAP_PROG, 4, 0)))
        report(expect_closed(s), "TCP: 17 fragments of 64 KiB (a record over 1 MiB): closed")
    alive("fragments")


# --- 6. half records held open ----------------------------------------------------------------

def half_open():
    held = []
    try:
        for _ in range(100):
            s = w.tcp_connect(PORT)
            s.sendall(w.u32(w.LAST_FRAGMENT | 100) + b"\0" * 10)
            held.append(s)
        alive("100 connections holding half a record (while held)")
    finally:
        for s in held:
            s.close()


# --- 7. indirect calls (only against a daemon run with --allow-indirect) -----------------------

def indirect():
    """Forwarding as an attacker would use it: through the portmapper to itself (a SET laundered
    into a local call), and a flood to a registered UDP port that never answers, which must be
    bounded (ServiceOptions::max_indirect_in_flight) and answered SYSTEM_ERR, not queued, while the
    portmapper keeps answering UDP."""
    laundered = w.rpcb_args(PROG + 7, 1, "udp", "0.0.0.0.78.131")
    r = w.call(PORT, w.PMAP_PROG, 4, 10, w.u32(w.PMAP_PROG) + w.u32(4) + w.u32(1) + w.opaque(laundered), "udp",
               timeout=3)
    report(r is not None and not r.accepted and r.results.uint() == 5,
           "INDIRECT to the portmapper's own SET: %s (want AUTH_ERROR, AUTH_TOOWEAK)" %
           ("no reply" if r is None else r.describe()))
    r = w.call(PORT, w.PMAP_PROG, 2, 5, w.u32(w.PMAP_PROG) + w.u32(2) + w.u32(1) + w.opaque(laundered), "udp",
               timeout=1)
    report(r is None, "PMAP CALLIT to the portmapper's own SET: %s (want silence)" %
           ("no reply" if r is None else r.describe()))
    report(w.getaddr(PORT, PROG + 7, 1, "udp") == "", "the laundered SET registered nothing")

    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as dead, \
            socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        dead.bind(("127.0.0.1", 0))  # bound, never read: forwarded calls go unanswered
        dead_port = dead.getsockname()[1]
        uaddr = "127.0.0.1.%d.%d" % (dead_port >> 8, dead_port & 255)
        reg = w.call(PORT, w.PMAP_PROG, 4, 1, w.rpcb_args(PROG + 8, 1, "udp", uaddr))
        report(reg is not None and reg.results.uint() == 1, "SET %d v1 udp at %s (nobody answers)" % (PROG + 8, uaddr))
        before = rss_kb()
        sent_at, answers = {}, {}

        def send(n):
            for _ in range(n):
                xid = w.next_xid()
                sent_at[xid] = time.monotonic()
                s.sendto(w.call_header(xid, w.PMAP_PROG, 4, 10) + w.u32(PROG + 8) + w.u32(1) + w.u32(0) +
                         w.opaque(b"x" * 64), ("127.0.0.1", PORT))

        def collect(want, timeout):
            s.settimeout(timeout)
            try:
                while len(answers) < want:
                    reply = w.Reply(s.recvfrom(65536)[0])
                    if reply.xid in sent_at and reply.xid not in answers:
                        answers[reply.xid] = (reply.describe(), time.monotonic() - sent_at[reply.xid])
            except socket.timeout:
                pass

        # 64 at once, more than the daemon forwards at a time, then the rest in groups of 16,
        # each group's refusals read before the next is sent: a slow (sanitizer) daemon must not
        # lose them in its socket's receive queue.
        send(64)
        while len(sent_at) < 300:
            send(min(16, 300 - len(sent_at)))
            collect(len(sent_at) - 64, 2.0)
        sending = max(sent_at.values()) - min(sent_at.values())
        # Meanwhile the portmapper serves UDP as ever: a forwarded call holds its datagram's
        # receive buffer until it is answered, and the in-flight bound must leave it buffers to
        # receive into (io_uring's datagram ring has 64).
        t = time.monotonic()
        null = w.call(PORT, w.PMAP_PROG, 4, 0, b"", "udp", timeout=2.5)
        took = time.monotonic() - t
        report(null is not None and null.accept_stat == w.SUCCESS and took < 1.5,
               "while they are forwarded: NULL over UDP answered after %.2f s" % took if null is not None else
               "while they are forwarded: NULL over UDP not answered within 2.5 s")
        collect(300, 10.0)
        stats = {}
        for what, delay in answers.values():
            stats.setdefault(what, []).append(delay)
        summary = ", ".join("%d %s (%.1f-%.1f s)" % (len(t), k, min(t), max(t)) for k, t in sorted(stats.items()))
        unanswered = 300 - len(answers)
        report(not unanswered and set(stats) == {"SYSTEM_ERR"},
               "300 INDIRECT calls to it: %s%s" % (summary, ", %d unanswered" % unanswered if unanswered else ""))
        # The forwarding timeout is 3 s: the calls answered 2 s or more after they were sent had
        # been forwarded, the others were refused at once. While the calls are sent (within 2 s),
        # none of the forwarded ones has timed out yet: their number is the daemon's bound.
        late = sum(1 for what, delay in answers.values() if delay >= 2.0)
        report(1 <= late < 64 and sending < 2.0,
               "%d of them forwarded and timed out (fewer than io_uring's 64 datagram buffers), %d refused at once;"
               " sent in %.2f s" % (late, len(answers) - late, sending))
        report(rss_kb() - before <= RSS_GROWTH_LIMIT_KB, "VmRSS %d kB -> %d kB" % (before, rss_kb()))
        w.call(PORT, w.PMAP_PROG, 4, 2, w.rpcb_args(PROG + 8, 1))
    alive("indirect calls")


def main():
    reg = w.call(PORT, w.PMAP_PROG, 4, 1, w.rpcb_args(PROG, 1, "tcp", "0.0.0.0.78.131"))
    report(reg is not None and reg.accept_stat == w.SUCCESS and reg.results.uint() == 1,
           "SET %d v1 tcp at 0.0.0.0.78.131 (over TCP from loopback)" % PROG)
    # A few ordinary calls first, so the allocator's pools exist before the baseline.
    for _ in range(50):
        w.dump(PORT, "udp")
    steps = [rpcbomb, truncated, random_bytes, huge_marks, fragments, half_open]
    if INDIRECT:
        steps.append(indirect)
    for step in steps:
        step()
    tcp_addr = w.getaddr(PORT, PROG, 1, "tcp")
    report(tcp_addr == "127.0.0.1.78.131", "GETADDR %d v1 over TCP: %r" % (PROG, tcp_addr))
    udp_addr = w.getaddr(PORT, w.PMAP_PROG, 4, "udp")
    want = "127.0.0.1.%d.%d" % (PORT >> 8, PORT & 255)
    report(udp_addr == want, "GETADDR 100000 v4 over UDP: %r (want %r)" % (udp_addr, want))
    entries = w.dump(PORT, "tcp")
    report((PROG, 1, "tcp", "0.0.0.0.78.131", "unknown") in entries and len(entries) >= 7,
           "DUMP: %d entries, with %d v1 tcp" % (len(entries), PROG))
    print("      VmRSS at the end: %d kB" % rss_kb())
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
