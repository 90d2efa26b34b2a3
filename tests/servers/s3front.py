#!/usr/bin/python3
"""s3front.py - an HTTPS front for an S3 emulator that checks Signature V4.

usage: s3front.py serve --port N --cert PEM --key PEM --backend PORT
                        --credentials FILE --log FILE [OPTION...]
       s3front.py sign --endpoint URL [--region R] [--date STAMP]
                       [--payload HASH | --body FILE] [--header 'NAME: VALUE']...
                       METHOD PATH
       s3front.py selftest

Debian's Python standard library only (/usr/bin/python3).

serve: listens on 127.0.0.1:N over TLS (CERT and KEY) and checks every
request as S3 does, with a Signature V4 implementation of its own: the
Authorization header (AWS4-HMAC-SHA256), the key id against FILE, the
credential scope (date, region, "s3", "aws4_request"), the clock (15
minutes either way), x-amz-content-sha256 (present; UNSIGNED-PAYLOAD or
the SHA-256 of the body, which is then checked), every x-amz-* header
signed, the session token of a temporary key. A request that passes goes
to the emulator on 127.0.0.1:PORT (plain HTTP; its key id replaced by the
emulator's, which checks no signature) and its answer comes back; bodies
stream both ways in 1 MiB pieces, whatever their size (a body with a
SHA-256 to check waits in an unlinked file beside the log until it is
checked, so that the emulator never stores a body that does not match).
A request that fails gets S3's answer: status and XML error
(<Error><Code>..</Code><Message>..</Message>...</Error>):

  no Authorization header                  403 AccessDenied
  another algorithm than AWS4-HMAC-SHA256  400 InvalidRequest
  a malformed Authorization, a scope of
  another date, service or region          400 AuthorizationHeaderMalformed
  an unknown key id                        403 InvalidAccessKeyId
  no valid x-amz-date (or Date)            403 AccessDenied
  a clock more than 15 minutes off         403 RequestTimeTooSkewed
  no x-amz-content-sha256                  400 InvalidRequest
  x-amz-content-sha256 neither a SHA-256
  nor UNSIGNED-PAYLOAD                     400 InvalidArgument
  an x-amz-* header not signed, host not
  signed, a signed header not sent         403 AccessDenied
  a wrong signature                        403 SignatureDoesNotMatch
  a temporary key without its token        403 InvalidAccessKeyId
  a wrong token, a token for a
  permanent key                            400 InvalidToken
  a body that does not match its SHA-256   400 XAmzContentSHA256Mismatch
  a body without Content-Length (chunked)  411 MissingContentLength

(S3's codes: a missing or mismatched x-amz-content-sha256 is a 400, not a
403.) If-Match (412 PreconditionFailed) and If-Range (with a Range: an ETag
or a date that is not the object's gets the whole object, 200) are done
here, as S3 does them: the emulator ignores both. Presigned URLs (X-Amz-Signature in the query) are not accepted. An
"Expect: 100-continue" gets its 100 only once the request is checked, so a
refused upload is not sent. An error answer to a HEAD has no body.

The canonical request follows the S3 rules: the path percent-decoded, then
each byte but A-Z a-z 0-9 - . _ ~ and "/" encoded as %XX (upper case),
once, without removing "." or ".." segments; the query's names and values
decoded and encoded the same way ("/" too), a parameter without "=" taken
as NAME=, sorted by name then value; the signed headers' names in lower
case, sorted bytewise (a client that sorted them otherwise signed another
string), their values trimmed with inner runs of spaces made one, several
of one name joined by ","; the payload hash as sent in
x-amz-content-sha256.

  --credentials FILE   lines "KEY_ID SECRET [SESSION_TOKEN]" ("#" starts a
                       comment); a key with a token is a temporary one
  --log FILE           one JSON line per request, written when its status
                       is known (before its body is sent): method, path and
                       query (as sent), key_id, signed (the signed header
                       names, as listed), sig_ok (the signature was checked
                       and good), status, code (the S3 error code or null),
                       content_sha256, headers (the request's headers but
                       Authorization and X-Amz-Security-Token, names in
                       lower case), and cut (true when --cut-body cut it)
  --region R           the region signatures must name (default us-east-1)
  --clock-offset SECS  the front's clock runs SECS (may be negative) off
  --fail-first N STATUS
                       the first N requests for objects (a path with a key;
                       bucket requests are not counted) get STATUS with an
                       S3 XML error (SlowDown for 429 and 503, InternalError
                       for 500, ...), before any check
  --retry-after SECS   Retry-After of those 429 and 503 answers (default 1;
                       "-": none)
  --cut-body           the first GET whose answer has a body of 2 bytes or
                       more gets its whole Content-Length announced, half
                       of the body, and the connection closed

sign: prints the headers that sign METHOD PATH (a path and query, as sent)
to the endpoint URL (https://HOST[:PORT]) with the credentials
in AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY (and AWS_SESSION_TOKEN) as
"Name: value" lines, for curl -H @FILE: X-Amz-Date, X-Amz-Content-Sha256
(--payload: a hash, UNSIGNED-PAYLOAD, or "-" to sign UNSIGNED-PAYLOAD and
send no such header; --body FILE: that file's SHA-256; default: the empty
string's), X-Amz-Security-Token, each --header (signed too), and
Authorization. The host signed is URL's HOST[:PORT], as curl sends it.
--date STAMP (YYYYMMDDTHHMMSSZ) signs for another time than now.

selftest: checks the canonical request and signature code against AWS's
published S3 examples; prints what differs, exits 0 or 1.
"""
import argparse
import hashlib
import hmac
import http.client
import json
import os
import re
import ssl
import sys
import tempfile
import threading
import time
import urllib.parse
from datetime import datetime, timezone
from email.utils import formatdate, parsedate_to_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from xml.sax.saxutils import escape

