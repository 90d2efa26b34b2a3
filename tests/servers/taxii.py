#!/usr/bin/python3
# taxii.py - a TAXII 2.1 server (and a TAXII 2.0 one) for cti's tests.
#
#   /usr/bin/python3 tests/servers/taxii.py --port PORT [--cert PEM --key PEM]
#       [--data FILE|DIR]... [--generate N] [OPTION...]
#
# It serves, on 127.0.0.1, what the OASIS TAXII 2.1 specification describes,
# with the strictness and the habits of the OASIS reference server, and can be
# told to misbehave in the ways real servers do. Everything is kept in memory;
# nothing is written except the request log (--log). It runs until killed.
# Debian's python3-flask (Flask and Werkzeug 2.2) is its only dependency.
# Tests start it with start_taxii (tests/lib.sh), which makes its TLS
# certificates; tests/t0700-taxii-server.sh checks what this header says.
#
# Layout (ids are fixed, so that tests can name them):
#   /taxii2/                        discovery; api_roots lists api1 and api2,
#                                   default is api1 (see --discovery-base)
#   /api1/                          "cti test root", max_content_length
#   /api1/collections/              the collections below
#     c011ec70-0000-4000-8000-000000000001 "Seed"        read, write; holds
#                                   the --data and --generate objects
#     c011ec70-0000-4000-8000-000000000002 "Inbox"       read, write; empty
#     c011ec70-0000-4000-8000-000000000003 "Read only"   read; the seed too
#     c011ec70-0000-4000-8000-000000000004 "Write only"  write
#     c011ec70-0000-4000-8000-000000000005 "Twin"        read; empty
#     c011ec70-0000-4000-8000-000000000006 "Twin"        read; empty
#   /api1/collections/ID/objects/   GET: added_after, limit, next, match[id],
#                                   match[type], match[version],
#                                   match[spec_version]; POST: an envelope
#   /api1/collections/ID/objects/OBJECT-ID/            GET (same filters
#                                   but match[id] and match[type]); DELETE is
#                                   not offered (405)
#   /api1/collections/ID/objects/OBJECT-ID/versions/   added_after, limit,
#                                   next, match[spec_version]
#   /api1/collections/ID/manifest/  the same filters as objects
#   /api1/status/STATUS-ID/         the status of a POST
#   /api2/                          a second root, without collections
#   /api2/collections/              answers {}
#
# Protocol, as the reference server does it:
# - A request meets, in this order: the faults that answer 503 or 500, then
#   authentication (401, when --users or --token-file is given), then the
#   media types. Every answer closes its connection (Werkzeug 2.2's server
#   never keeps one open). The port opens once the data is loaded, before
#   Flask is: a client that connects early waits in the listen queue.
# - Every request must carry "Accept: application/taxii+json;version=2.1" (a
#   space before "version" is allowed; nothing else is: no list, no */*, no
#   missing header): otherwise 406. A POST must have that Content-Type, else
#   415. Answers have that Content-Type. Errors are TAXII error objects
#   (title, description, http_status) with the same status in HTTP.
# - Objects, manifests and versions come in date_added order. Each stored
#   object version has a date_added with microseconds, strictly increasing
#   within a collection. Seed objects (--data, then --generate) get
#   --start + i * --step microseconds (i = 1, 2, ...); a POSTed object gets
#   the later of now and the previous date_added + 1 microsecond, when its
#   status completes.
# - added_after is strict (date_added > added_after) and accepts any number
#   of fraction digits. Filters apply in the reference server's order: type
#   and id, then added_after, then spec_version (absent: the latest
#   spec_version of each object among those left), then version (absent:
#   "last"; values: last, first, all, timestamps; commas for several). A
#   filter's comma-separated values are alternatives. An object without
#   spec_version counts as "2.0"; its version is modified, else created,
#   else its date_added. Unknown parameters are ignored.
# - limit is capped silently at --limit-cap (default 100), which is also the
#   page size when no limit is given; limit must be a positive integer, else
#   400. A page that is not the last has "more": true and (unless
#   --more-without-next) a "next" token: one cursor per query, the same token
#   on every page of it. The cursor sees the collection as it was at the
#   query's first page (later objects come in a later query), must be used
#   with the same parameters (limit may change) else 400, and is forgotten
#   --expire-next seconds (default 30) after its last use, or after the last
#   page: then it gives 400.
# - X-TAXII-Date-Added-First and -Last give the date_added of the page's
#   first and last item; a page without items has neither header, and its
#   body is {} (every envelope property is optional).
# - POST takes an envelope ({"objects": [...]}; a bundle, with "type", is
#   refused with 400) of at most max_content_length bytes (--max-content-length,
#   default 1048576; more: 413) and answers 202 with a status resource. An
#   object fails at once when it is not a JSON object, has no type or id, an
#   id that is not TYPE--SOMETHING, a modified or created that is not a
#   timestamp, or a type that --reject-type names (default: x-refused). The
#   others are pending until the status completes: at once by default,
#   after --status-delay seconds and --status-polls GETs of the status, or
#   never (--status-never-completes); then they are stored and become
#   readable, each in "successes". An object whose id and version are
#   already in the collection is a success and is not stored again, or is
#   a failure with --duplicates-fail (as the reference server does).
#   successes, failures and pendings are present only when not empty.
#   Statuses are kept as long as the server runs.
# - A collection with can_read false answers 403 to reads, one with
#   can_write false 403 to POST; an unknown root, collection, object or
#   status 404.
# - Discovery lists the API roots as http://HOST:5000/api1/ (HOST from the
#   request's Host header), whatever scheme and port the server is on, as a
#   reference server configured for another address does.
#
# Options:
#   --port N                listen on 127.0.0.1:N (0: any free port; the URL
#                           is printed on stderr either way)
#   --host ADDR             listen on ADDR instead
#   --cert PEM --key PEM    serve HTTPS with this certificate chain and key
#   --client-ca PEM         and require a client certificate signed by it
#   --data FILE|DIR         load a STIX bundle (or an envelope) into Seed; a
#                           directory: its *.json files in name order;
#                           repeatable; objects already there are skipped
#   --generate N            then add N indicators (ipv4 patterns), the same
#                           ones on every run
#   --start TIME            date_added before the first seed object
#                           (default 2020-01-01T00:00:00.000000Z)
#   --step US               microseconds between seed objects (default 1)
#   --limit-cap N           largest page (default 100)
#   --max-content-length N  largest POST body in bytes (default 1048576)
#   --expire-next SECONDS   a cursor's life after its last use (default 30)
#   --status-delay SECONDS  a POST's status stays pending this long
#   --status-polls N        and answers pending to its first N GETs
#   --status-never-completes  statuses stay pending; nothing is stored
#   --reject-type TYPE      objects of this type fail (repeatable; replaces
#                           the default x-refused)
#   --duplicates-fail       a POSTed id and version already stored fails
#   --users FILE            require basic auth: FILE has user:password lines
#   --token-file FILE       require "Authorization: Bearer TOKEN" (TOKEN is
#                           FILE's first line); with --users, either will do
#   --discovery-base BASE   the scheme://host:port of API root URLs in
#                           discovery; "request" for the one the client used
#   --log FILE              append one JSON line per request: n, method,
#                           path, query, accept, content_type, auth (the
#                           scheme only), status
#   --quiet                 no per-request line on stderr
# Faults (each test starts its own server):
#   --more-without-next     "more": true but never a "next"; with
#                           --repeat-cursor, added_after is ignored too
#   --repeat-cursor         a cursor never advances: every "next" gets the
#                           first page again, with the same token
#   --wrong-content-type    answers are labelled application/json
#   --taxii20               speak only TAXII 2.0: media types
#                           application/vnd.oasis.taxii+json; version=2.0 and
#                           application/vnd.oasis.stix+json; version=2.0 (either
#                           for objects), 406 to the 2.1 ones; discovery at
#                           /taxii/ (and /taxii2/); API root versions
#                           ["taxii-2.0"]; objects as a bundle ({"type":
#                           "bundle", "id", "spec_version": "2.0", "objects"}),
#                           paged with "Range: items N-M" (206 and
#                           "Content-Range: items N-M/TOTAL"; pages capped at
#                           --limit-cap, also without Range; 416 and
#                           "Content-Range: items */TOTAL" past the end; 200
#                           and no objects when nothing matches); no limit,
#                           next, match[spec_version] or X-TAXII headers;
#                           no versions endpoint (404); a manifest entry per
#                           object, with versions and media_types; POST a
#                           bundle; statuses with ids in successes and
#                           pendings, {id, message} in failures
#   --slow-post SECONDS     wait this long before answering a POST
#   --fail-first N          503 with Retry-After to the first N requests
#   --fail-at N[,N...]      503 with Retry-After to these requests (counted
#                           from 1, every request counts)
#   --retry-after SECONDS   the Retry-After value (default 1)
#   --html-500-at N[,N...]  a 500 with an HTML page to these requests

