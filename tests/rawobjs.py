#!/usr/bin/python3
"""tests/rawobjs.py FILE - print the objects of a bundle file (gzip or
plain, signed or not) exactly as they are written in it, one per line, so
that tests can compare objects byte for byte (jq would write them anew).
"""
import gzip
import json
import sys

data = open(sys.argv[1], "rb").read()
if data[:2] == b"\x1f\x8b":
    data = gzip.decompress(data)
text = data.decode("utf-8")
dec = json.JSONDecoder()
top, _ = dec.raw_decode(text)
if not isinstance(top, dict) or "objects" not in top:
    sys.exit("rawobjs: not a bundle with objects")
i = text.index("[", text.index('"objects"')) + 1
while True:
    while text[i] in " \t\r\n,":
        i += 1
    if text[i] == "]":
        break
    _, j = dec.raw_decode(text, i)
    print(text[i:j])
    i = j