ALGORITHM = "AWS4-HMAC-SHA256"
EMPTY_SHA256 = hashlib.sha256(b"").hexdigest()
UNSIGNED = "UNSIGNED-PAYLOAD"
MAX_SKEW = 15 * 60
PIECE = 1024 * 1024
# the emulator's own key id (it checks that the id exists, not signatures)
BACKEND_KEY_ID = "S3RVER"
HOP_BY_HOP = {"connection", "keep-alive", "proxy-connection", "te", "trailer",
              "transfer-encoding", "upgrade", "expect"}
UNRESERVED = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                       b"0123456789-._~")
SHA256_HEX = re.compile(r"[0-9a-f]{64}\Z")
STAMP = re.compile(r"(\d{8})T\d{6}Z\Z")


# --- Signature V4 -------------------------------------------------------------

def uri_encode(raw, keep_slash):
    """Percent-encode the bytes raw as S3's UriEncode: unreserved kept, "/"
    kept when keep_slash, everything else %XX in upper case."""
    out = []
    for b in raw:
        if b in UNRESERVED or (keep_slash and b == 0x2F):
            out.append(chr(b))
        else:
            out.append("%%%02X" % b)
    return "".join(out)


def canonical_uri(path):
    """The path as sent (without the query), decoded once, encoded once."""
    if not path:
        return "/"
    return uri_encode(urllib.parse.unquote_to_bytes(path), True)


def canonical_query(query):
    pairs = []
    for part in query.split("&") if query else ():
        if not part:
            continue
        name, _, value = part.partition("=")
        pairs.append((uri_encode(urllib.parse.unquote_to_bytes(name), False),
                      uri_encode(urllib.parse.unquote_to_bytes(value), False)))
    pairs.sort()
    return "&".join(n + "=" + v for n, v in pairs)


def header_value(values):
    """Several values of one header, each trimmed, inner spaces squeezed."""
    return ",".join(" ".join(v.split()) for v in values)


def canonical_request(method, target, headers, signed, payload_hash):
    """headers: [(name, value)] as received; signed: lower-case names, in
    the order wanted. Returns the canonical request, or raises KeyError
    naming a signed header that is not in headers."""
    path, _, query = target.partition("?")
    values = {}
    for name, value in headers:
        values.setdefault(name.lower(), []).append(value)
    lines = [method, canonical_uri(path), canonical_query(query)]
    for name in signed:
        if name not in values:
            raise KeyError(name)
        lines.append(name + ":" + header_value(values[name]))
    lines += ["", ";".join(signed), payload_hash]
    return "\n".join(lines)