import argparse
import base64
import binascii
import bisect
import functools
import hmac
import json
import logging
import os
import re
import socket
import ssl
import sys
import threading
import time
import uuid
from datetime import datetime, timedelta

# Flask and Werkzeug, imported by import_flask once the port is open (see
# main): a client that connects meanwhile waits in the listen queue.
Flask = Response = g = request = HTTPException = make_server = None


def import_flask():
    global Flask, Response, g, request, HTTPException, make_server
    from flask import Flask, Response, g, request
    from werkzeug.exceptions import HTTPException
    from werkzeug.serving import make_server


TAXII21 = "application/taxii+json;version=2.1"
STIX21 = "application/stix+json;version=2.1"
TAXII20 = "application/vnd.oasis.taxii+json; version=2.0"
STIX20 = "application/vnd.oasis.stix+json; version=2.0"
RE_TAXII21 = re.compile(r"application/taxii\+json; ?version=2\.1", re.I)
RE_TAXII20 = re.compile(r"application/vnd\.oasis\.taxii\+json; ?version=2\.0", re.I)
RE_STIX20 = re.compile(r"application/vnd\.oasis\.stix\+json; ?version=2\.0", re.I)

COLLECTION_ID = "c011ec70-0000-4000-8000-00000000000%d"

EPOCH = datetime(1970, 1, 1)
RE_TS = re.compile(
    r"((\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d))(?:\.(\d+))?Z")


def ts_parts(s):
    """The date and time of a STIX timestamp and its fraction digits, or
    None if s is not one."""
    m = RE_TS.fullmatch(s) if isinstance(s, str) else None
    if m is None:
        return None
    try:
        when = datetime(*(int(x) for x in m.group(2, 3, 4, 5, 6, 7)))
    except ValueError:
        return None
    return when, m.group(1), m.group(8) or ""


def tkey(s):
    """A STIX timestamp's sort key: equal for equal instants, ordered as they
    are, whatever the number of fraction digits; None if s is not one."""
    return _tkey(s) if isinstance(s, str) else None


@functools.lru_cache(maxsize=65536)
def _tkey(s):
    p = ts_parts(s)
    return None if p is None else p[1] + p[2].rstrip("0")


def ts_to_us(s):
    p = ts_parts(s)
    if p is None:
        raise ValueError("not a timestamp: " + s)
    base = p[0] - EPOCH
    frac = int(p[2][:6].ljust(6, "0"))
    return (base.days * 86400 + base.seconds) * 1000000 + frac


