#!/usr/bin/python3
"""stomp_interop.py - the other side of itest_stomp_interop.sh, written with
Debian's python3-stomp (a STOMP client we did not write).

  stomp_interop.py read DEST N    read N messages sent by our C client and
                                  check bodies and headers; exit 1 on mismatch
  stomp_interop.py send DEST N    send N messages for our C client to read
"""
import os
import sys
import threading

import stomp


class Collector(stomp.ConnectionListener):
    def __init__(self, want):
        self.want = want
        self.frames = []
        self.done = threading.Event()
        self.errors = []

    def on_message(self, frame):
        self.frames.append(frame)
        if len(self.frames) >= self.want:
            self.done.set()

    def on_error(self, frame):
        self.errors.append(frame.headers.get("message", frame.body))
        self.done.set()


def connect(listener=None):
    conn = stomp.Connection12([(os.environ["STOMP_HOST"], int(os.environ["STOMP_PORT"]))])
    if listener:
        conn.set_listener("collector", listener)
    conn.connect(os.environ["STOMP_USER"], os.environ["STOMP_PASSWORD"], wait=True)
    return conn


def read(dest, n):
    listener = Collector(n)
    conn = connect(listener)
    conn.subscribe(destination=dest, id="py", ack="client-individual")
    listener.done.wait(30)
    for f in listener.frames:
        conn.ack(f.headers["ack"])
    conn.disconnect()
    if listener.errors:
        sys.exit("ERROR frame: %s" % listener.errors)
    got = [(f.body, f.headers.get("seq")) for f in listener.frames]
    want = [("msg-%d" % i, str(i)) for i in range(n)]
    if got != want:
        sys.exit("python3-stomp read %d messages, first mismatch: %s"
                 % (len(got), next(((g, w) for g, w in zip(got, want) if g != w), "count")))
    print("python3-stomp read %d messages from our client, bodies and headers as sent" % n)


def send(dest, n):
    conn = connect()
    for i in range(n):
        conn.send(destination=dest, body="msg-%d" % i, headers={"seq": str(i), "persistent": "true"},
                  receipt="py-%d" % i)
    conn.disconnect(receipt="bye")
    print("python3-stomp sent %d messages" % n)


if __name__ == "__main__":
    {"read": read, "send": send}[sys.argv[1]](sys.argv[2], int(sys.argv[3]))