def hmac256(key, text):
    return hmac.new(key, text.encode(), hashlib.sha256).digest()


def string_to_sign(stamp, scope, canonical):
    return "\n".join([ALGORITHM, stamp, scope,
                      hashlib.sha256(canonical.encode()).hexdigest()])


def signature(secret, scope, to_sign):
    """scope: DATE/REGION/SERVICE/aws4_request."""
    key = ("AWS4" + secret).encode()
    for part in scope.split("/"):
        key = hmac256(key, part)
    return hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()


def sign_headers(method, target, host, headers, payload_hash, key_id, secret,
                 region, stamp, send_payload_hash=True):
    """The headers to add to sign the request: [(name, value)]. headers are
    the request's own ones to sign besides host and x-amz-*."""
    add = [("X-Amz-Date", stamp)]
    if send_payload_hash:
        add.append(("X-Amz-Content-Sha256", payload_hash))
    everything = [("Host", host)] + add + list(headers)
    signed = sorted({n.lower() for n, _ in everything})
    canonical = canonical_request(method, target, everything, signed,
                                  payload_hash)
    scope = "%s/%s/s3/aws4_request" % (stamp[:8], region)
    sig = signature(secret, scope, string_to_sign(stamp, scope, canonical))
    auth = "%s Credential=%s/%s, SignedHeaders=%s, Signature=%s" % (
        ALGORITHM, key_id, scope, ";".join(signed), sig)
    return add + list(headers) + [("Authorization", auth)]


def parse_authorization(value):
    """"AWS4-HMAC-SHA256 Credential=..., SignedHeaders=..., Signature=..."
    -> dict with credential, signed (list) and signature; None when
    malformed."""
    if not value.startswith(ALGORITHM + " "):
        return None
    fields = {}
    for part in value[len(ALGORITHM) + 1:].split(","):
        name, eq, val = part.strip().partition("=")
        if not eq or name in fields:
            return None
        fields[name] = val
    if set(fields) != {"Credential", "SignedHeaders", "Signature"}:
        return None
    cred = fields["Credential"].split("/")
    if len(cred) != 5 or not fields["SignedHeaders"]:
        return None
    return {"key_id": cred[0], "scope": cred[1:], "signed":
            fields["SignedHeaders"].split(";"), "signature": fields["Signature"]}


# --- the server -----------------------------------------------------------------

class Refusal(Exception):
    def __init__(self, status, code, message, **extra):
        super().__init__(code)
        self.status, self.code, self.message, self.extra = \
            status, code, message, extra


def error_xml(code, message, extra, request_id):
    items = [("Code", code), ("Message", message)] + list(extra.items()) + \
        [("RequestId", request_id), ("HostId", request_id)]
    return ('<?xml version="1.0" encoding="UTF-8"?>\n<Error>' +
            "".join("<%s>%s</%s>" % (k, escape(str(v)), k) for k, v in items) +
            "</Error>").encode()


ERROR_CODES = {400: "InvalidRequest", 403: "AccessDenied", 404: "NoSuchKey",
               409: "OperationAborted", 429: "SlowDown", 500: "InternalError",
               501: "NotImplemented", 503: "SlowDown"}
ERROR_MESSAGES = {"SlowDown": "Please reduce your request rate.",
                  "InternalError": "We encountered an internal error. "
                                   "Please try again."}