def us_to_ts(us):
    return (EPOCH + timedelta(microseconds=us)).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def now_us():
    return time.time_ns() // 1000


def _no_constant(name):
    raise ValueError("not JSON: " + name)


def _finite(text):
    f = float(text)
    if f in (float("inf"), float("-inf")):
        raise ValueError("number out of range: " + text)
    return f


DECODER = json.JSONDecoder(parse_constant=_no_constant, parse_float=_finite)


def parse_json(data):
    """Strict JSON (UTF-8, no NaN, no infinite number) or ValueError."""
    try:
        return DECODER.decode(data.decode("utf-8"))
    except RecursionError:
        raise ValueError("nested too deeply")


def dump(value):
    try:
        return json.dumps(value, ensure_ascii=False,
                          separators=(",", ":")).encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate, kept as an escape
        return json.dumps(value, separators=(",", ":")).encode("ascii")


class TaxiiError(Exception):
    def __init__(self, status, title, description=None, headers=None):
        super().__init__(title)
        self.status = status
        self.title = title
        self.description = description
        self.headers = headers or {}


def object_problem(obj, reject_types):
    """Why obj cannot be stored, or None."""
    if not isinstance(obj, dict):
        return "not a JSON object"
    t, i = obj.get("type"), obj.get("id")
    if not isinstance(t, str) or not t:
        return "no type"
    if not isinstance(i, str) or not i:
        return "no id"
    if not i.startswith(t + "--") or len(i) == len(t) + 2:
        return "the id is not TYPE--IDENTIFIER"
    for p in ("modified", "created"):
        if p in obj and tkey(obj[p]) is None:
            return p + " is not a timestamp"
    if "spec_version" in obj and not isinstance(obj["spec_version"], str):
        return "spec_version is not a string"
    if t in reject_types:
        return "objects of type " + t + " are refused here"
    return None


def object_version(obj):
    v = obj.get("modified") if isinstance(obj, dict) else None
    if v is None and isinstance(obj, dict):
        v = obj.get("created")
    return v if isinstance(v, str) else ""


class Rec:
    """One stored object version."""
    __slots__ = ("seq", "added", "akey", "id", "type", "ver", "vkey", "spec",
                 "body")


class Collection:
    def __init__(self, cid, title, description, can_read, can_write, start,
                 step):
        self.id = cid
        self.title = title
        self.description = description
        self.can_read = can_read
        self.can_write = can_write
        self.recs = []   # in date_added order
        self.akeys = []  # their date_added keys, for bisect
        self.by_id = {}  # id -> its records, in date_added order
        self.last_us = start
        self.step = step

    def info(self, v20):
        return {
            "id": self.id, "title": self.title,
            "description": self.description,
            "can_read": self.can_read, "can_write": self.can_write,
            "media_types": [STIX20 if v20 else STIX21],
        }

    def has(self, obj):
        """Whether this version of obj is stored: its id and version, or
        its id alone when it has neither modified nor created."""
        recs = self.by_id.get(obj["id"])
        if not recs:
            return False
        k = tkey(object_version(obj))
        return k is None or any(r.vkey == k for r in recs)

    def add(self, obj, at=None):
        """Store a checked object: at None is the next seed time."""
        us = self.last_us + self.step if at is None else max(self.last_us + 1, at)
        self.last_us = us
        r = Rec()
        r.seq = len(self.recs)
        r.added = us_to_ts(us)
        r.akey = r.added[:19] + r.added[20:26].rstrip("0")
        r.id = obj["id"]
        r.type = obj["type"]
        r.ver = object_version(obj) or r.added
        r.vkey = tkey(r.ver)
        r.spec = obj.get("spec_version", "2.0")
        r.body = dump(obj)
        self.recs.append(r)
        self.akeys.append(r.akey)
        self.by_id.setdefault(r.id, []).append(r)
        return r

    def share(self, other):
        """Hold the same records as other (records never change)."""
        self.recs = list(other.recs)
        self.akeys = list(other.akeys)
        self.by_id = {k: list(v) for k, v in other.by_id.items()}
        self.last_us = other.last_us


ANY_SPEC = "*"


class Query:
    """Parsed filters: None means no filter; specs None means the latest
    spec_version of each object, ANY_SPEC every one; versions None means
    all, else a (keys, first, last) triple."""
    __slots__ = ("added_after", "types", "ids", "specs", "versions")


def split_values(name):
    vals = []
    for v in request.args.getlist(name):
        vals.extend(x.strip() for x in v.split(","))
    return [v for v in vals if v] if vals else None


def parse_query(allowed, oid=None, specs_default=None, versions_default="last"):
    q = Query()
    aa = request.args.get("added_after") if "added_after" in allowed else None
    q.added_after = None
    if aa is not None:
        q.added_after = tkey(aa)
        if q.added_after is None:
            raise TaxiiError(400, "bad added_after",
                             "added_after is not a timestamp: " + aa)
    types = split_values("match[type]") if "type" in allowed else None
    q.types = frozenset(types) if types else None
    ids = split_values("match[id]") if "id" in allowed else None
    q.ids = frozenset([oid]) if oid is not None else (
        frozenset(ids) if ids else None)
    specs = split_values("match[spec_version]") if "spec_version" in allowed else None
    q.specs = frozenset(specs) if specs else specs_default
    vers = split_values("match[version]") if "version" in allowed else None
    vers = vers or ([versions_default] if versions_default else None)
    q.versions = None
    if vers and "all" not in vers:
        keys = set()
        for v in vers:
            if v in ("first", "last"):
                continue
            k = tkey(v)
            if k is None:
                raise TaxiiError(400, "bad match[version]",
                                 "not last, first, all or a timestamp: " + v)
            keys.add(k)
        q.versions = (keys, "first" in vers, "last" in vers)
    return q


