"""Reads Atom feeds with Python's Universal Feed Parser (Debian's
python3-feedparser) and prints, as JSON, what a reader built on it shows.

Usage: read_feeds.py FEEDS.json, where FEEDS.json is a list of
{"url": ..., "file": ...}: each file holds the body fetched from url, which
is the base that relative links resolve against. TestFeedParser runs it.
"""

import json
import sys
import time

import feedparser


def stamp(t):
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", t) if t else None


def read(url, path):
    with open(path, "rb") as f:
        d = feedparser.parse(f.read(), response_headers={"content-location": url, "content-type": "application/atom+xml; charset=utf-8"})
    feed = d.feed
    return {
        "bozo": str(d.get("bozo_exception", "")) if d.bozo else "",
        "version": d.version,
        "id": feed.get("id", ""),
        "title": feed.get("title", ""),
        "language": feed.get("language", ""),
        "author": feed.get("author", ""),
        "updated": stamp(feed.get("updated_parsed")),
        "self": next((l.href for l in feed.get("links", []) if l.rel == "self"), ""),
        "entries": [
            {
                "id": e.get("id", ""),
                "title": e.get("title", ""),
                "link": e.get("link", ""),
                "summary": e.get("summary", ""),
                "content": e.content[0].value if e.get("content") else "",
                "content_type": e.content[0].type if e.get("content") else "",
                "author": e.get("author", ""),
                "updated": stamp(e.get("updated_parsed")),
                "published": stamp(e.get("published_parsed")),
                "tags": [t.get("label") or t.term for t in e.get("tags", [])],
            }
            for e in d.entries
        ],
    }


with open(sys.argv[1]) as f:
    feeds = json.load(f)
json.dump([read(x["url"], x["file"]) for x in feeds], sys.stdout, ensure_ascii=False)