class Front:
    """What the handler threads share: options, credentials, counters, the
    log."""

    def __init__(self, opts):
        self.opts = opts
        self.keys = {}
        with open(opts.credentials, encoding="utf-8") as f:
            for line in f:
                words = line.split("#", 1)[0].split()
                if not words:
                    continue
                if len(words) not in (2, 3):
                    sys.exit("s3front: %s: a line is not KEY_ID SECRET "
                             "[TOKEN]" % opts.credentials)
                self.keys[words[0]] = (words[1], words[2] if len(words) == 3
                                       else None)
        self.lock = threading.Lock()
        self.failures_left = opts.fail_first[0] if opts.fail_first else 0
        self.cut_left = 1 if opts.cut_body else 0
        self.tmpdir = os.path.dirname(os.path.abspath(opts.log))
        self.log = open(opts.log, "a", encoding="utf-8")

    def now(self):
        return time.time() + self.opts.clock_offset

    def take(self, what):
        """Take one of the faults counted by attribute what; True if taken."""
        with self.lock:
            left = getattr(self, what)
            if left > 0:
                setattr(self, what, left - 1)
                return True
            return False

    def write_log(self, entry):
        line = json.dumps(entry, sort_keys=True) + "\n"
        with self.lock:
            self.log.write(line)
            self.log.flush()


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "s3front"
    front = None  # set by serve()

    def log_message(self, fmt, *args):
        sys.stderr.write("s3front: " + (fmt % args) + "\n")

    def setup(self):
        super().setup()
        self.request.do_handshake()

    def finish(self):
        try:
            super().finish()
        except OSError:
            pass

    def parse_request(self):
        self.expect_100 = False
        self.body_read = False
        return super().parse_request()

    def handle_expect_100(self):
        # the 100 is sent once the request is checked (send_continue)
        self.expect_100 = True
        return True

    # -- reading the request body

    def body_length(self):
        n = self.headers.get("Content-Length")
        if n is None:
            return None
        if not n.isdigit():
            raise Refusal(400, "InvalidArgument", "Content-Length is not a "
                          "number", ArgumentName="Content-Length")
        return int(n)

    def body_pieces(self, n):
        while n > 0:
            piece = self.rfile.read(min(PIECE, n))
            if not piece:
                raise ConnectionError("request body cut")
            n -= len(piece)
            yield piece

    def send_continue(self):
        if self.expect_100:
            self.expect_100 = False
            self.wfile.write(b"HTTP/1.1 100 Continue\r\n\r\n")

    # -- answers

    def answer_error(self, status, code, message, extra=None, headers=()):
        """An S3 XML error. A body the client has not sent is not waited
        for: after an unanswered Expect the connection is closed; else the
        body is read and dropped so that the client sees the answer."""
        request_id = os.urandom(8).hex().upper()
        if self.headers.get("Transfer-Encoding") or self.expect_100:
            self.close_connection = True
        elif not self.body_read:
            try:
                for _ in self.body_pieces(self.body_length() or 0):
                    pass
            except (Refusal, ConnectionError):
                self.close_connection = True
        body = b"" if self.command == "HEAD" else \
            error_xml(code, message, extra or {}, request_id)
        self.send_response_only(status)
        self.send_header("Date", formatdate(usegmt=True))
        self.send_header("x-amz-request-id", request_id)
        if body:
            self.send_header("Content-Type", "application/xml")
        self.send_header("Content-Length", str(len(body)))
        for name, value in headers:
            self.send_header(name, value)
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(body)

    # -- checks

    def check(self):
        """Check the request's signature as S3 would. Returns the entry
        fields learnt (key_id, signed, sig_ok); raises Refusal."""
        front, h = self.front, self.headers
        found = {"sig_ok": False}
        auth = h.get("Authorization")
        if auth is None:
            raise Refusal(403, "AccessDenied", "Access Denied")
        if not auth.startswith(ALGORITHM + " "):
            raise Refusal(400, "InvalidRequest", "The authorization mechanism "
                          "you have provided is not supported. Please use "
                          "AWS4-HMAC-SHA256.")
        a = parse_authorization(auth)
        if a is None:
            raise Refusal(400, "AuthorizationHeaderMalformed", "The "
                          "authorization header is malformed; the "
                          "Credential, SignedHeaders or Signature is not of "
                          "the expected form.")
        found.update(key_id=a["key_id"], signed=a["signed"])
        self.found = found
        if a["key_id"] not in front.keys:
            raise Refusal(403, "InvalidAccessKeyId", "The AWS Access Key Id "
                          "you provided does not exist in our records.",
                          AWSAccessKeyId=a["key_id"])
        secret, token = front.keys[a["key_id"]]
        stamp = h.get("X-Amz-Date")
        when = None
        if stamp is not None:
            if STAMP.match(stamp):
                try:
                    when = datetime.strptime(stamp, "%Y%m%dT%H%M%SZ").replace(
                        tzinfo=timezone.utc)
                except ValueError:
                    pass
        elif h.get("Date"):
            try:
                when = parsedate_to_datetime(h["Date"])
                stamp = when.strftime("%Y%m%dT%H%M%SZ")
            except (TypeError, ValueError):
                pass
        if when is None or when.tzinfo is None:
            raise Refusal(403, "AccessDenied", "AWS authentication requires "
                          "a valid Date or x-amz-date header")
        date, region, service, term = a["scope"]
        if date != stamp[:8]:
            raise Refusal(400, "AuthorizationHeaderMalformed", "The "
                          "authorization header is malformed; Invalid "
                          "credential date. Date is not the same as "
                          "X-Amz-Date.")
        if region != front.opts.region:
            raise Refusal(400, "AuthorizationHeaderMalformed", "The "
                          "authorization header is malformed; the region "
                          "'%s' is wrong; expecting '%s'" %
                          (region, front.opts.region),
                          Region=front.opts.region)
        if service != "s3" or term != "aws4_request":
            raise Refusal(400, "AuthorizationHeaderMalformed", "The "
                          "authorization header is malformed; incorrect "
                          "service or terminal in the credential scope.")
        skew = abs(front.now() - when.timestamp())
        if skew > MAX_SKEW:
            raise Refusal(403, "RequestTimeTooSkewed", "The difference "
                          "between the request time and the current time is "
                          "too large.", RequestTime=h.get("X-Amz-Date") or
                          h.get("Date"), ServerTime=datetime.fromtimestamp(
                              front.now(), timezone.utc).strftime(
                              "%Y-%m-%dT%H:%M:%SZ"),
                          MaxAllowedSkewMilliseconds=MAX_SKEW * 1000)
        payload = h.get("X-Amz-Content-Sha256")
        if payload is None:
            raise Refusal(400, "InvalidRequest", "Missing required header "
                          "for this request: x-amz-content-sha256")
        if payload != UNSIGNED and not SHA256_HEX.match(payload):
            raise Refusal(400, "InvalidArgument", "x-amz-content-sha256 must "
                          "be UNSIGNED-PAYLOAD or a valid sha256 value.",
                          ArgumentName="x-amz-content-sha256",
                          ArgumentValue=payload)
        names = [n.lower() for n in h.keys()]
        unsigned = sorted({n for n in names if n.startswith("x-amz-")} -
                          set(a["signed"]))
        if unsigned:
            raise Refusal(403, "AccessDenied", "There were headers present "
                          "in the request which were not signed",
                          HeadersNotSigned=", ".join(unsigned))
        if "host" not in a["signed"]:
            raise Refusal(403, "AccessDenied", "The host header must be "
                          "signed")
        # sorted our way: a list sorted otherwise signs another string
        signed = sorted(set(a["signed"]))
        try:
            canonical = canonical_request(self.command, self.path,
                                          list(h.items()), signed, payload)
        except KeyError as e:
            raise Refusal(403, "AccessDenied", "A signed header was not "
                          "sent: %s" % e.args[0])
        scope = "/".join(a["scope"])
        to_sign = string_to_sign(stamp, scope, canonical)
        good = signature(secret, scope, to_sign)
        if not hmac.compare_digest(good, a["signature"]):
            raise Refusal(403, "SignatureDoesNotMatch", "The request "
                          "signature we calculated does not match the "
                          "signature you provided. Check your key and "
                          "signing method.", AWSAccessKeyId=a["key_id"],
                          StringToSign=to_sign,
                          SignatureProvided=a["signature"],
                          CanonicalRequest=canonical)
        found["sig_ok"] = True
        sent_token = h.get("X-Amz-Security-Token")
        if token is not None and sent_token is None:
            raise Refusal(403, "InvalidAccessKeyId", "The AWS Access Key Id "
                          "you provided does not exist in our records.",
                          AWSAccessKeyId=a["key_id"])
        if sent_token is not None and (token is None or not
                                       hmac.compare_digest(sent_token, token)):
            raise Refusal(400, "InvalidToken", "The provided token is "
                          "malformed or otherwise invalid.")
        return payload

    # -- one request

    def handle_s3(self):
        front = self.front
        path, _, query = self.path.partition("?")
        self.found = {"sig_ok": False}
        entry = {"method": self.command, "path": path, "query": query,
                 "key_id": None, "signed": None, "sig_ok": False,
                 "status": None, "code": None,
                 "content_sha256": self.headers.get("X-Amz-Content-Sha256"),
                 "headers": {n.lower(): v for n, v in self.headers.items()
                             if n.lower() not in ("authorization",
                                                  "x-amz-security-token")}}
        is_object = bool(path.lstrip("/").partition("/")[2])
        try:
            if is_object and front.take("failures_left"):
                status = front.opts.fail_first[1]
                code = ERROR_CODES.get(status, "InternalError")
                extra = []
                if status in (429, 503) and front.opts.retry_after != "-":
                    extra = [("Retry-After", front.opts.retry_after)]
                raise Refusal(status, code, ERROR_MESSAGES.get(
                    code, "A fault the test asked for."), headers=extra)
            payload = self.check()
            entry.update(self.found)
            length = self.body_length()
            if self.headers.get("Transfer-Encoding"):
                raise Refusal(411, "MissingContentLength", "You must provide "
                              "the Content-Length HTTP header.")
            drop = self.preconditions(entry["key_id"])
            self.send_continue()
            body = self.take_body(length or 0, payload)
        except Refusal as r:
            entry.update(self.found)
            entry.update(status=r.status, code=r.code)
            headers = r.extra.pop("headers", ())
            front.write_log(entry)
            self.answer_error(r.status, r.code, r.message, r.extra, headers)
            return
        self.forward(entry, length or 0, body, drop)

    def take_body(self, length, payload):
        """The body: None to stream it from the client as it is sent, or a
        file holding it once its SHA-256 is checked."""
        if payload == UNSIGNED:
            return None
        if length == 0:
            got = EMPTY_SHA256
            spool = None
        else:
            spool = tempfile.TemporaryFile(dir=self.front.tmpdir)
            digest = hashlib.sha256()
            for piece in self.body_pieces(length):
                digest.update(piece)
                spool.write(piece)
            self.body_read = True
            spool.seek(0)
            got = digest.hexdigest()
        if got != payload:
            if spool:
                spool.close()
            raise Refusal(400, "XAmzContentSHA256Mismatch", "The provided "
                          "'x-amz-content-sha256' header does not match what "
                          "was computed.", ClientComputedContentSHA256=payload,
                          S3ComputedContentSHA256=got)
        return spool

    def backend_headers(self, key_id, drop=()):
        """The request's headers as the emulator gets them."""
        for name, value in self.headers.items():
            low = name.lower()
            if low in HOP_BY_HOP or low in drop:
                continue
            if low == "authorization":
                value = value.replace("Credential=%s/" % key_id,
                                      "Credential=%s/" % BACKEND_KEY_ID, 1)
            yield name, value

    def preconditions(self, key_id):
        """If-Match and If-Range, which the emulator ignores, done here
        with the object's ETag and Last-Modified (a HEAD to the emulator).
        Returns the names of the headers not to forward; raises Refusal
        (412) when If-Match fails."""
        h = self.headers
        if_match, if_range = h.get("If-Match"), h.get("If-Range")
        if self.command not in ("GET", "HEAD") or not (
                if_match or (if_range and h.get("Range"))):
            return ()
        conn = http.client.HTTPConnection("127.0.0.1",
                                          self.front.opts.backend, timeout=60)
        try:
            conn.putrequest("HEAD", self.path, skip_host=True,
                            skip_accept_encoding=True)
            for name, value in self.backend_headers(
                    key_id, ("range", "if-range", "if-match",
                             "if-none-match", "if-modified-since")):
                conn.putheader(name, value)
            conn.endheaders()
            resp = conn.getresponse()
            resp.read()
        except (OSError, http.client.HTTPException):
            return ()  # forward() answers 502
        finally:
            conn.close()
        if resp.status != 200:
            return ()
        etag = resp.getheader("ETag")
        if if_match and if_match.strip() != "*" and etag not in [
                t.strip() for t in if_match.split(",")]:
            raise Refusal(412, "PreconditionFailed", "At least one of the "
                          "pre-conditions you specified did not hold",
                          Condition="If-Match")
        if if_range and h.get("Range"):
            if if_range.startswith(('"', "W/")):
                same = if_range == etag
            else:
                same = if_range == resp.getheader("Last-Modified")
            if not same:
                return ("range", "if-range")
        return ()

    def forward(self, entry, length, spool, drop):
        front = self.front
        conn = http.client.HTTPConnection("127.0.0.1", front.opts.backend,
                                          timeout=300)
        try:
            conn.putrequest(self.command, self.path, skip_host=True,
                            skip_accept_encoding=True)
            for name, value in self.backend_headers(entry["key_id"], drop):
                conn.putheader(name, value)
            conn.endheaders()
            if spool is not None:
                while True:
                    piece = spool.read(PIECE)
                    if not piece:
                        break
                    conn.send(piece)
            else:
                for piece in self.body_pieces(length):
                    conn.send(piece)
            resp = conn.getresponse()
        except (OSError, http.client.HTTPException) as e:
            entry.update(status=502, code="InternalError")
            front.write_log(entry)
            self.answer_error(502, "InternalError", "The S3 emulator did not "
                              "answer: %s" % e)
            return
        finally:
            if spool is not None:
                spool.close()
        self.relay(entry, resp)
        conn.close()

    def relay(self, entry, resp):
        front = self.front
        no_body = self.command == "HEAD" or resp.status in (204, 304) or \
            resp.status < 200
        cut = (not no_body and self.command == "GET" and
               resp.status in (200, 206) and resp.length is not None and
               resp.length >= 2 and front.take("cut_left"))
        code, pieces = None, None
        if resp.status >= 300 and not no_body and resp.length is not None \
                and resp.length <= 65536:
            # S3's error code, from the emulator's XML (for the log only)
            head = resp.read()
            m = re.search(rb"<Code>([^<]{1,64})</Code>", head)
            code = m.group(1).decode("ascii", "replace") if m else None
            pieces = [head]
        entry.update(status=resp.status, code=code)
        if cut:
            entry["cut"] = True
        front.write_log(entry)
        self.send_response_only(resp.status, resp.reason)
        chunked = False
        for name, value in resp.getheaders():
            if name.lower() not in HOP_BY_HOP:
                self.send_header(name, value)
        if not no_body and resp.length is None:
            chunked = True
            self.send_header("Transfer-Encoding", "chunked")
        if cut:
            self.send_header("Connection", "close")
        self.end_headers()
        if no_body:
            return
        if pieces is None:
            pieces = iter(lambda: resp.read(PIECE), b"")
        left = resp.length // 2 if cut else None
        for piece in pieces:
            if left is not None:
                piece = piece[:left]
                left -= len(piece)
            if chunked:
                self.wfile.write(b"%x\r\n%s\r\n" % (len(piece), piece))
            else:
                self.wfile.write(piece)
            if left == 0:
                self.close_connection = True
                self.wfile.flush()
                return
        if chunked:
            self.wfile.write(b"0\r\n\r\n")

    do_GET = do_HEAD = do_PUT = do_POST = do_DELETE = handle_s3