def matches(coll, r, q, lo, hi):
    """Whether record r passes q among the records lo..hi-1 of coll."""
    if q.types is not None and r.type not in q.types:
        return False
    if q.ids is not None and r.id not in q.ids:
        return False
    if q.specs is not None and q.specs is not ANY_SPEC and r.spec not in q.specs:
        return False
    peers = coll.by_id[r.id]
    if len(peers) > 1:
        peers = [p for p in peers if lo <= p.seq < hi]
        if q.specs is None:
            top = max(p.spec for p in peers)
            if r.spec != top:
                return False
            peers = [p for p in peers if p.spec == top]
        elif q.specs is not ANY_SPEC:
            peers = [p for p in peers if p.spec in q.specs]
    if q.versions is None:
        return True
    keys, first, last = q.versions
    if r.vkey in keys:
        return True
    if first and r is min(peers, key=lambda p: (p.vkey, p.seq)):
        return True
    return last and r is max(peers, key=lambda p: (p.vkey, p.seq))


def select(coll, q, lo, hi, pos, limit):
    """Up to limit matching records from pos, and where the next match is
    (None when there is none)."""
    out = []
    recs = coll.recs
    for i in range(pos, hi):
        r = recs[i]
        if matches(coll, r, q, lo, hi):
            if len(out) == limit:
                return out, i
            out.append(r)
    return out, None


class Cursor:
    __slots__ = ("token", "sig", "q", "lo", "hi", "pos", "used")


class Status:
    def __init__(self, root, v20, due):
        self.id = str(uuid.uuid4())
        self.root = root
        self.v20 = v20
        self.request_timestamp = us_to_ts(now_us())
        self.successes = []  # (id, version, message)
        self.failures = []
        self.pendings = []   # (collection, object)
        self.due = due
        self.polls = 0
        self.total = 0

    def doc(self):
        d = {
            "id": self.id,
            "status": "pending" if self.pendings else "complete",
            "request_timestamp": self.request_timestamp,
            "total_count": self.total,
            "success_count": len(self.successes),
        }
        if self.v20:
            pend = [o["id"] for _, o in self.pendings]
            if self.successes:
                d["successes"] = [i for i, _, _ in self.successes]
            d["failure_count"] = len(self.failures)
            if self.failures:
                d["failures"] = [{"id": i, "message": m}
                                 for i, _, m in self.failures]
        else:
            pend = [{"id": o["id"], "version": object_version(o)}
                    for _, o in self.pendings]
            if self.successes:
                d["successes"] = [dict(id=i, version=v, **({"message": m} if m else {}))
                                  for i, v, m in self.successes]
            d["failure_count"] = len(self.failures)
            if self.failures:
                d["failures"] = [{"id": i, "version": v, "message": m}
                                 for i, v, m in self.failures]
        d["pending_count"] = len(pend)
        if pend:
            d["pendings"] = pend
        return d


def read_lines(path):
    with open(path, encoding="utf-8") as f:
        return [ln.rstrip("\r\n") for ln in f if ln.strip()]


def number_list(text):
    try:
        return frozenset(int(x) for x in text.split(",") if x)
    except ValueError:
        raise argparse.ArgumentTypeError("not a list of numbers: " + text)


def timestamp_arg(text):
    try:
        ts_to_us(text)
    except ValueError as e:
        raise argparse.ArgumentTypeError(str(e))
    return text


def options(argv):
    p = argparse.ArgumentParser(
        prog="taxii.py", description="TAXII 2.1 test server (see its header)")
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--cert")
    p.add_argument("--key")
    p.add_argument("--client-ca")
    p.add_argument("--data", action="append", default=[])
    p.add_argument("--generate", type=int, default=0)
    p.add_argument("--start", type=timestamp_arg,
                   default="2020-01-01T00:00:00.000000Z")
    p.add_argument("--step", type=int, default=1)
    p.add_argument("--limit-cap", type=int, default=100)
    p.add_argument("--max-content-length", type=int, default=1048576)
    p.add_argument("--expire-next", type=float, default=30)
    p.add_argument("--status-delay", type=float, default=0)
    p.add_argument("--status-polls", type=int, default=0)
    p.add_argument("--status-never-completes", action="store_true")
    p.add_argument("--reject-type", action="append")
    p.add_argument("--duplicates-fail", action="store_true")
    p.add_argument("--users")
    p.add_argument("--token-file")
    p.add_argument("--discovery-base")
    p.add_argument("--log")
    p.add_argument("--quiet", action="store_true")
    p.add_argument("--more-without-next", action="store_true")
    p.add_argument("--repeat-cursor", action="store_true")
    p.add_argument("--wrong-content-type", action="store_true")
    p.add_argument("--taxii20", action="store_true")
    p.add_argument("--slow-post", type=float, default=0)
    p.add_argument("--fail-first", type=int, default=0)
    p.add_argument("--fail-at", type=number_list, default=frozenset())
    p.add_argument("--retry-after", type=int, default=1)
    p.add_argument("--html-500-at", type=number_list, default=frozenset())
    o = p.parse_args(argv)
    if bool(o.cert) != bool(o.key):
        p.error("--cert and --key go together")
    if o.client_ca and not o.cert:
        p.error("--client-ca needs --cert and --key")
    if o.limit_cap < 1 or o.step < 1 or o.max_content_length < 1:
        p.error("--limit-cap, --step and --max-content-length must be positive")
    o.reject_type = frozenset(o.reject_type if o.reject_type else ["x-refused"])
    return o


