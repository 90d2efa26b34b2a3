#!/usr/bin/python3
"""faults.py - an HTTPS server that misbehaves on request, for cti's tests.

usage: faults.py PORT CERT KEY STORE

Python's standard library only. The first path segment picks the
behaviour; the rest of the path names a file in STORE:

  /ok/NAME             GET, HEAD (ETag, Last-Modified, Range, If-Range,
                       If-None-Match), PUT and POST (stores the body: 201
                       new, 204 replaced)
  /rst/NAME            reads the request, then resets the connection
  /cut/NAME            GET: announces the whole file, sends half, closes
                       (once per path; later hits behave as /ok/)
  /slow/NAME           GET: one byte a second
  /trickle/NAME        GET: the file NAME, its whole length announced, one
                       byte a second
  /huge/NAME           GET: a Content-Length of 10 GiB, then zeros
  /flaky/N/CODE/SECS/REST   the first N hits of this path answer CODE with
                       Retry-After SECS (none when SECS is "-"), then
                       REST is served as a path of its own
  /to-http/REST        302 to http:// on this port
  /to/REST             302 to https:// on this port, /REST
  /to-localhost/REST   307 to https://localhost on this port, /REST (another
                       origin to a client that came by 127.0.0.1)
  /loop/NAME           302 to itself
  /status/CODE/NAME    answers CODE with a short HTML body
  /hits                JSON: hits per path so far
  /log                 the request lines seen, with their auth headers
                       hashed (never in clear)
"""
import hashlib
import json
import os
import socket
import ssl
import struct
import sys
import threading
import time
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

PORT, CERT, KEY, STORE = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
LOCK = threading.Lock()
HITS = {}
LOG = []