class Server(ThreadingHTTPServer):
    daemon_threads = True

    def get_request(self):
        sock, addr = super().get_request()
        sock.settimeout(120)
        return sock, addr

    def handle_error(self, request, client_address):
        e = sys.exc_info()[1]
        if isinstance(e, (ssl.SSLZeroReturnError, ssl.SSLEOFError,
                          ConnectionResetError, BrokenPipeError)):
            return  # a client gone (start_server's probe connects and goes)
        sys.stderr.write("s3front: %s: %r\n" % (client_address[0], e))


def serve(argv):
    p = argparse.ArgumentParser(prog="s3front.py serve")
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--cert", required=True)
    p.add_argument("--key", required=True)
    p.add_argument("--backend", type=int, required=True)
    p.add_argument("--credentials", required=True)
    p.add_argument("--log", required=True)
    p.add_argument("--region", default="us-east-1")
    p.add_argument("--clock-offset", type=float, default=0)
    p.add_argument("--fail-first", nargs=2, type=int, metavar=("N", "STATUS"))
    p.add_argument("--retry-after", default="1")
    p.add_argument("--cut-body", action="store_true")
    opts = p.parse_args(argv)
    Handler.front = Front(opts)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(opts.cert, opts.key)
    srv = Server(("127.0.0.1", opts.port), Handler)
    srv.socket = ctx.wrap_socket(srv.socket, server_side=True,
                                 do_handshake_on_connect=False)
    srv.serve_forever()