def generated(n):
    ns = uuid.UUID("c011ec70-0000-4000-8000-000000000000")
    for i in range(n):
        ip = "10.%d.%d.%d" % (i >> 16 & 255, i >> 8 & 255, i & 255)
        yield {
            "type": "indicator",
            "spec_version": "2.1",
            "id": "indicator--%s" % uuid.uuid5(ns, str(i)),
            "created": "2020-01-01T00:00:00.000Z",
            "modified": "2020-01-01T00:00:00.000Z",
            "name": ip,
            "pattern": "[ipv4-addr:value = '%s']" % ip,
            "pattern_type": "stix",
            "valid_from": "2020-01-01T00:00:00Z",
        }


class Server:
    def __init__(self, o):
        self.o = o
        self.lock = threading.RLock()
        self.count = 0
        self.cursors = {}
        self.statuses = {}
        self.pending = []
        self.cache20 = {}
        self.log = open(o.log, "a", encoding="utf-8") if o.log else None
        self.users = {}
        if o.users:
            for ln in read_lines(o.users):
                u, sep, pw = ln.partition(":")
                if not sep:
                    raise SystemExit("taxii.py: %s: not user:password lines" % o.users)
                self.users[u] = pw
        self.token = None
        if o.token_file:
            lines = read_lines(o.token_file)
            if not lines:
                raise SystemExit("taxii.py: %s: no token" % o.token_file)
            self.token = lines[0]
        start = ts_to_us(o.start)

        def coll(n, title, desc, r, w):
            return Collection(COLLECTION_ID % n, title, desc, r, w, start, o.step)
        seed = coll(1, "Seed", "the seed objects; writable", True, True)
        colls = [
            seed,
            coll(2, "Inbox", "empty at start; writable", True, True),
            coll(3, "Read only", "the seed objects; read only", True, False),
            coll(4, "Write only", "cannot be read", False, True),
            coll(5, "Twin", "one of two collections with this title", True, False),
            coll(6, "Twin", "the other collection with this title", True, False),
        ]
        self.roots = {
            "api1": {
                "title": "cti test root",
                "description": "collections for cti's tests",
                "collections": {c.id: c for c in colls},
            },
            "api2": {
                "title": "second root",
                "description": "a root without collections",
                "collections": {},
            },
        }
        self.loaded = self.skipped = 0
        for path in o.data:
            if os.path.isdir(path):
                for name in sorted(os.listdir(path)):
                    if name.endswith(".json"):
                        self.load(seed, os.path.join(path, name))
            else:
                self.load(seed, path)
        for obj in generated(o.generate):
            self.seed(seed, obj, "--generate")
        colls[2].share(seed)

    def load(self, seed, path):
        try:
            with open(path, "rb") as f:
                doc = parse_json(f.read())
        except (OSError, ValueError) as e:
            raise SystemExit("taxii.py: %s: %s" % (path, e))
        objs = doc.get("objects") if isinstance(doc, dict) else None
        if not isinstance(objs, list):
            raise SystemExit("taxii.py: %s: no objects list" % path)
        for i, obj in enumerate(objs):
            self.seed(seed, obj, "%s: object %d" % (path, i + 1))

    def seed(self, coll, obj, where):
        why = object_problem(obj, ())
        if why:
            raise SystemExit("taxii.py: %s: %s" % (where, why))
        if coll.has(obj):
            self.skipped += 1
            return
        coll.add(obj)
        self.loaded += 1

    # --- helpers for the views ---

    def media(self, kind="taxii"):
        if self.o.wrong_content_type:
            return "application/json"
        if self.o.taxii20:
            return STIX20 if kind == "stix" else TAXII20
        return TAXII21

    def answer(self, body, status=200, headers=None, kind="taxii"):
        if not isinstance(body, bytes):
            body = dump(body)
        return Response(body, status=status, headers=headers or {},
                        content_type=self.media(kind))

    def error(self, status, title, description=None, headers=None):
        d = {"title": title}
        if description:
            d["description"] = description
        d["http_status"] = str(status)
        return self.answer(d, status, headers)

    def root(self, name):
        r = self.roots.get(name)
        if r is None:
            raise TaxiiError(404, "unknown API root", "no API root " + name)
        return r

    def collection(self, root, cid, need):
        c = self.root(root)["collections"].get(cid)
        if c is None:
            raise TaxiiError(404, "unknown collection",
                             "no collection %s in %s" % (cid, root))
        if need == "read" and not c.can_read:
            raise TaxiiError(403, "collection not readable",
                             "collection %s cannot be read" % cid)
        if need == "write" and not c.can_write:
            raise TaxiiError(403, "collection not writable",
                             "collection %s cannot be written" % cid)
        return c

    def authorized(self):
        scheme, _, cred = request.headers.get("Authorization", "").partition(" ")
        scheme = scheme.lower()
        if scheme == "basic" and self.users:
            try:
                u, _, pw = base64.b64decode(cred.strip(), validate=True) \
                    .decode("utf-8").partition(":")
            except (binascii.Error, UnicodeDecodeError):
                return False
            want = self.users.get(u)
            return want is not None and hmac.compare_digest(
                want.encode(), pw.encode())
        if scheme == "bearer" and self.token is not None:
            return hmac.compare_digest(self.token.encode(), cred.strip().encode())
        return False

    def settle(self):
        """Complete the statuses whose time has come."""
        if self.pending:
            for st in list(self.pending):
                self.try_complete(st)

    def try_complete(self, st):
        if (self.o.status_never_completes or time.monotonic() < st.due
                or st.polls < self.o.status_polls):
            return
        for coll, obj in st.pendings:
            oid, ver = obj["id"], object_version(obj)
            if coll.has(obj):
                if self.o.duplicates_fail:
                    st.failures.append((oid, ver, "this version of the object "
                                        "is already in the collection"))
                else:
                    st.successes.append((oid, ver, "already in the collection"))
                continue
            r = coll.add(obj, now_us())
            st.successes.append((oid, r.ver, None))
        st.pendings = []
        self.pending.remove(st)

    def sweep_cursors(self):
        old = time.monotonic() - self.o.expire_next
        for t in [t for t, c in self.cursors.items() if c.used < old]:
            del self.cursors[t]

    def limit(self):
        text = request.args.get("limit")
        if text is None:
            return self.o.limit_cap
        if not text.isdigit() or int(text) < 1:
            raise TaxiiError(400, "bad limit",
                             "limit is not a positive integer: " + text)
        return min(int(text), self.o.limit_cap)

    # --- reads ---

    # each kind of read: the filters it takes, the default match[version]
    FILTERS = {
        "objects": ({"added_after", "id", "type", "version", "spec_version"},
                    "last"),
        "manifest": ({"added_after", "id", "type", "version", "spec_version"},
                     "last"),
        "object": ({"added_after", "version", "spec_version"}, "last"),
        "versions": ({"added_after", "spec_version"}, None),
    }

    def read(self, kind, root, cid, oid=None):
        """GET objects, an object, its versions or a manifest."""
        with self.lock:
            c = self.collection(root, cid, "read")
            if not self.o.taxii20:
                allowed, versions_default = self.FILTERS[kind]
                return self.paged(kind, root, c, oid, allowed, versions_default)
            if kind == "versions":
                raise TaxiiError(404, "not found", "TAXII 2.0 has no versions")
            if kind == "manifest":
                return self.manifest20(c)
            return self.objects20(c, oid)

    def paged(self, kind, root, coll, oid, allowed, versions_default):
        limit = self.limit()
        sig = (kind, root, coll.id, oid, tuple(sorted(
            (k, tuple(request.args.getlist(k)))
            for k in request.args if k not in ("next", "limit"))))
        token = request.args.get("next")
        self.sweep_cursors()
        cur = None
        if token is not None:
            cur = self.cursors.get(token)
            if cur is None:
                raise TaxiiError(400, "bad next", "next is unknown or has expired")
            if cur.sig != sig:
                raise TaxiiError(400, "bad next",
                                 "next belongs to a query with other parameters")
            q, lo, hi, pos = cur.q, cur.lo, cur.hi, cur.pos
        else:
            q = parse_query(allowed, oid, versions_default=versions_default)
            if oid is not None and oid not in coll.by_id:
                raise TaxiiError(404, "unknown object",
                                 "no object %s in collection %s" % (oid, coll.id))
            lo = 0
            if q.added_after is not None and not (
                    self.o.more_without_next and self.o.repeat_cursor):
                lo = bisect.bisect_right(coll.akeys, q.added_after)
            hi = len(coll.recs)
            pos = lo
        recs, nxt = select(coll, q, lo, hi, pos, limit)
        more = nxt is not None
        token = None
        if more and not self.o.more_without_next:
            if cur is None:
                cur = Cursor()
                cur.token = str(uuid.uuid4())
                cur.sig, cur.q, cur.lo, cur.hi, cur.pos = sig, q, lo, hi, lo
                self.cursors[cur.token] = cur
            if not self.o.repeat_cursor:
                cur.pos = nxt
            cur.used = time.monotonic()
            token = cur.token
        elif cur is not None:
            del self.cursors[cur.token]
        headers = {}
        if recs:
            headers["X-TAXII-Date-Added-First"] = recs[0].added
            headers["X-TAXII-Date-Added-Last"] = recs[-1].added
        if kind == "versions":
            key, items = b"versions", [dump(r.ver) for r in recs]
        elif kind == "manifest":
            key, items = b"objects", [dump({
                "id": r.id, "date_added": r.added, "version": r.ver,
                "media_type": "application/stix+json;version=" + r.spec})
                for r in recs]
        else:
            key, items = b"objects", [r.body for r in recs]
        if not items and not more:
            return self.answer(b"{}", headers=headers)
        body = [b'{"more":', b"true" if more else b"false"]
        if token:
            body += [b',"next":', dump(token)]
        body += [b',"', key, b'":[', b",".join(items), b"]}"]
        return self.answer(b"".join(body), headers=headers)

    # --- TAXII 2.0 reads ---

    def matching20(self, coll, q, oid=None):
        sig = (coll.id, oid, len(coll.recs), tuple(sorted(
            (k, tuple(request.args.getlist(k))) for k in request.args)))
        hit = self.cache20.get(sig)
        if hit is None:
            lo = 0
            if q.added_after is not None:
                lo = bisect.bisect_right(coll.akeys, q.added_after)
            hi = len(coll.recs)
            hit = [r for r in coll.recs[lo:hi] if matches(coll, r, q, lo, hi)]
            if len(self.cache20) > 16:
                self.cache20.clear()
            self.cache20[sig] = hit
        return hit

    def range20(self, total):
        """The first and last item to send, and whether the answer is 206."""
        text = request.headers.get("Range")
        cap = self.o.limit_cap
        if text is None:
            return 0, min(total, cap) - 1, total > cap
        m = re.fullmatch(r"\s*items[ =](\d+)-(\d+)\s*", text)
        if m is None or int(m.group(1)) > int(m.group(2)):
            raise TaxiiError(400, "bad Range", "not items N-M: " + text)
        first, last = int(m.group(1)), int(m.group(2))
        if total and first >= total:
            raise TaxiiError(416, "range not satisfiable",
                             "there are %d items" % total,
                             {"Content-Range": "items */%d" % total})
        return first, min(last, total - 1, first + cap - 1), True

    def bundle20(self, items):
        body = [b'{"type":"bundle","id":"bundle--', str(uuid.uuid4()).encode(),
                b'","spec_version":"2.0"']
        if items:
            body += [b',"objects":[', b",".join(items), b"]"]
        return b"".join(body) + b"}"

    def objects20(self, coll, oid=None):
        q = parse_query({"added_after", "id", "type", "version"}, oid,
                        specs_default=ANY_SPEC)
        if oid is not None and oid not in coll.by_id:
            raise TaxiiError(404, "unknown object",
                             "no object %s in collection %s" % (oid, coll.id))
        hit = self.matching20(coll, q, oid)
        if not hit:
            return self.answer(self.bundle20([]), kind="stix")
        first, last, partial = self.range20(len(hit))
        body = self.bundle20([r.body for r in hit[first:last + 1]])
        if not partial:
            return self.answer(body, kind="stix")
        return self.answer(body, 206, {
            "Content-Range": "items %d-%d/%d" % (first, last, len(hit))},
            kind="stix")

    def manifest20(self, coll):
        q = parse_query({"added_after", "id", "type", "version"},
                        specs_default=ANY_SPEC, versions_default="all")
        entries = {}
        for r in self.matching20(coll, q):
            e = entries.get(r.id)
            if e is None:
                e = entries[r.id] = {"id": r.id, "date_added": r.added,
                                     "versions": [], "media_types": []}
            e["versions"].append(r.ver)
            mt = "application/vnd.oasis.stix+json; version=" + r.spec
            if mt not in e["media_types"]:
                e["media_types"].append(mt)
        entries = list(entries.values())
        if not entries:
            return self.answer({})
        first, last, partial = self.range20(len(entries))
        body = {"objects": entries[first:last + 1]}
        if not partial:
            return self.answer(body)
        return self.answer(body, 206, {
            "Content-Range": "items %d-%d/%d" % (first, last, len(entries))})

    # --- POST ---

    def read_body(self):
        limit = self.o.max_content_length
        length = request.content_length
        stream = request.stream
        chunks, n = [], 0
        if length is None or length <= limit:
            while n <= limit:
                chunk = stream.read(min(65536, limit + 1 - n))
                if not chunk:
                    break
                chunks.append(chunk)
                n += len(chunk)
        if n > limit or (length is not None and length > limit):
            while stream.read(65536):  # drain, so that the answer is read
                pass
            raise TaxiiError(413, "content too large",
                             "the body is larger than max_content_length (%d)"
                             % limit, {"Connection": "close"})
        return b"".join(chunks)

    def add_objects(self, root, coll):
        data = self.read_body()
        if self.o.slow_post:
            time.sleep(self.o.slow_post)
        try:
            doc = parse_json(data)
        except ValueError as e:
            raise TaxiiError(400, "bad JSON", str(e))
        objs = doc.get("objects") if isinstance(doc, dict) else None
        if not isinstance(objs, list):
            raise TaxiiError(400, "bad envelope", "no objects list")
        if self.o.taxii20 and doc.get("type") != "bundle":
            raise TaxiiError(400, "bad bundle", "TAXII 2.0 takes a STIX bundle")
        if not self.o.taxii20 and "type" in doc:
            raise TaxiiError(400, "bad envelope",
                             "TAXII 2.1 takes an envelope, not a bundle")
        with self.lock:
            st = Status(root, self.o.taxii20,
                        time.monotonic() + self.o.status_delay)
            st.total = len(objs)
            for obj in objs:
                why = object_problem(obj, self.o.reject_type)
                if why:
                    oid = obj.get("id") if isinstance(obj, dict) else None
                    st.failures.append((oid if isinstance(oid, str) else "",
                                        object_version(obj), why))
                else:
                    st.pendings.append((coll, obj))
            self.statuses[st.id] = st
            if st.pendings:
                self.pending.append(st)
                self.try_complete(st)
            return self.answer(st.doc(), 202)


