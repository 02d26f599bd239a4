#!/usr/bin/python3
"""amq_notifications.py - reads spider-publisher's MONIT notifications back
from ActiveMQ with Debian's python3-stomp (a client we did not write) and
checks their envelope.

  amq_notifications.py DEST WANT [IDLE_S]

Reads DEST (a queue, so nothing sent before we subscribe is lost) until
WANT distinct metadata._id values arrived and then IDLE_S seconds (default
2) pass without a message, or 120 s in all. Prints one line
"messages=M distinct=D bad=B" and exits 0 only when D == WANT and B == 0.
A message is bad when it is not JSON or lacks data, metadata.producer,
metadata.type, metadata._id, metadata.timestamp (epoch ms, the document's
RecordTime x 1000) or metadata.version.
"""
import json
import os
import sys
import threading
import time

import stomp


class Reader(stomp.ConnectionListener):
    def __init__(self):
        self.ids = set()
        self.messages = 0
        self.bad = []
        self.last = time.time()
        self.lock = threading.Lock()

    def on_message(self, frame):
        with self.lock:
            self.messages += 1
            self.last = time.time()
            problem = check(frame.body)
            if problem:
                self.bad.append(problem)
            else:
                self.ids.add(json.loads(frame.body)["metadata"]["_id"])


def check(body):
    try:
        n = json.loads(body)
    except ValueError as e:
        return "not JSON: %s" % e
    data, meta = n.get("data"), n.get("metadata")
    if not isinstance(data, dict) or not isinstance(meta, dict):
        return "no data or metadata object"
    for key in ("producer", "type", "_id", "timestamp", "version"):
        if key not in meta:
            return "metadata.%s missing" % key
    if meta["timestamp"] != data.get("RecordTime"):
        return "timestamp %r is not data.RecordTime %r (both epoch ms)" % (meta["timestamp"], data.get("RecordTime"))
    if meta["timestamp"] < 10**12:
        return "timestamp %r is not in epoch milliseconds" % meta["timestamp"]
    return None


def main():
    dest, want = sys.argv[1], int(sys.argv[2])
    idle = float(sys.argv[3]) if len(sys.argv) > 3 else 2.0
    reader = Reader()
    conn = stomp.Connection12([(os.environ["STOMP_HOST"], int(os.environ["STOMP_PORT"]))])
    conn.set_listener("reader", reader)
    conn.connect(os.environ["STOMP_USER"], os.environ["STOMP_PASSWORD"], wait=True)
    conn.subscribe(destination=dest, id="1", ack="auto")
    deadline = time.time() + 120
    while time.time() < deadline:
        time.sleep(0.2)
        with reader.lock:
            if len(reader.ids) >= want and time.time() - reader.last >= idle:
                break
    conn.disconnect()
    print("messages=%d distinct=%d bad=%d" % (reader.messages, len(reader.ids), len(reader.bad)))
    for problem in reader.bad[:5]:
        print("bad: " + problem)
    return 0 if len(reader.ids) == want and not reader.bad else 1


if __name__ == "__main__":
    sys.exit(main())