# --- the signer ---------------------------------------------------------------

def sign(argv):
    p = argparse.ArgumentParser(prog="s3front.py sign")
    p.add_argument("--endpoint", required=True)
    p.add_argument("--region", default="us-east-1")
    p.add_argument("--date")
    g = p.add_mutually_exclusive_group()
    g.add_argument("--payload")
    g.add_argument("--body")
    p.add_argument("--header", action="append", default=[])
    p.add_argument("method")
    p.add_argument("path")
    opts = p.parse_args(argv)
    try:
        key_id = os.environ["AWS_ACCESS_KEY_ID"]
        secret = os.environ["AWS_SECRET_ACCESS_KEY"]
    except KeyError as e:
        sys.exit("s3front.py sign: %s is not set" % e.args[0])
    host = urllib.parse.urlsplit(opts.endpoint).netloc
    payload, send = EMPTY_SHA256, True
    if opts.payload == "-":
        payload, send = UNSIGNED, False
    elif opts.payload:
        payload = opts.payload
    elif opts.body:
        with open(opts.body, "rb") as f:
            digest = hashlib.sha256()
            for piece in iter(lambda: f.read(PIECE), b""):
                digest.update(piece)
        payload = digest.hexdigest()
    headers = []
    for h in opts.header:
        name, colon, value = h.partition(":")
        if not colon:
            sys.exit("s3front.py sign: --header %r: not NAME: VALUE" % h)
        headers.append((name.strip(), value.strip()))
    if os.environ.get("AWS_SESSION_TOKEN"):
        headers.append(("X-Amz-Security-Token",
                        os.environ["AWS_SESSION_TOKEN"]))
    stamp = opts.date or time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    for name, value in sign_headers(opts.method, opts.path, host, headers,
                                    payload, key_id, secret, opts.region,
                                    stamp, send):
        print("%s: %s" % (name, value))