def build_app(srv):
    o = srv.o
    app = Flask("taxii")
    app.url_map.strict_slashes = True
    log = srv.log

    @app.errorhandler(TaxiiError)
    def taxii_error(e):
        return srv.error(e.status, e.title, e.description, e.headers)

    @app.errorhandler(HTTPException)
    def http_error(e):
        if e.code in (301, 308):  # trailing slash redirects stay as they are
            return e
        return srv.error(e.code, e.name.lower(), e.description)

    @app.before_request
    def gate():
        with srv.lock:
            srv.count += 1
            g.n = srv.count
            srv.settle()
        if g.n <= o.fail_first or g.n in o.fail_at:
            return srv.error(503, "unavailable", "try again later",
                             {"Retry-After": str(o.retry_after)})
        if g.n in o.html_500_at:
            return Response(
                "<!DOCTYPE html>\n<html><head><title>500 Internal Server "
                "Error</title></head>\n<body><h1>Internal Server Error</h1>"
                "<p>The server encountered an internal error.</p></body>"
                "</html>\n", status=500, content_type="text/html; charset=utf-8")
        if (srv.users or srv.token is not None) and not srv.authorized():
            schemes = []
            if srv.users:
                schemes.append('Basic realm="taxii"')
            if srv.token is not None:
                schemes.append('Bearer realm="taxii"')
            return srv.error(401, "unauthorized", "credentials are required",
                             {"WWW-Authenticate": ", ".join(schemes)})
        accept = request.headers.get("Accept", "").strip()
        if o.taxii20:
            ok = RE_TAXII20.fullmatch(accept) or (
                request.endpoint in ("objects", "get_object")
                and request.method == "GET" and RE_STIX20.fullmatch(accept))
            want = TAXII20
        else:
            ok = RE_TAXII21.fullmatch(accept)
            want = TAXII21
        if not ok:
            return srv.error(406, "not acceptable",
                             "the Accept header must be " + want)
        if request.method == "POST":
            ctype = request.headers.get("Content-Type", "").strip()
            if o.taxii20:
                ok = RE_STIX20.fullmatch(ctype) or RE_TAXII20.fullmatch(ctype)
            else:
                ok = RE_TAXII21.fullmatch(ctype)
            if not ok:
                return srv.error(415, "unsupported media type",
                                 "the Content-Type must be " +
                                 (STIX20 if o.taxii20 else TAXII21))
        return None

    @app.after_request
    def record(resp):
        if log is not None:
            log.write(json.dumps({
                "n": getattr(g, "n", 0), "method": request.method,
                "path": request.path,
                "query": request.query_string.decode("latin-1"),
                "accept": request.headers.get("Accept"),
                "content_type": request.headers.get("Content-Type"),
                "auth": request.headers.get("Authorization", "").partition(" ")[0]
                or None,
                "status": resp.status_code}) + "\n")
            log.flush()
        return resp

    @app.route("/taxii/")
    @app.route("/taxii2/")
    def discovery():
        if not o.taxii20 and request.path == "/taxii/":
            raise TaxiiError(404, "not found", "discovery is at /taxii2/")
        base = o.discovery_base
        if base == "request":
            base = request.host_url.rstrip("/")
        elif base is None:
            host = request.host
            host = host[:host.rindex("]") + 1] if host.startswith("[") \
                else host.partition(":")[0]
            base = "http://%s:5000" % host
        roots = [base.rstrip("/") + "/" + name + "/" for name in srv.roots]
        return srv.answer({
            "title": "cti test TAXII server",
            "description": "a TAXII server for cti's tests",
            "contact": "nobody",
            "default": roots[0],
            "api_roots": roots,
        })

    @app.route("/<root>/")
    def api_root(root):
        r = srv.root(root)
        return srv.answer({
            "title": r["title"], "description": r["description"],
            "versions": ["taxii-2.0"] if o.taxii20 else [TAXII21],
            "max_content_length": o.max_content_length,
        })

    @app.route("/<root>/collections/")
    def collections(root):
        cs = srv.root(root)["collections"].values()
        if not cs:
            return srv.answer({})
        return srv.answer({"collections": [c.info(o.taxii20) for c in cs]})

    @app.route("/<root>/collections/<cid>/")
    def collection(root, cid):
        return srv.answer(srv.collection(root, cid, None).info(o.taxii20))

    @app.route("/<root>/collections/<cid>/objects/", methods=["GET", "POST"])
    def objects(root, cid):
        if request.method == "POST":
            c = srv.collection(root, cid, "write")
            return srv.add_objects(root, c)
        return srv.read("objects", root, cid)

    @app.route("/<root>/collections/<cid>/objects/<oid>/")
    def get_object(root, cid, oid):
        return srv.read("object", root, cid, oid)

    @app.route("/<root>/collections/<cid>/objects/<oid>/versions/")
    def versions(root, cid, oid):
        return srv.read("versions", root, cid, oid)

    @app.route("/<root>/collections/<cid>/manifest/")
    def manifest(root, cid):
        return srv.read("manifest", root, cid)

    @app.route("/<root>/status/<sid>/")
    def status(root, sid):
        with srv.lock:
            srv.root(root)
            st = srv.statuses.get(sid)
            if st is None or st.root != root:
                raise TaxiiError(404, "unknown status", "no status " + sid)
            if st.pendings:
                srv.try_complete(st)
                if st.pendings:
                    st.polls += 1
            return srv.answer(st.doc())

    return app