def hit(path):
    with LOCK:
        HITS[path] = HITS.get(path, 0) + 1
        return HITS[path]


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        sys.stderr.write("faults: " + (fmt % args) + "\n")

    def finish(self):
        try:
            super().finish()
        except OSError:
            pass

    # -- helpers
    def body_in(self):
        n = int(self.headers.get("Content-Length") or 0)
        data = b""
        while len(data) < n:
            chunk = self.rfile.read(min(1 << 20, n - len(data)))
            if not chunk:
                break
            data += chunk
        return data

    def reply(self, code, body=b"", headers=()):
        self.send_response(code)
        for k, v in headers:
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def path_of(self, name):
        name = name.split("?")[0]
        if ".." in name.split("/"):
            return None
        return os.path.join(STORE, name)

    def reset(self):
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                   struct.pack("ii", 1, 0))
        self.close_connection = True
        try:
            self.connection.close()
        except OSError:
            pass

    # -- the normal behaviour
    def serve_ok(self, name, body):
        p = self.path_of(name)
        if p is None:
            return self.reply(400)
        if self.command in ("PUT", "POST"):
            existed = os.path.exists(p)
            os.makedirs(os.path.dirname(p), exist_ok=True)
            with open(p + ".part", "wb") as f:
                f.write(body)
            os.replace(p + ".part", p)
            return self.reply(204 if existed else 201)
        if not os.path.isfile(p):
            return self.reply(404, b"<html>not found</html>")
        st = os.stat(p)
        etag = '"%x-%x"' % (st.st_mtime_ns, st.st_size)
        lm = formatdate(int(st.st_mtime), usegmt=True)
        common = [("ETag", etag), ("Last-Modified", lm),
                  ("Accept-Ranges", "bytes")]
        inm = self.headers.get("If-None-Match")
        if inm is not None and inm == etag:
            return self.reply(304, b"", common)
        with open(p, "rb") as f:
            data = f.read()
        rng = self.headers.get("Range")
        ifr = self.headers.get("If-Range")
        if rng and rng.startswith("bytes=") and (ifr is None or ifr in (etag, lm)):
            first = int(rng[6:].split("-")[0])
            if first >= len(data):
                return self.reply(416, b"", [("Content-Range", "bytes */%d" % len(data))])
            return self.reply(206, data[first:], common + [
                ("Content-Range", "bytes %d-%d/%d" % (first, len(data) - 1, len(data)))])
        return self.reply(200, data, common)

    def handle_any(self):
        with LOCK:
            auth = self.headers.get("Authorization") or ""
            LOG.append("%s %s auth:%s" % (
                self.command, self.path,
                hashlib.sha256(auth.encode()).hexdigest()[:16] if auth else "-"))
        body = self.body_in() if self.command in ("PUT", "POST") else b""
        parts = self.path.lstrip("/").split("/")
        kind, rest = parts[0], "/".join(parts[1:])
        if kind == "ok":
            return self.serve_ok(rest, body)
        if kind == "hits":
            return self.reply(200, json.dumps(HITS).encode())
        if kind == "log":
            return self.reply(200, ("\n".join(LOG) + "\n").encode())
        if kind == "rst":
            return self.reset()
        if kind == "flaky":
            n, code, secs = int(parts[1]), int(parts[2]), parts[3]
            rest = "/".join(parts[4:])
            if hit(self.path) <= n:
                hdrs = [] if secs == "-" else [("Retry-After", secs)]
                return self.reply(code, b"<html>busy</html>", hdrs)
            self.path = "/" + rest
            parts = rest.split("/")
            kind, rest = parts[0], "/".join(parts[1:])
            if kind == "ok":
                return self.serve_ok(rest, body)
            return self.reply(500)
        if kind == "cut":
            p = self.path_of(rest)
            if hit(self.path) > 1:
                return self.serve_ok(rest, body)
            with open(p, "rb") as f:
                data = f.read()
            st = os.stat(p)
            self.send_response(200)
            self.send_header("Content-Length", str(len(data)))
            self.send_header("ETag", '"%x-%x"' % (st.st_mtime_ns, st.st_size))
            self.send_header("Last-Modified", formatdate(int(st.st_mtime), usegmt=True))
            self.end_headers()
            self.wfile.write(data[:len(data) // 2])
            self.wfile.flush()
            # a clean close (FIN) after half: a reset could overtake the
            # data still in flight
            self.close_connection = True
            try:
                self.connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            return
        if kind == "slow":
            self.send_response(200)
            self.send_header("Content-Length", "100000")
            self.end_headers()
            for _ in range(100000):
                try:
                    self.wfile.write(b"x")
                    self.wfile.flush()
                except OSError:
                    return
                time.sleep(1)
            return
        if kind == "trickle":
            p = self.path_of(rest)
            if p is None or not os.path.isfile(p):
                return self.reply(404, b"<html>not found</html>")
            with open(p, "rb") as f:
                data = f.read()
            self.send_response(200)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            for i in range(len(data)):
                try:
                    self.wfile.write(data[i:i + 1])
                    self.wfile.flush()
                except OSError:
                    return
                time.sleep(1)
            return
        if kind == "huge":
            self.send_response(200)
            self.send_header("Content-Length", str(10 << 30))
            self.end_headers()
            zeros = b"\0" * (1 << 16)
            try:
                for _ in range((10 << 30) // len(zeros)):
                    self.wfile.write(zeros)
            except OSError:
                pass
            self.close_connection = True
            return
        if kind == "to-http":
            return self.reply(302, b"", [("Location", "http://127.0.0.1:%d/%s" % (PORT, rest))])
        if kind == "to":
            return self.reply(302, b"", [("Location", "https://127.0.0.1:%d/%s" % (PORT, rest))])
        if kind == "to-localhost":
            return self.reply(307, b"", [("Location", "https://localhost:%d/%s" % (PORT, rest))])
        if kind == "loop":
            return self.reply(302, b"", [("Location", self.path)])
        if kind == "status":
            return self.reply(int(parts[1]), b"<html>status</html>")
        return self.reply(404, b"<html>no such behaviour</html>")

    do_GET = do_HEAD = do_PUT = do_POST = do_DELETE = handle_any


class Server(ThreadingHTTPServer):
    daemon_threads = True

    def get_request(self):
        sock, addr = super().get_request()
        sock.settimeout(60)
        return sock, addr


def main():
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(CERT, KEY)
    srv = Server(("127.0.0.1", PORT), Handler)
    srv.socket = ctx.wrap_socket(srv.socket, server_side=True,
                                 do_handshake_on_connect=False)
    srv.serve_forever()


if __name__ == "__main__":
    main()