# --- AWS's published examples -------------------------------------------------

EXAMPLES = [
    # (what, method, target, headers, payload hash, signature)
    ("GET Object with Range", "GET", "/test.txt",
     [("Range", "bytes=0-9")], EMPTY_SHA256,
     "f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41"),
    ("PUT Object", "PUT", "/test$file.text",
     [("Date", "Fri, 24 May 2013 00:00:00 GMT"),
      ("x-amz-storage-class", "REDUCED_REDUNDANCY")],
     hashlib.sha256(b"Welcome to Amazon S3.").hexdigest(),
     "98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd"),
    ("GET Bucket Lifecycle", "GET", "/?lifecycle", [], EMPTY_SHA256,
     "fea454ca298b7da1c68078a5d1bdbfbbe0d65c699e0f91ac7a200a0136783543"),
    ("GET Bucket (List Objects)", "GET", "/?max-keys=2&prefix=J", [],
     EMPTY_SHA256,
     "34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7"),
]


def selftest():
    bad = 0
    for what, method, target, headers, payload, want in EXAMPLES:
        signed = sign_headers(method, target, "examplebucket.s3.amazonaws.com",
                              headers, payload, "AKIAIOSFODNN7EXAMPLE",
                              "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
                              "us-east-1", "20130524T000000Z")
        got = dict(signed)["Authorization"].rsplit("Signature=", 1)[1]
        if got != want:
            bad += 1
            print("%s: signature %s, AWS gives %s" % (what, got, want))
    if bad:
        print("%d of %d differ" % (bad, len(EXAMPLES)))
    return 1 if bad else 0


def main():
    if len(sys.argv) < 2 or sys.argv[1] not in ("serve", "sign", "selftest"):
        sys.exit(__doc__.split("\n\n")[0].split("\n", 1)[1])
    if sys.argv[1] == "serve":
        serve(sys.argv[2:])
    elif sys.argv[1] == "sign":
        sign(sys.argv[2:])
    else:
        sys.exit(selftest())


if __name__ == "__main__":
    main()