def main(argv):
    o = options(argv)
    # Whatever can fail fails before the port opens, so that a test sees
    # the server exit rather than a connection that is never answered.
    try:
        srv = Server(o)
    except OSError as e:
        raise SystemExit("taxii.py: %s" % e)
    ctx = None
    if o.cert:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        try:
            ctx.load_cert_chain(o.cert, o.key)
            if o.client_ca:
                ctx.verify_mode = ssl.CERT_REQUIRED
                ctx.load_verify_locations(o.client_ca)
        except (OSError, ssl.SSLError) as e:
            raise SystemExit("taxii.py: TLS: %s" % e)
    family = socket.AF_INET6 if ":" in o.host else socket.AF_INET
    try:
        sock = socket.create_server((o.host, o.port), family=family, backlog=128)
    except OSError as e:
        raise SystemExit("taxii.py: %s port %d: %s" % (o.host, o.port, e))
    import_flask()
    if o.quiet:
        logging.getLogger("werkzeug").setLevel(logging.ERROR)
    app = build_app(srv)
    httpd = make_server(o.host, sock.getsockname()[1], app, threaded=True,
                        fd=sock.fileno())
    scheme = "http"
    if ctx is not None:
        # The handshake happens in the request's thread, on its first read,
        # so that a client that connects and says nothing blocks nobody.
        httpd.socket = ctx.wrap_socket(httpd.socket, server_side=True,
                                       do_handshake_on_connect=False)
        httpd.ssl_context = ctx
        scheme = "https"
    print("taxii.py: %s://%s:%d/taxii2/ (seed: %d objects, %d skipped)%s"
          % (scheme, o.host, httpd.port, srv.loaded, srv.skipped,
             " TAXII 2.0" if o.taxii20 else ""), file=sys.stderr, flush=True)
    httpd.serve_forever()


if __name__ == "__main__":
    main(sys.argv[1:])
